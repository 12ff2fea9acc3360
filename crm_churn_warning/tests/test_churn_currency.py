from datetime import date, datetime, time

import pytz

from odoo.tests import tagged
from odoo.tools import SQL

from odoo.addons.crm_churn_warning.models.churn_data import LEVEL_HIGH, STATE_RETAINED
from odoo.addons.crm_lifecycle_tiering.tests.common import make_sale_order

from .common import ChurnCase, logged_events

# the company's rates of the euro (euros for one dollar), from these days on
RATE_WINTER = date(2025, 12, 1)  # 0.8: EUR 80 = $100
RATE_SPRING = date(2026, 4, 10)  # 1.25: EUR 125 = $100


class MoneyCase(ChurnCase):
    """ChurnCase with real sale orders (through the ORM, at noon of their day in the company's
    time zone, in the company currency or in euros by a euro pricelist), posted customer
    invoices and credit notes (for companies given a chart of accounts), and the per-day
    transactions the purchase model and the engine read."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.eur = cls.env.ref("base.EUR")
        cls.eur.active = True
        cls.product = cls.env["product.product"].create(
            {"name": "Churn Money Day", "type": "service", "list_price": 100, "taxes_id": False}
        )

    @classmethod
    def load_chart(cls, company):
        cls.env["account.chart.template"].try_loading(
            "generic_coa", company=company, install_demo=False
        )
        company.crm_value_source = "invoice"

    @classmethod
    def set_rates(cls, currency, rates, company=None):
        """The company's rates of `currency`: {first day: units for one company currency}."""
        company = company or cls.company
        cls.env["res.currency.rate"].create(
            [
                {"name": day, "rate": rate, "currency_id": currency.id, "company_id": company.id}
                for day, rate in rates.items()
            ]
        )

    @classmethod
    def moment(cls, day, hour=12, company=None):
        """`hour` o'clock of `day` in the company's time zone, as a naive UTC datetime."""
        tz = pytz.timezone((company or cls.company)._crm_tz())
        local = tz.localize(datetime.combine(day, time(hour, 0)))
        return local.astimezone(pytz.utc).replace(tzinfo=None)

    @classmethod
    def make_order(cls, partner, amount, day, currency=None, confirm=True, company=None):
        """One order of `amount` (untaxed, in `currency`, by default the company's) on `day`."""
        company = company or cls.company
        return make_sale_order(
            cls.env,
            partner,
            company,
            [{"product_id": cls.product.id, "price_unit": amount, "tax_ids": False}],
            currency=currency,
            confirm=confirm,
            moment=cls.moment(day, company=company),
        )

    def days_of(self, partner, as_of=None, company=None):
        """[(day, orders, amount)] of the customer, as crm.customer.data._get_days_query gives
        them."""
        company = company or self.company
        query = self.env["crm.customer.data"]._get_days_query(company, as_of or self.AS_OF)
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "SELECT day, orders, amount FROM (%s) d WHERE d.partner_id = %s ORDER BY day",
                query,
                partner.id,
            )
        )
        return self.env.cr.fetchall()

    def summary_of(self, partner, as_of=None, company=None):
        summary = self.env["crm.churn.model"]._get_summary(
            company or self.company, as_of or self.AS_OF
        )
        index = summary["partner_id"].tolist().index(partner.id)
        return {key: float(values[index]) for key, values in summary.items()}

    @classmethod
    def make_warning(cls, partner, day, company=None, **values):
        """A high-risk warning raised by the nightly scoring of `day` (created at 03:00 that
        day, whatever the clock of the test: an order counts after the warning when placed
        after its creation or on a later day)."""
        company = company or cls.company
        warning = (
            cls.env["crm.churn.warning"]
            .with_company(company)
            .create(
                {
                    "partner_id": partner.id,
                    "company_id": company.id,
                    "level": LEVEL_HIGH,
                    "score": 70.0,
                    "date": day,
                    **values,
                }
            )
        )
        cls.env.flush_all()
        cls.env.cr.execute(
            "UPDATE crm_churn_warning SET create_date = %s WHERE id = %s",
            [cls.moment(day, hour=3, company=company), warning.id],
        )
        warning.invalidate_recordset(["create_date"])
        return warning


