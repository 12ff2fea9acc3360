from datetime import date, timedelta

from odoo.tests import tagged

from .common import AS_OF
from .test_churn_currency import MoneyCase


def ago(days):
    return AS_OF - timedelta(days=days)


@tagged("post_install", "-at_install")
class TestChurnInvoices(MoneyCase):
    """A company valuing customers by invoices (in its own currency): posted customer invoices
    net of credit notes are the transactions of the churn signals, as of 2026-06-30. A credit
    note reduces the day of the invoice it reverses, an unlinked one stands on its own day
    without being a purchase; drafts, cancelled invoices and sale orders count for nothing.
    Signals: overdue (weight 3), spend drop and frequency drop (2 each, 90 days, 50%)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.load_chart(cls.company)

    def setUp(self):
        super().setUp()
        self.only_signals("overdue", "spend_drop", "frequency_drop")

    def reasons(self, rows, partner):
        """(signal code, figure, the reason in English) of each reason of the partner."""
        render = self.env["crm.churn.reason"].with_context(lang="en_US")._get_renderer()
        return [
            (r["code"], r["value"], render(r["details"], line=True))
            for r in rows[partner.id]["reasons"]
        ]

    def test_overdue_from_invoice_days(self):
        late = self.make_customer("Invoice Late")
        for days in (220, 180, 140):
            self.make_invoice(late, 300, ago(days))
        # none of these is a purchase of an invoicing company: had one counted, the last
        # purchase would be at most 20 days old
        self.make_invoice(late, 300, ago(10), state="draft")
        self.make_invoice(late, 300, ago(20), state="cancel")
        self.make_order(late, 300, ago(5))
        rows = self.evaluate()
        # 140 days > 1.5 x 40; nothing in the last 90 days, $300 (one invoice) before
        self.assertEqual(
            self.reasons(rows, late),
            [
                ("overdue", 140.0, "No order for 140 days; usual interval 40 days"),
                (
                    "spend_drop",
                    100.0,
                    "Spend down 100% in the last 90 days: $\xa00.00 against $\xa0300.00 the 90 "
                    "days before",
                ),
                (
                    "frequency_drop",
                    100.0,
                    "Orders down 100% in the last 90 days: 0 against 1 the 90 days before",
                ),
            ],
        )
        self.assertEqual(rows[late.id]["last_order_date"], ago(140))
        self.assertEqual((rows[late.id]["score"], rows[late.id]["level"]), (100.0, "high"))

    def test_refunds_reduce_spend(self):
        refunded = self.make_customer("Invoice Refunded")
        # before (2026-01-01 .. 2026-04-01]: $1,000 and $1,000, of which $400 credited later
        self.make_invoice(refunded, 1000, ago(150))
        second = self.make_invoice(refunded, 1000, ago(100))
        self.make_invoice(refunded, 400, ago(30), "out_refund", reverses=second)
        # last 90 days: $900, and a $100 credit note on no invoice
        self.make_invoice(refunded, 900, ago(60))
        self.make_invoice(refunded, 100, ago(20), "out_refund")
        self.assertEqual(
            self.days_of(refunded),
            [
                (ago(150), 1, 1000.0),
                (ago(100), 1, 600.0),  # less the credit note of 30 days ago
                (ago(60), 1, 900.0),
                (ago(20), 0, -100.0),  # a credit note on no invoice: no purchase
            ],
        )
        rows = self.evaluate()
        # spend $800 against $1,600; invoices 1 against 2 (credit notes are no orders);
        # the last invoice (60 days) is within 1.5 x the mean interval of 45 days
        self.assertEqual(
            self.reasons(rows, refunded),
            [
                (
                    "spend_drop",
                    50.0,
                    "Spend down 50% in the last 90 days: $\xa0800.00 against $\xa01,600.00 the 90 "
                    "days before",
                ),
                (
                    "frequency_drop",
                    50.0,
                    "Orders down 50% in the last 90 days: 1 against 2 the 90 days before",
                ),
            ],
        )
        self.assertEqual(rows[refunded.id]["last_order_date"], ago(60))
        # both at their 50% threshold: two thirds of 2 + 2 of 7
        self.assertEqual((rows[refunded.id]["score"], rows[refunded.id]["level"]), (38.1, "low"))

    def test_full_refund_of_recent_spend(self):
        refunded = self.make_customer("Invoice Fully Credited")
        self.make_invoice(refunded, 500, ago(120))
        recent = self.make_invoice(refunded, 500, ago(40))
        self.make_invoice(refunded, 500, ago(10), "out_refund", reverses=recent)
        rows = self.evaluate()
        # the recent invoice is still an invoice day (no frequency drop, not overdue), but
        # worth nothing: spend down 100%
        self.assertEqual(
            self.reasons(rows, refunded),
            [
                (
                    "spend_drop",
                    100.0,
                    "Spend down 100% in the last 90 days: $\xa00.00 against $\xa0500.00 the 90 "
                    "days before",
                )
            ],
        )

    def test_drafts_and_cancelled_invoices_ignored(self):
        steady = self.make_customer("Invoice Steady")
        self.make_invoice(steady, 500, ago(120))
        self.make_invoice(steady, 500, ago(40))
        # had they counted: spend down 94%, orders down 67%
        self.make_invoice(steady, 5000, ago(100), state="draft")
        self.make_invoice(steady, 3000, ago(95), state="cancel")
        drafts_only = self.make_customer("Invoice Drafts Only")
        self.make_invoice(drafts_only, 700, ago(30), state="draft")
        self.make_invoice(drafts_only, 700, ago(20), state="cancel")
        ordering = self.make_customer("Ordering Only")
        self.make_order(ordering, 700, ago(30))

        rows = self.evaluate()
        self.assertEqual(self.days_of(steady), [(ago(120), 1, 500.0), (ago(40), 1, 500.0)])
        self.assertEqual(rows[steady.id]["reasons"], [])
        self.assertEqual((rows[steady.id]["score"], rows[steady.id]["level"]), (0.0, "none"))
        # no posted invoice: not a customer of an invoicing company
        self.assertNotIn(drafts_only.id, rows)
        self.assertNotIn(ordering.id, rows)

    def test_invoices_of_contacts_and_company_median(self):
        group = self.make_customer("Invoice Group")
        buyer = self.env["res.partner"].create({"name": "Group Buyer", "parent_id": group.id})
        self.make_invoice(group, 200, ago(130))
        self.make_invoice(buyer, 300, ago(100))
        self.make_invoice(buyer, 100, ago(100))
        once = self.make_customer("Invoice Once")
        self.make_invoice(once, 250, ago(50))
        rows = self.evaluate()
        self.assertNotIn(buyer.id, rows)
        self.assertEqual(self.days_of(group), [(ago(130), 1, 200.0), (ago(100), 2, 400.0)])
        # 100 days > 1.5 x 30; the one-invoice customer is measured against the company's
        # median interval (30 days): 50 days > 45
        self.assertEqual(
            self.reasons(rows, group)[0],
            ("overdue", 100.0, "No order for 100 days; usual interval 30 days"),
        )
        self.assertEqual(
            self.reasons(rows, once),
            [
                (
                    "overdue",
                    50.0,
                    "No order for 50 days; usual interval 30 days (median of the company's "
                    "customers, a single order so far)",
                )
            ],
        )

    def test_stored_scores_and_replay(self):
        """A real run stores the invoice-based figures; a replay as of an earlier date reads
        only the invoices dated by then."""
        customer = self.make_customer("Invoice Replayed")
        self.make_invoice(customer, 800, ago(150))
        self.make_invoice(customer, 800, ago(120))
        self.make_invoice(customer, 200, ago(20))
        self.score()
        stored = self.stored(customer)
        # spend $200 against $1,600 (the invoice 150 days ago is in the period before), one
        # invoice against two
        self.assertEqual(
            stored.crm_churn_reasons,
            "Spend down 88% in the last 90 days: $\xa0200.00 against $\xa01,600.00 the 90 days "
            "before\n"
            "Orders down 50% in the last 90 days: 1 against 2 the 90 "
            "days before",
        )
        # spend down 87.5%: 2/3 + 37.5 / 50 / 3 of 2; orders down 50%: 2/3 of 2; of 7
        self.assertEqual((stored.crm_churn_score, stored.crm_churn_level), (45.2, "medium"))
        # as of 2026-05-01 the last invoice is that of 2026-03-02, 60 days before (> 1.5 x 30);
        # $800 in the 90 days (from 2026-02-01) as in the 90 days before: no drop
        rows = self.evaluate(as_of=date(2026, 5, 1))
        self.assertEqual(rows[customer.id]["last_order_date"], date(2026, 3, 2))
        self.assertEqual(
            self.reasons(rows, customer),
            [("overdue", 60.0, "No order for 60 days; usual interval 30 days")],
        )
