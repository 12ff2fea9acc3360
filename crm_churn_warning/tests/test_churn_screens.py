"""The churn lists as an administrator sees them at 1440x900 (a laptop): the churn warnings, a
warning's reasons, the signals, the playbooks and the backtests read with every column header
in full and without scrolling sideways (crm_churn_lists_tour.js)."""

from datetime import timedelta

from odoo.tests import tagged

from odoo.addons.crm_churn_warning.models.churn_data import (
    LEVEL_HIGH,
    LEVEL_MEDIUM,
    REASON_COMPLAINTS_RECENT,
    REASON_OVERDUE,
    SIGNAL_COMPLAINTS,
    SIGNAL_OVERDUE,
)
from odoo.addons.crm_lifecycle_tiering.tests.common import CrmHttpCase


@tagged("post_install", "-at_install")
class TestChurnScreens(CrmHttpCase):
    browser_size = "1440x900"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin = cls.env.ref("base.user_admin")
        cls.company = cls.admin.company_id
        cls.today = cls.crm_today(cls.company)
        overdue = cls.env.ref("crm_churn_warning.crm_churn_signal_overdue")
        complaints = cls.env.ref("crm_churn_warning.crm_churn_signal_complaints")
        vip = cls.env.ref("crm_lifecycle_tiering.crm_customer_tier_vip")
        rows = []
        for name, level, score in (
            ("Screen Tour Lapsing Manufacturing International", LEVEL_HIGH, 78.5),
            ("Screen Tour Quiet Trading", LEVEL_MEDIUM, 46.0),
        ):
            customer = cls.env["res.partner"].create(
                {"name": name, "is_company": True, "user_id": cls.admin.id}
            )
            reasons = [
                {
                    "signal_id": overdue.id,
                    "code": SIGNAL_OVERDUE,
                    "value": 145.0,
                    "details": [[REASON_OVERDUE, {"days": 145, "interval": 32.5}]],
                    "weight": overdue.weight,
                },
                {
                    "signal_id": complaints.id,
                    "code": SIGNAL_COMPLAINTS,
                    "value": 3.0,
                    "details": [[REASON_COMPLAINTS_RECENT, {"count": 3, "days": 90}]],
                    "weight": complaints.weight,
                },
            ]
            rows.append(
                {
                    "partner_id": customer.id,
                    "score": score,
                    "level": level,
                    "reasons": reasons,
                    "reason_data": [[r["code"], r["details"]] for r in reasons],
                    "p_alive": None,
                    "expected_purchases": None,
                    "predicted_clv": None,
                    "user_id": cls.admin.id,
                    "tier_id": vip.id,
                    "stage": "loyal",
                    "last_order_date": cls.today - timedelta(days=145),
                }
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
        for action in (
            "crm_churn_warning.crm_churn_warning_action",
            "crm_churn_warning.crm_churn_warning_action_analysis",
            "crm_churn_warning.crm_churn_signal_action",
            "crm_churn_warning.crm_churn_playbook_action",
            "crm_churn_warning.crm_churn_backtest_action",
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