@tagged("post_install", "-at_install")
class TestChurnCurrencyOrders(MoneyCase):
    """A company in dollars selling in euros: every figure of the engine in dollars.
    Euro rates 0.8 from 2025-12-01 (EUR 80 = $100) and 1.25 from 2026-04-10 (EUR 125 = $100);
    every order is at least two days from a rate change, so its rate does not depend on the
    time zone."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.set_rates(cls.eur, {RATE_WINTER: 0.8, RATE_SPRING: 1.25})

    def test_orders_carry_the_rate_of_their_day(self):
        customer = self.make_customer("Rated Buyer")
        winter = self.make_order(customer, 80, date(2026, 4, 5), self.eur)
        spring = self.make_order(customer, 125, date(2026, 4, 20), self.eur)
        dollars = self.make_order(customer, 100, date(2026, 4, 20))
        self.assertEqual(
            [(o.currency_id, o.currency_rate, o.amount_untaxed) for o in winter | spring | dollars],
            [(self.eur, 0.8, 80.0), (self.eur, 1.25, 125.0), (self.usd, 1.0, 100.0)],
        )

    def test_days_and_spend_drop_in_company_currency(self):
        self.only_signals("spend_drop")
        buyer = self.make_customer("Euro Buyer")
        # the 90 days before 2026-04-01: EUR 1,000 + 600 on one day ($2,000) and EUR 400 ($500)
        self.make_order(buyer, 1000, date(2026, 1, 20), self.eur)
        self.make_order(buyer, 600, date(2026, 1, 20), self.eur)
        self.make_order(buyer, 400, date(2026, 3, 10), self.eur)
        # the last 90 days: EUR 80 at 0.8 ($100), EUR 750 at 1.25 ($600), $300
        self.make_order(buyer, 80, date(2026, 4, 5), self.eur)
        self.make_order(buyer, 750, date(2026, 4, 20), self.eur)
        self.make_order(buyer, 300, date(2026, 5, 20))
        # a quotation counts for nothing
        self.make_order(buyer, 5000, date(2026, 5, 25), self.eur, confirm=False)

        self.assertEqual(
            self.days_of(buyer),
            [
                (date(2026, 1, 20), 2, 2000.0),
                (date(2026, 3, 10), 1, 500.0),
                (date(2026, 4, 5), 1, 100.0),
                (date(2026, 4, 20), 1, 600.0),
                (date(2026, 5, 20), 1, 300.0),
            ],
        )
        # in dollars: $1,000 against $2,500, down 60% (in euros it would be 1,130 against
        # 2,000, down 43.5%: no signal)
        rows = self.evaluate()
        self.assertEqual(
            [(r["code"], r["value"], r["details"]) for r in rows[buyer.id]["reasons"]],
            [
                (
                    "spend_drop",
                    60.0,
                    [
                        [
                            "spend_drop",
                            {
                                "drop": 60.0,
                                "days": 90,
                                "recent": 1000.0,
                                "before": 2500.0,
                                "currency_id": self.usd.id,
                            },
                        ]
                    ],
                )
            ],
        )
        self.assertEqual(
            self.env["crm.churn.reason"]._render(rows[buyer.id]["reason_data"]),
            "Spend down 60% in the last 90 days: $\xa01,000.00 against $\xa02,500.00 the 90 "
            "days before",
        )
        # two thirds of the signal at its 50% threshold, and 10 / 50 of the last third
        self.assertEqual((rows[buyer.id]["score"], rows[buyer.id]["level"]), (73.3, "high"))
        # the purchase model's values: four repeat days worth $1,500 in all, from 2026-01-20
        summary = self.summary_of(buyer)
        self.assertEqual(summary["x"], 4.0)
        self.assertEqual(summary["m"], 375.0)
        self.assertAlmostEqual(summary["t_x"], 120 / 7)
        self.assertAlmostEqual(summary["T"], 161 / 7)

    def test_revenue_after_a_warning_in_company_currency(self):
        customer = self.make_customer("Euro Returner")
        warning = self.make_warning(customer, date(2026, 3, 1))
        self.make_order(customer, 800, date(2026, 2, 10), self.eur)  # before the warning
        self.make_order(customer, 400, date(2026, 3, 10), self.eur)  # $500
        self.make_order(customer, 250, date(2026, 5, 20), self.eur)  # $200
        self.make_order(customer, 120, date(2026, 6, 10))  # $120
        self.make_order(customer, 999, date(2026, 4, 20), self.eur, confirm=False)
        Warning = self.env["crm.churn.warning"]

        result = Warning._close_outcomes(self.company, date(2026, 6, 30))
        self.assertEqual(result, {"retained": 1, "lost": 0})
        self.assertRecordValues(
            warning,
            [
                {
                    "state": STATE_RETAINED,
                    "outcome_date": date(2026, 3, 10),
                    "days_to_outcome": 9,
                    "orders_after": 3,
                    "revenue_after": 820.0,
                    "revenue_saved": 820.0,
                }
            ],
        )
        # the chatter gives the figures as tracked values, for each reader in their language
        self.assertEqual(
            logged_events(warning, "crm_churn_warning.mt_crm_churn_warning_retained"),
            [
                {
                    "state": ("New", "Retained"),
                    "outcome_date": (False, "2026-03-10"),
                    "orders_after": (0, 3),
                    "revenue_after": (0.0, 820.0),
                }
            ],
        )
        revenue = warning.message_ids.sudo().tracking_value_ids.filtered(
            lambda t: t.field_id.name == "revenue_after"
        )
        self.assertEqual(revenue.currency_id, self.usd)
        # kept current: EUR 100 at 1.25 is $80 more
        self.make_order(customer, 100, date(2026, 7, 10), self.eur)
        Warning._close_outcomes(self.company, date(2026, 7, 31))
        self.assertEqual((warning.orders_after, warning.revenue_after), (4, 900.0))
        self.assertEqual(warning.revenue_saved, 900.0)


@tagged("post_install", "-at_install")
class TestChurnCurrencyInvoices(MoneyCase):
    """A company in dollars valuing customers by invoices, invoicing in euros at the rates of
    TestChurnCurrencyOrders: invoices and credit notes count in dollars at the rate of their
    own date (Odoo's signed untaxed amount)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.load_chart(cls.company)
        cls.set_rates(cls.eur, {RATE_WINTER: 0.8, RATE_SPRING: 1.25})

    def test_invoices_and_refunds_in_company_currency(self):
        self.assertEqual(self.company.currency_id, self.usd)
        self.only_signals("spend_drop")
        buyer = self.make_customer("Euro Invoiced")
        self.make_invoice(buyer, 1600, date(2026, 1, 20), currency=self.eur)  # $2,000
        march = self.make_invoice(buyer, 400, date(2026, 3, 10), currency=self.eur)  # $500
        # a credit note of EUR 125 on the March invoice, at 1.25 on its own date: $100 off
        # the March day
        refund = self.make_invoice(
            buyer, 125, date(2026, 5, 20), "out_refund", currency=self.eur, reverses=march
        )
        self.make_invoice(buyer, 750, date(2026, 4, 20), currency=self.eur)  # $600
        self.make_invoice(buyer, 400, date(2026, 5, 25))  # $400
        # a credit note of EUR 50 on no invoice: -$40 on its own day, not a purchase
        self.make_invoice(buyer, 50, date(2026, 6, 10), "out_refund", currency=self.eur)
        # draft and cancelled invoices count for nothing
        self.make_invoice(buyer, 3000, date(2026, 5, 1), currency=self.eur, state="draft")
        self.make_invoice(buyer, 2000, date(2026, 6, 1), currency=self.eur, state="cancel")
        self.assertEqual((march.amount_untaxed_signed, refund.amount_untaxed_signed), (500, -100))

        self.assertEqual(
            self.days_of(buyer),
            [
                (date(2026, 1, 20), 1, 2000.0),
                (date(2026, 3, 10), 1, 400.0),
                (date(2026, 4, 20), 1, 600.0),
                (date(2026, 5, 25), 1, 400.0),
                (date(2026, 6, 10), 0, -40.0),
            ],
        )
        rows = self.evaluate()
        self.assertEqual(
            [(r["code"], r["value"]) for r in rows[buyer.id]["reasons"]], [("spend_drop", 60.0)]
        )
        self.assertEqual(
            self.env["crm.churn.reason"]._render(rows[buyer.id]["reason_data"]),
            "Spend down 60% in the last 90 days: $\xa0960.00 against $\xa02,400.00 the 90 days "
            "before",
        )
        # the purchase model: three repeat days worth $1,360 after the first, less the
        # unlinked credit note: (400 + 600 + 400 - 40) / 3
        summary = self.summary_of(buyer)
        self.assertEqual(summary["x"], 3.0)
        self.assertAlmostEqual(summary["m"], 1360 / 3)

    def test_revenue_after_a_warning_from_invoices(self):
        customer = self.make_customer("Euro Invoice Returner")
        warning = self.make_warning(customer, date(2026, 3, 1))
        self.make_invoice(customer, 800, date(2026, 2, 10), currency=self.eur)  # before
        march = self.make_invoice(customer, 400, date(2026, 3, 10), currency=self.eur)  # $500
        self.make_invoice(
            customer, 125, date(2026, 5, 20), "out_refund", currency=self.eur, reverses=march
        )  # -$100
        self.make_invoice(customer, 250, date(2026, 5, 25), currency=self.eur)  # $200
        self.make_invoice(customer, 999, date(2026, 4, 1), currency=self.eur, state="draft")
        # confirmed orders do not count in a company valuing customers by invoices
        self.make_order(customer, 5000, date(2026, 4, 2), self.eur)

        result = self.env["crm.churn.warning"]._close_outcomes(self.company, date(2026, 6, 30))
        self.assertEqual(result, {"retained": 1, "lost": 0})
        self.assertRecordValues(
            warning,
            [
                {
                    "state": STATE_RETAINED,
                    "outcome_date": date(2026, 3, 10),
                    "orders_after": 2,
                    "revenue_after": 600.0,
                    "revenue_saved": 600.0,
                }
            ],
        )
