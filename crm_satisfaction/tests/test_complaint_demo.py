from odoo.addons.crm_lifecycle_tiering.tests.common import CrmCase


class TestComplaintDemo(CrmCase):
    """The demo data (always installed in the test database) shows every stage and SLA state."""

    def test_demo_complaints_cover_every_stage_and_sla_state(self):
        company = self.env.ref("base.main_company")
        complaints = self.env["crm.complaint"].search([("company_id", "=", company.id)])
        self.assertGreaterEqual(len(complaints), 14)
        self.assertEqual(
            set(complaints.mapped("sla_status")), {"on_track", "at_risk", "breached", "met"}
        )
        stages = set(complaints.stage_id.ids)
        for key in ("new", "acknowledged", "investigating", "resolved", "closed", "rejected"):
            self.assertIn(self.env.ref(f"crm_satisfaction.crm_complaint_stage_{key}").id, stages)
        self.assertTrue(complaints.filtered("sla_paused_since"))
        self.assertTrue(complaints.filtered(lambda c: c.tier_id.code == "vip"))
