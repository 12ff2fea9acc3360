from odoo.tests import tagged

from odoo.addons.crm_churn_warning.models.churn_data import (
    LEVEL_HIGH,
    LEVEL_MEDIUM,
    REASON_OVERDUE,
    REASON_SPEND_DROP,
    SIGNAL_OVERDUE,
    SIGNAL_SPEND_DROP,
    STATE_LOST,
    STATE_NEW,
    STATE_RETAINED,
)
from odoo.addons.crm_lifecycle_tiering.tests.common import CrmHttpCase

from .common import scoring_row

CUSTOMER = "Tour Drifting Industries"
LOST_CUSTOMER = "Tour Gone Trading"
FEEDBACK = "Called: they will order again with a 10% volume discount"


@tagged("post_install", "-at_install")
class TestChurnWarningTour(CrmHttpCase):
    def test_manager_retains_high_risk_customer(self):
        """A manager opens the churn warnings: only the open ones show, in the New and In
        Progress columns (a lost warning stays out of sight, its column folded once the Open
        filter is removed). The manager opens a VIP customer's high-risk warning, reads its
        reasons written from their codes with their figures, marks the retention call the
        playbook planned done with the call's feedback, and marks the customer retained."""
        company = self.env.ref("base.main_company")
        admin = self.env.ref("base.user_admin")
        vip = self.env.ref("crm_lifecycle_tiering.crm_customer_tier_vip")
        customer, lost_customer = self.env["res.partner"].create(
            [
                {"name": name, "is_company": True, "user_id": admin.id}
                for name in (CUSTOMER, LOST_CUSTOMER)
            ]
        )
        overdue = self.env.ref("crm_churn_warning.crm_churn_signal_overdue")
        spend_drop = self.env.ref("crm_churn_warning.crm_churn_signal_spend_drop")
        today = self.crm_today(company)
        reasons = [
            {
                "signal_id": overdue.id,
                "code": SIGNAL_OVERDUE,
                "value": 120.0,
                "details": [[REASON_OVERDUE, {"days": 120, "interval": 30.0}]],
                "weight": overdue.weight,
            },
            {
                "signal_id": spend_drop.id,
                "code": SIGNAL_SPEND_DROP,
                "value": 75.0,
                "details": [
                    [
                        REASON_SPEND_DROP,
                        {
                            "drop": 75.0,
                            "days": 90,
                            "recent": 1250.0,
                            "before": 5000.0,
                            "currency_id": company.currency_id.id,
                        },
                    ]
                ],
                "weight": spend_drop.weight,
            },
        ]

        def row(partner, level, score):
            return scoring_row(
                partner,
                level,
                score,
                reasons,
                p_alive=0.2,
                expected_purchases=0.1,
                predicted_clv=800.0,
                user_id=admin.id,
                tier_id=vip.id,
                stage="loyal",
                last_order_date=today,
            )

        Warning = self.env["crm.churn.warning"]
        Warning._sync_scores(company, today, [row(lost_customer, LEVEL_MEDIUM, 45.0)])
        lost = Warning.search([("partner_id", "=", lost_customer.id)])
        lost.action_lose()
        self.assertEqual(lost.state, STATE_LOST)
        Warning._sync_scores(company, today, [row(customer, LEVEL_HIGH, 75.0)])
        warning = Warning.search(
            [("partner_id", "=", customer.id), ("company_id", "=", company.id)]
        )
        self.assertEqual(warning.state, STATE_NEW)
        retention_call = self.env.ref("crm_churn_warning.mail_activity_type_retention_call")
        self.assertEqual(warning.activity_ids.activity_type_id, retention_call)
        self.assertFalse(warning.activity_ids.summary)

        self.start_tour("/odoo", "crm_churn_warning_tour", login="admin")

        self.assertEqual(warning.state, STATE_RETAINED)
        self.assertEqual(warning.outcome_date, today)
        self.assertFalse(warning.activity_ids)
        done = warning.message_ids.filtered(lambda m: FEEDBACK in (m.body or ""))
        self.assertEqual(len(done), 1)
        self.assertEqual(done.mail_activity_type_id, retention_call)
