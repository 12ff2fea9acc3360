from odoo.tests import tagged

from odoo.addons.crm_churn_warning.models.churn_data import (
    LEVEL_HIGH,
    SIGNAL_OVERDUE,
    STATE_NEW,
    STATE_RETAINED,
)
from odoo.addons.crm_lifecycle_tiering.tests.common import CrmHttpCase

CUSTOMER = "Tour Drifting Industries"
FEEDBACK = "Called: they will order again with a 10% volume discount"


@tagged("post_install", "-at_install")
class TestChurnWarningTour(CrmHttpCase):
    def test_manager_retains_high_risk_customer(self):
        """A manager opens a VIP customer's high-risk warning, marks the call the playbook
        planned done with the call's feedback, and marks the customer retained."""
        company = self.env.ref("base.main_company")
        admin = self.env.ref("base.user_admin")
        vip = self.env.ref("crm_lifecycle_tiering.crm_customer_tier_vip")
        customer = self.env["res.partner"].create(
            {"name": CUSTOMER, "is_company": True, "user_id": admin.id}
        )
        overdue = self.env.ref("crm_churn_warning.crm_churn_signal_overdue")
        today = self.crm_today(company)
        reason = {
            "signal_id": overdue.id,
            "code": SIGNAL_OVERDUE,
            "value": 120.0,
            "text": "No order for 120 days; usual interval 30 days",
            "weight": overdue.weight,
        }
        self.env["crm.churn.warning"]._sync_scores(
            company,
            today,
            [
                {
                    "partner_id": customer.id,
                    "score": 75.0,
                    "level": LEVEL_HIGH,
                    "reasons": [reason],
                    "reason_text": reason["text"],
                    "p_alive": 0.2,
                    "expected_purchases": 0.1,
                    "predicted_clv": 800.0,
                    "user_id": admin.id,
                    "tier_id": vip.id,
                    "stage": "loyal",
                    "last_order_date": today,
                }
            ],
        )
        warning = self.env["crm.churn.warning"].search(
            [("partner_id", "=", customer.id), ("company_id", "=", company.id)]
        )
        self.assertEqual(warning.state, STATE_NEW)
        self.assertEqual(
            warning.activity_ids.activity_type_id, self.env.ref("mail.mail_activity_data_call")
        )

        self.start_tour("/odoo", "crm_churn_warning_tour", login="admin")

        self.assertEqual(warning.state, STATE_RETAINED)
        self.assertEqual(warning.outcome_date, today)
        self.assertFalse(warning.activity_ids)
        done = warning.message_ids.filtered(lambda m: FEEDBACK in (m.body or ""))
        self.assertEqual(len(done), 1)
        self.assertEqual(done.mail_activity_type_id, self.env.ref("mail.mail_activity_data_call"))
