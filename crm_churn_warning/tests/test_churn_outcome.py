from datetime import datetime, time, timedelta

from odoo.addons.crm_churn_warning.models.churn_data import (
    KIND_RISK,
    KIND_WIN_BACK,
    LEVEL_HIGH,
    LEVEL_MEDIUM,
    STATE_IN_PROGRESS,
    STATE_LOST,
    STATE_NEW,
    STATE_RETAINED,
)
from odoo.addons.crm_lifecycle_tiering.tests.common import make_sale_order

from .common import logged_events
from .test_churn_warning import WarningCase


class TestChurnOutcome(WarningCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.product = cls.env["product.product"].create(
            {"name": "Warning Consulting", "type": "service", "list_price": 100, "taxes_id": False}
        )
        # the day the warnings of these tests were raised, well before their creation
        cls.raised = cls.today - timedelta(days=60)

    def make_order(self, partner, amount, day, company=None, confirm=True):
        return make_sale_order(
            self.env,
            partner,
            company or self.company,
            [{"product_id": self.product.id, "price_unit": amount, "tax_ids": False}],
            confirm=confirm,
            moment=datetime.combine(day, time(10, 0)),
        )

    def raise_warning(self, partner, level=LEVEL_HIGH, stage="repeat", as_of=None, tier=None):
        self.sync(
            [self.make_row(partner, level, 70.0, tier=tier, stage=stage)],
            as_of=as_of or self.raised,
        )
        return self.warnings_of(partner).filtered(lambda w: w.state in (STATE_NEW,))

    def close(self, as_of):
        return self.Warning._close_outcomes(self.company, as_of)

    def test_retained_with_revenue_since(self):
        customer = self.make_customer("Comeback", user=self.salesperson)
        contact = self.env["res.partner"].create({"name": "Buyer", "parent_id": customer.id})
        warning = self.raise_warning(customer, tier=self.tier_vip)
        self.assertTrue(self.activities_of(warning))
        day = self.raised
        self.make_order(customer, 500.0, day - timedelta(days=5))  # before the warning
        self.make_order(customer, 80.0, day)  # the day it was raised, seen by that scoring
        self.make_order(customer, 250.0, day + timedelta(days=3))
        self.make_order(customer, 100.5, day + timedelta(days=10))
        self.make_order(contact, 9.5, day + timedelta(days=12))
        self.make_order(customer, 40.0, day + timedelta(days=25))  # after the first run
        self.make_order(customer, 999.0, day + timedelta(days=5), confirm=False)
        self.make_order(customer, 777.0, day + timedelta(days=4), company=self.other_company)

        # nothing to close before the first order after the warning
        self.assertEqual(self.close(day + timedelta(days=2)), {"retained": 0, "lost": 0})
        self.assertEqual(warning.state, STATE_NEW)

        result = self.close(day + timedelta(days=20))
        self.assertEqual(result, {"retained": 1, "lost": 0})
        self.assertRecordValues(
            warning,
            [
                {
                    "state": STATE_RETAINED,
                    "outcome_date": day + timedelta(days=3),
                    "orders_after": 3,
                    "revenue_after": 360.0,
                    "revenue_saved": 360.0,
                    "days_to_outcome": 3,
                    "retention_rate": 100.0,
                }
            ],
        )
        self.assertFalse(self.activities_of(warning))
        self.assertEqual(
            logged_events(warning, "crm_churn_warning.mt_crm_churn_warning_retained"),
            [
                {
                    "state": ("New", "Retained"),
                    "outcome_date": (False, str(day + timedelta(days=3))),
                    "orders_after": (0, 3),
                    "revenue_after": (0.0, 360.0),
                }
            ],
        )
        # the revenue since keeps growing while the year after the warning lasts
        messages = warning.message_ids
        self.assertEqual(self.close(day + timedelta(days=30)), {"retained": 0, "lost": 0})
        self.assertEqual((warning.orders_after, warning.revenue_after), (4, 400.0))
        self.assertEqual(warning.outcome_date, day + timedelta(days=3))
        self.assertEqual(warning.message_ids, messages)

    def test_close_twice_changes_nothing(self):
        customer = self.make_customer("Twice Closed", user=self.salesperson)
        warning = self.raise_warning(customer)
        self.make_order(customer, 120.0, self.raised + timedelta(days=1))
        as_of = self.raised + timedelta(days=5)
        self.assertEqual(self.close(as_of), {"retained": 1, "lost": 0})
        messages = warning.message_ids
        write_date = warning.write_date
        self.assertEqual(self.close(as_of), {"retained": 0, "lost": 0})
        self.assertEqual(warning.message_ids, messages)
        self.assertEqual(warning.write_date, write_date)
        self.assertEqual(warning.revenue_after, 120.0)

    def test_lost_when_stage_turns_churned(self):
        leaving = self.make_customer("Leaving", user=self.salesperson)
        staying = self.make_customer("Staying", user=self.salesperson)
        churned_win_back = self.make_customer("Already Churned", user=self.salesperson)
        risk = self.raise_warning(leaving)
        other = self.raise_warning(staying)
        win_back = self.raise_warning(churned_win_back, stage="churned")
        self.assertEqual((risk.kind, win_back.kind), (KIND_RISK, KIND_WIN_BACK))
        for partner in (leaving, churned_win_back):
            partner.with_company(self.company).crm_lifecycle_stage = "churned"
        # churned in another company only: no effect here
        staying.with_company(self.other_company).crm_lifecycle_stage = "churned"

        as_of = self.raised + timedelta(days=10)
        self.assertEqual(self.close(as_of), {"retained": 0, "lost": 1})
        self.assertRecordValues(
            risk,
            [
                {
                    "state": STATE_LOST,
                    "outcome_date": as_of,
                    "days_to_outcome": 10,
                    "retention_rate": 0.0,
                }
            ],
        )
        self.assertFalse(self.activities_of(risk))
        self.assertEqual(
            logged_events(risk, "crm_churn_warning.mt_crm_churn_warning_churned"),
            [{"state": ("New", "Lost"), "outcome_date": (False, str(as_of))}],
        )
        self.assertEqual(other.state, STATE_NEW)
        self.assertEqual(win_back.state, STATE_NEW)

    def test_win_back_lost_after_horizon(self):
        self.assertEqual(self.company.crm_churn_win_back_days, 180)
        as_of = self.today
        expired = self.make_customer("Gone for good", user=self.salesperson)
        recent = self.make_customer("Maybe back", user=self.salesperson)
        returned = self.make_customer("Came back", user=self.salesperson)
        old = self.raise_warning(expired, stage="churned", as_of=as_of - timedelta(days=180))
        young = self.raise_warning(recent, stage="churned", as_of=as_of - timedelta(days=179))
        back = self.raise_warning(returned, stage="churned", as_of=as_of - timedelta(days=200))
        self.make_order(returned, 300.0, as_of - timedelta(days=20))

        self.assertEqual(self.close(as_of), {"retained": 1, "lost": 1})
        self.assertEqual((old.state, old.outcome_date), (STATE_LOST, as_of))
        self.assertEqual(young.state, STATE_NEW)
        self.assertRecordValues(
            back, [{"state": STATE_RETAINED, "revenue_after": 300.0, "orders_after": 1}]
        )
        self.assertEqual(
            logged_events(old, "crm_churn_warning.mt_crm_churn_warning_win_back_expired"),
            [
                {
                    "state": ("New", "Lost"),
                    "outcome_date": (False, str(as_of)),
                    "days_to_outcome": (0, 180),
                }
            ],
        )

    def test_manual_outcomes(self):
        customer = self.make_customer("Called back", user=self.salesperson)
        warning = self.raise_warning(customer)
        self.make_order(customer, 250.0, self.raised + timedelta(days=3))
        warning.with_user(self.salesperson).action_start()
        self.assertEqual(warning.state, STATE_IN_PROGRESS)
        warning.outcome_note = "Agreed on a new price list"
        warning.with_user(self.salesperson).action_retain()
        self.assertRecordValues(
            warning,
            [
                {
                    "state": STATE_RETAINED,
                    "outcome_date": self.today,
                    "revenue_after": 250.0,
                    "orders_after": 1,
                    "days_to_outcome": 60,
                    "outcome_note": "Agreed on a new price list",
                }
            ],
        )

    def test_retention_rate_and_revenue_saved(self):
        rows = [
            ("Rate A", LEVEL_HIGH, "retain", 100.0),
            ("Rate B", LEVEL_HIGH, "retain", 50.0),
            ("Rate C", LEVEL_HIGH, "lose", 0.0),
            ("Rate D", LEVEL_MEDIUM, "retain", 30.0),
            ("Rate E", LEVEL_MEDIUM, "open", 0.0),
            ("Rate F", LEVEL_MEDIUM, "dismiss", 0.0),
        ]
        for name, level, outcome, revenue in rows:
            warning = self.raise_warning(self.make_customer(name, user=self.salesperson), level)
            if outcome == "retain":
                warning.action_retain()
                warning.revenue_after = revenue
            elif outcome == "lose":
                warning.action_lose()
            elif outcome == "dismiss":
                warning.action_dismiss()
        domain = [("company_id", "=", self.company.id)]
        [(rate, saved, count)] = self.Warning._read_group(
            domain, [], ["retention_rate:avg", "revenue_saved:sum", "__count"]
        )
        self.assertEqual((round(rate, 2), saved, count), (75.0, 180.0, 6))
        by_level = {
            level: (round(rate, 2), saved)
            for level, rate, saved in self.Warning._read_group(
                domain, ["level"], ["retention_rate:avg", "revenue_saved:sum"]
            )
        }
        self.assertEqual(by_level, {LEVEL_HIGH: (66.67, 150.0), LEVEL_MEDIUM: (100.0, 30.0)})
        # the pivot and graph views read it the same way
        groups = self.Warning.formatted_read_group(
            domain, ["user_id"], ["retention_rate:avg", "revenue_saved:sum"]
        )
        self.assertEqual(round(groups[0]["retention_rate:avg"], 2), 75.0)
