"""Trust in retention figures: a warning's state, outcome and revenue since are written by the
engine and the warning's buttons only (a salesperson's RPC write is refused, the buttons still
work with the salesperson's rights); a customer's churn values by the scoring only; the export
and the backtest act in the user's companies only; portal customers and unrelated employees read
no churn value."""

from datetime import timedelta

from odoo.exceptions import AccessError
from odoo.tests import tagged

from odoo.addons.crm_churn_warning.models.churn_data import (
    LEVEL_HIGH,
    STATE_DISMISSED,
    STATE_IN_PROGRESS,
    STATE_LOST,
    STATE_NEW,
    STATE_RETAINED,
)
from odoo.addons.crm_lifecycle_tiering.tests.common import make_company_user

from .common import ChurnCase, set_churn_values

REFUSED = "^You cannot set %s of %s by hand: the application computes these values"
CHURN_FIELDS = {
    "crm_churn_score",
    "crm_churn_level",
    "crm_churn_reasons",
    "crm_churn_reason_data",
    "crm_churn_scored_date",
    "crm_churn_warning_count",
    "crm_churn_badge",
    "crm_p_alive",
    "crm_expected_purchases",
    "crm_predicted_clv",
}


@tagged("post_install", "-at_install")
class TestChurnEngineFields(ChurnCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_company = cls.env["res.company"].create({"name": "Churn Access Other Co"})
        cls.today = cls.crm_today(cls.company)
        cls.customer = cls.make_customer("Leaving Soon", user_id=cls.churn_user.id)
        cls.employee = make_company_user(
            cls.env,
            "churn_access_employee",
            "base.group_user",
            cls.company,
        )
        cls.portal = make_company_user(
            cls.env,
            "churn_access_portal",
            "base.group_portal",
            cls.company,
        )
        cls.portal.partner_id.parent_id = cls.customer

    def raise_warning(self):
        """A warning raised ten days ago, as the engine raises them."""
        return self.env["crm.churn.warning"].create(
            {
                "partner_id": self.customer.id,
                "company_id": self.company.id,
                "level": LEVEL_HIGH,
                "score": 70.0,
                "date": self.today - timedelta(days=10),
            }
        )

    # ------------------------------------------------------------------ 1. engine-owned values
    def test_salesperson_cannot_falsify_retention(self):
        warning = self.raise_warning()
        as_sales = warning.with_user(self.churn_user)
        for fname, value in (
            ("state", STATE_RETAINED),
            ("revenue_after", 1e6),
            ("outcome_date", self.today),
            ("orders_after", 3),
            ("level", "low"),
            ("score", 5.0),
        ):
            label = warning._fields[fname].string
            with (
                self.subTest(fname=fname),
                self.assertRaisesRegex(AccessError, REFUSED % (f"“{label}”", "Churn Warning")),
            ):
                as_sales.write({fname: value})
        with self.assertRaisesRegex(AccessError, REFUSED % ("“Status”", "Churn Warning")):
            as_sales.with_context(crm_engine_write=True).write({"state": STATE_RETAINED})
        # a manager raises a warning by hand, but not one already won
        Warning = self.env["crm.churn.warning"].with_user(self.churn_manager)
        with self.assertRaisesRegex(
            AccessError, REFUSED % ("“Revenue Since”, “Status”", "Churn Warning")
        ):
            Warning.create(
                {
                    "partner_id": self.make_customer("Won Already").id,
                    "level": LEVEL_HIGH,
                    "state": STATE_RETAINED,
                    "revenue_after": 5000.0,
                }
            )
        by_hand = Warning.create(
            {"partner_id": self.make_customer("By Hand").id, "level": LEVEL_HIGH, "score": 65.0}
        )
        self.assertEqual((by_hand.state, by_hand.max_level), (STATE_NEW, LEVEL_HIGH))
        self.assertRecordValues(
            warning, [{"state": STATE_NEW, "revenue_after": 0.0, "outcome_date": False}]
        )
        # what the salesperson owns stays theirs
        as_sales.write({"outcome_note": "Called twice"})

    def test_buttons_still_work_with_the_salespersons_rights(self):
        warning = self.raise_warning()
        as_sales = warning.with_user(self.churn_user)
        as_sales.action_start()
        self.assertEqual(warning.state, STATE_IN_PROGRESS)
        self.make_orders(self.customer, [self.today - timedelta(days=5)], amount=250.0)
        as_sales.action_retain()
        self.assertRecordValues(
            warning,
            [
                {
                    "state": STATE_RETAINED,
                    "outcome_date": self.today,
                    "orders_after": 1,
                    "revenue_after": 250.0,
                }
            ],
        )
        as_sales.action_reopen()
        self.assertRecordValues(warning, [{"state": STATE_NEW, "revenue_after": 0.0}])
        as_sales.action_lose()
        self.assertRecordValues(warning, [{"state": STATE_LOST, "outcome_date": self.today}])
        as_sales.action_reopen()
        as_sales.action_dismiss()
        self.assertEqual(warning.state, STATE_DISMISSED)
        # another salesperson's warning stays out of reach
        other = make_company_user(
            self.env,
            "churn_access_other_sales",
            "sales_team.group_sale_salesman",
            self.company,
        )
        with self.assertRaisesRegex(AccessError, "Churn Warning"):
            warning.with_user(other).action_reopen()

    def test_churn_values_are_the_scoring_s(self):
        as_sales = self.customer.with_user(self.churn_user).with_company(self.company)
        with self.assertRaisesRegex(
            AccessError, REFUSED % ("“Churn Risk”, “Churn Score”", "Contact")
        ):
            as_sales.write({"crm_churn_score": 0.0, "crm_churn_level": "none"})

    # ------------------------------------------------------------------ 2. the wizards' company
    def test_export_and_backtest_in_the_users_companies_only(self):
        set_churn_values(self.customer, self.company, level=LEVEL_HIGH, score=70.0)
        Export = self.env["crm.churn.export.wizard"].with_user(self.churn_user)
        wizard = Export.create({"company_id": self.other_company.id, "min_level": LEVEL_HIGH})
        with self.assertRaisesRegex(
            AccessError,
            "^You cannot act on Churn Access Other Co: it is not one of your companies.$",
        ):
            wizard.action_export()
        self.assertFalse(wizard.file_data)
        wizard = Export.create({"min_level": LEVEL_HIGH})
        wizard.action_export()
        self.assertTrue(wizard.file_data)
        backtest = (
            self.env["crm.churn.backtest.wizard"]
            .with_user(self.churn_manager)
            .create(
                {
                    "company_id": self.other_company.id,
                    "horizon_days": 90,
                    "min_level": LEVEL_HIGH,
                    "as_of": self.today - timedelta(days=91),
                }
            )
        )
        with self.assertRaisesRegex(
            AccessError, "^You cannot run a backtest of Churn Access Other Co, a company you"
        ):
            backtest.action_run()

    # ------------------------------------------------------------------ 3. who reads them
    def test_who_reads_the_churn_values(self):
        def crm_fields(user):
            return {
                f for f in self.env["res.partner"].with_user(user).fields_get() if f[:4] == "crm_"
            }

        self.assertEqual(crm_fields(self.portal), set())
        self.assertEqual(crm_fields(self.employee), set())
        self.assertLessEqual(CHURN_FIELDS, crm_fields(self.churn_user))
        with self.assertRaisesRegex(AccessError, 'access the field "crm_churn_score"'):
            self.portal.partner_id.with_user(self.portal).read(["crm_churn_score"])
