"""A customer's journey across the three addons, through their real entry points: orders
confirmed in Sales give the customer values and a lifecycle stage (crm_lifecycle_tiering), an
urgent complaint and a detractor's answer are recorded (crm_satisfaction), the nightly churn
scoring warns the salesperson with the reasons and a retention activity (crm_churn_warning),
and the customer's next order closes the warning as retained with the revenue it brought."""

from datetime import datetime, time, timedelta
from unittest.mock import patch

from odoo.tests import new_test_user, tagged

from odoo.addons.crm_churn_warning.models.churn_data import (
    LEVEL_HIGH,
    SIGNAL_COMPLAINTS,
    SIGNAL_LOW_SATISFACTION,
    SIGNAL_OVERDUE,
    STATE_NEW,
    STATE_RETAINED,
)
from odoo.addons.crm_lifecycle_tiering.models.lifecycle_data import STAGE_REPEAT
from odoo.addons.crm_lifecycle_tiering.tests.common import CrmCase, make_sale_order
from odoo.addons.crm_satisfaction.models.complaint_data import PRIORITY_URGENT

ORDER_DAYS_AGO = (300, 270, 240, 210, 180, 150)


@tagged("post_install", "-at_install")
class TestCustomerJourney(CrmCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env["res.company"].create(
            {"name": "Journey Co", "currency_id": cls.env.ref("base.USD").id}
        )
        cls.env.user.company_ids |= cls.company
        cls.env = cls.env(context=dict(cls.env.context, allowed_company_ids=cls.company.ids))
        cls.salesperson = new_test_user(
            cls.env,
            login="journey_sales",
            name="Julia Sales",
            groups="sales_team.group_sale_salesman",
            company_id=cls.company.id,
            company_ids=[(6, 0, cls.company.ids)],
        )
        cls.customer = cls.env["res.partner"].create(
            {
                "name": "Journey Trading",
                "is_company": True,
                "email": "buyer@journey.example.com",
                "user_id": cls.salesperson.id,
            }
        )
        cls.product = cls.env["product.product"].create(
            {"name": "Journey Machine", "type": "consu", "list_price": 2000.0}
        )
        cls.today = cls.crm_today(cls.company)

    def _order(self, day=None, quantity=1):
        """A confirmed order placed now, or dated back to `day`."""
        return make_sale_order(
            self.env,
            self.customer,
            self.company,
            [{"product_id": self.product.id, "product_uom_qty": quantity}],
            moment=day and datetime.combine(day, time(10, 0)),
            user_id=self.salesperson.id,
        )

    def _nightly(self):
        """The nightly jobs of the two engines, their batches committed by a stand-in."""
        cron = type(self.env["ir.cron"])
        with patch.object(cron, "_commit_progress", lambda *args, **kwargs: 1000.0):
            self.env["crm.value.engine"]._cron_refresh_queue()
            self.env["crm.value.engine"]._recompute_company(self.company)
            self.env["crm.churn.engine"]._cron_score()
        self.env.invalidate_all()

    def test_warned_then_retained(self):
        for days in ORDER_DAYS_AGO:
            self._order(self.today - timedelta(days=days), quantity=2)
        complaint = (
            self.env["crm.complaint"]
            .with_company(self.company)
            .create(
                {
                    "name": "Machine stopped twice this month",
                    "partner_id": self.customer.id,
                    "company_id": self.company.id,
                    "priority": PRIORITY_URGENT,
                }
            )
        )
        self.assertFalse(complaint.is_closed)
        Response = self.env["crm.satisfaction.response"]
        Response.create(
            {
                "partner_id": self.customer.id,
                "company_id": self.company.id,
                "date": self.today - timedelta(days=10),
                "comment": "Too many breakdowns",
                **Response._prepare_score_values({"nps": 3}),
            }
        )

        self._nightly()

        customer = self.customer.with_company(self.company)
        self.assertEqual(customer.crm_order_count, 6)
        self.assertEqual(customer.crm_revenue_total, 24000.0)
        self.assertEqual(customer.crm_lifecycle_stage, STAGE_REPEAT)
        self.assertEqual(customer.crm_churn_level, LEVEL_HIGH)
        self.assertGreaterEqual(customer.crm_churn_score, self.company.crm_churn_level_high)
        self.assertIn("No order for 150 days; usual interval 30 days", customer.crm_churn_reasons)

        warning = self.env["crm.churn.warning"].search(
            [("partner_id", "=", self.customer.id), ("company_id", "=", self.company.id)]
        )
        self.assertEqual(len(warning), 1)
        self.assertEqual(warning.state, STATE_NEW)
        self.assertEqual(warning.level, LEVEL_HIGH)
        self.assertEqual(warning.user_id, self.salesperson)
        codes = set(warning.line_ids.mapped("code"))
        self.assertTrue({SIGNAL_OVERDUE, SIGNAL_COMPLAINTS, SIGNAL_LOW_SATISFACTION} <= codes)
        activity = warning.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.salesperson)
        self.assertLessEqual(activity.date_deadline, self.today + timedelta(days=7))

        # a second night on the same day: nothing new
        messages = len(warning.message_ids)
        self._nightly()
        self.assertEqual(
            self.env["crm.churn.warning"].search_count([("partner_id", "=", self.customer.id)]),
            1,
        )
        self.assertEqual(len(warning.activity_ids), 1)
        self.assertEqual(len(warning.message_ids), messages)

        # the salesperson's call worked: the customer orders three machines
        order = self._order(quantity=3)
        self.assertEqual(order.amount_untaxed, 6000.0)
        self._nightly()

        self.assertEqual(warning.state, STATE_RETAINED)
        self.assertEqual(warning.revenue_after, 6000.0)
        self.assertEqual(warning.orders_after, 1)
        self.assertFalse(warning.activity_ids)
        self.assertEqual(customer.crm_order_count, 7)
        self.assertNotEqual(customer.crm_churn_level, LEVEL_HIGH)
