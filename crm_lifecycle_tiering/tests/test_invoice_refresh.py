"""A company valuing its customers by invoices: posting an invoice or a refund, resetting one to
draft or cancelling it queues the customer, and the queue's refresh gives the invoiced figures."""

from datetime import timedelta
from unittest.mock import patch

from odoo.tests import tagged

from .common import ValueCase


@tagged("post_install", "-at_install")
class TestInvoiceRefresh(ValueCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["account.chart.template"].try_loading(
            "generic_coa", company=cls.vc, install_demo=False
        )
        cls.vc.crm_value_source = "invoice"
        cls.customer = cls.make_customer("Invoiced Co")
        cls.contact = cls.env["res.partner"].create(
            {"name": "Accounts Payable", "parent_id": cls.customer.id}
        )
        cls.today = cls.crm_today(cls.vc)

    def make_move(self, partner, amount, day, move_type="out_invoice"):
        """A draft invoice of the test company."""
        return self.make_invoice(partner, amount, day, move_type, state="draft", company=self.vc)

    def queued(self, partner=None):
        return self.env["crm.value.queue"].search(
            [("partner_id", "=", (partner or self.customer).id), ("company_id", "=", self.vc.id)]
        )

    def refresh_queue(self):
        with patch.object(type(self.env["ir.cron"]), "_commit_progress", return_value=60.0):
            self.engine._cron_refresh_queue()
        self.assertFalse(self.queued())

    def assertFigures(self, count, revenue, first, last, stage):
        values = self.val(self.customer)
        self.assertEqual(
            (
                values.crm_order_count,
                values.crm_revenue_total,
                values.crm_order_count_period,
                values.crm_revenue_period,
                values.crm_first_order_date,
                values.crm_last_order_date,
                values.crm_lifecycle_stage,
            ),
            (count, revenue, count, revenue, first, last, stage),
        )

    def test_post_then_reset_to_draft(self):
        day1, day2 = self.today - timedelta(days=20), self.today - timedelta(days=5)
        # the first invoice to the contact: its company is the customer
        first = self.make_move(self.contact, 1000, day1)
        second = self.make_move(self.customer, 500, day2)
        self.assertFalse(self.queued(), "a draft invoice queues nothing")

        first.action_post()
        self.assertEqual(len(self.queued()), 1)
        self.assertFalse(self.queued(self.contact))
        # queued only: nothing recomputed in the user's transaction
        self.assertFalse(self.val(self.customer).crm_lifecycle_stage)
        self.refresh_queue()
        self.assertFigures(1, 1000.0, day1, day1, "first_purchase")
        self.assertEqual(self.val(self.customer).crm_avg_order_value, 1000.0)

        second.action_post()
        self.assertEqual(len(self.queued()), 1)
        self.refresh_queue()
        self.assertFigures(2, 1500.0, day1, day2, "repeat")
        self.assertEqual(self.val(self.customer).crm_avg_order_value, 750.0)
        self.assertEqual(self.val(self.customer).crm_purchase_interval, 15.0)

        second.button_draft()
        self.assertEqual(second.state, "draft")
        self.assertEqual(len(self.queued()), 1)
        self.refresh_queue()
        self.assertFigures(1, 1000.0, day1, day1, "first_purchase")
        self.assertEqual(self.val(self.customer).crm_avg_order_value, 1000.0)

        first.button_draft()
        self.assertEqual(len(self.queued()), 1)
        self.refresh_queue()
        # no posted invoice left: a prospect again, every figure cleared
        self.assertFigures(0, 0.0, False, False, "prospect")

        events = self.env["crm.lifecycle.event"].search(
            [("partner_id", "=", self.customer.id), ("kind", "=", "stage")], order="id"
        )
        self.assertEqual(
            [(e.old_stage or None, e.new_stage, e.origin, e.date) for e in events],
            [
                (None, "first_purchase", "order", self.today),
                ("first_purchase", "repeat", "order", self.today),
                ("repeat", "first_purchase", "order", self.today),
                ("first_purchase", "prospect", "order", self.today),
            ],
        )

    def test_refunds_and_cancellation(self):
        day = self.today - timedelta(days=30)
        invoice = self.make_move(self.customer, 1000, day)
        invoice.action_post()
        self.refresh_queue()
        refund = self.make_move(self.customer, 300, self.today - timedelta(days=2), "out_refund")
        refund.action_post()
        self.assertEqual(len(self.queued()), 1)
        self.refresh_queue()
        # a refund reduces the revenue and is no purchase: one order, last purchase unchanged
        self.assertFigures(1, 700.0, day, day, "first_purchase")

        refund.button_draft()
        self.assertEqual(len(self.queued()), 1)
        self.refresh_queue()
        self.assertFigures(1, 1000.0, day, day, "first_purchase")

        # a vendor bill of the same partner is no sale: nothing queued
        bill = self.make_move(self.customer, 250, self.today - timedelta(days=1), "in_invoice")
        bill.action_post()
        self.assertFalse(self.queued())

        # cancelling a posted invoice resets it to draft first: queued, figures gone
        invoice.button_cancel()
        self.assertEqual(invoice.state, "cancel")
        self.assertEqual(len(self.queued()), 1)
        self.refresh_queue()
        self.assertFigures(0, 0.0, False, False, "prospect")

    def test_value_source_setting(self):
        """Orders or invoices, as the company's setting says (set through the settings)."""
        order_day, invoice_day = self.today - timedelta(days=10), self.today - timedelta(days=4)
        # an order not invoiced, and an invoice without order
        self.make_order(self.customer, 1200, order_day)
        self.make_move(self.customer, 700, invoice_day).action_post()
        for source, count, revenue, day in (
            ("order", 1, 1200.0, order_day),
            ("invoice", 1, 700.0, invoice_day),
        ):
            settings = self.env["res.config.settings"].with_company(self.vc).create({})
            self.assertEqual(settings.company_id, self.vc)
            settings.crm_value_source = source
            settings.execute()
            self.assertEqual(self.vc.crm_value_source, source)
            self.run_engine(as_of=self.today)
            self.assertFigures(count, revenue, day, day, "first_purchase")
        self.assertEqual(self.env.company.crm_value_source, "order")
