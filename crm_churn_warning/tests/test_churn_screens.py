"""The churn lists as an administrator sees them at 1440x900 (a laptop): the churn warnings, a
warning's reasons, the signals, the playbooks and the backtests read with every column header
in full and without scrolling sideways (crm_churn_lists_tour.js)."""

from datetime import timedelta

from odoo.tests import tagged

from odoo.addons.crm_churn_warning.models.churn_data import LEVEL_HIGH, LEVEL_MEDIUM
from odoo.addons.crm_lifecycle_tiering.tests.common import AdminScreenCase

from . import test_churn_warning


@tagged("post_install", "-at_install")
class TestChurnScreens(AdminScreenCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.today = cls.crm_today(cls.company)
        # the signals the scoring rows of WarningCase.make_row name
        cls.signal_overdue = cls.env.ref("crm_churn_warning.crm_churn_signal_overdue")
        cls.signal_complaints = cls.env.ref("crm_churn_warning.crm_churn_signal_complaints")
        vip = cls.env.ref("crm_lifecycle_tiering.crm_customer_tier_vip")
        rows = []
        for name, level, score in (
            ("Screen Tour Lapsing Manufacturing International", LEVEL_HIGH, 78.5),
            ("Screen Tour Quiet Trading", LEVEL_MEDIUM, 46.0),
        ):
            customer = cls.env["res.partner"].create(
                {"name": name, "is_company": True, "user_id": cls.admin.id}
            )
            rows.append(
                test_churn_warning.WarningCase.make_row(
                    cls, customer, level, score, tier=vip, stage="loyal", user=cls.admin, days=145
                )
            )
        Warning = cls.env["crm.churn.warning"]
        Warning._sync_scores(cls.company, cls.today, rows)
        cls.warning = Warning.search([("partner_id", "=", rows[0]["partner_id"])])
        # a backtest as its run stores it, with its signals' summary
        cls.env["crm.churn.backtest"].create(
            {
                "company_id": cls.company.id,
                "as_of": cls.today - timedelta(days=91),
                "horizon_days": 90,
                "min_level": LEVEL_MEDIUM,
                "customer_count": 420,
                "precision": 0.62,
                "recall": 0.71,
                "f1_score": 0.66,
                "lift_top_decile": 3.4,
                "signal_summary": "Overdue order 3, Spend drop 2, Frequency drop 2, "
                "Complaints 2, Low satisfaction 2, No engagement 1",
            }
        )

    def test_lists_read_in_full(self):
        # the company's learned churn risk (the demo history is too short: a notice, blanks)
        self.env["crm.churn.risk.model"]._train_company(self.env.company)
        for action in (
            "crm_churn_warning.crm_churn_warning_action",
            "crm_churn_warning.crm_churn_warning_action_analysis",
            "crm_churn_warning.crm_churn_signal_action",
            "crm_churn_warning.crm_churn_playbook_action",
            "crm_churn_warning.crm_churn_backtest_action",
            "crm_churn_warning.crm_churn_risk_model_action",
            "crm_churn_warning.crm_churn_model_action",
        ):
            with self.subTest(action=action):
                self.start_tour(
                    f"/odoo/action-{action}?view_type=list",
                    "crm_churn_list_readable_tour",
                    login="admin",
                )

    def test_warning_reasons_read_in_full(self):
        self.start_tour(
            f"/odoo/action-crm_churn_warning.crm_churn_warning_action/{self.warning.id}",
            "crm_churn_reason_lines_readable_tour",
            login="admin",
        )
