from odoo.tests import tagged

from odoo.addons.crm_lifecycle_tiering.tests.common import CrmHttpCase

# Must match the texts of static/tests/tours/crm_complaint_agent_tour.js
SUBJECT = "Agent tour: dented kettle"
ROOT_CAUSE = "Parcel crushed by the carrier"
RESOLUTION = "Replacement kettle shipped by express courier"


@tagged("post_install", "-at_install")
class TestComplaintAgentTour(CrmHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin = cls.env.ref("base.user_admin")
        cls.company = cls.env.ref("base.main_company")
        cls.customer = cls.env["res.partner"].create(
            {"name": "Kettle Buyer", "email": "kettle.buyer@example.com"}
        )
        cls.complaint = (
            cls.env["crm.complaint"]
            .with_company(cls.company)
            .create(
                {
                    "name": SUBJECT,
                    "partner_id": cls.customer.id,
                    "company_id": cls.company.id,
                    "user_id": cls.admin.id,
                }
            )
        )

    def test_agent_closes_complaint(self):
        self.assertTrue(self.admin.has_group("crm_satisfaction.crm_satisfaction_group_manager"))
        self.assertEqual(
            self.complaint.stage_id, self.env.ref("crm_satisfaction.crm_complaint_stage_new")
        )

        self.start_tour("/odoo", "crm_complaint_agent_tour", login="admin")

        self.env.invalidate_all()
        complaint = self.complaint
        self.assertEqual(
            complaint.stage_id, self.env.ref("crm_satisfaction.crm_complaint_stage_closed")
        )
        self.assertTrue(complaint.is_closed)
        self.assertTrue(complaint.acknowledged_date)
        self.assertTrue(complaint.resolved_date)
        self.assertTrue(complaint.closed_date)
        self.assertLessEqual(complaint.acknowledged_date, complaint.resolved_date)
        self.assertLessEqual(complaint.resolved_date, complaint.closed_date)
        self.assertEqual(complaint.root_cause, ROOT_CAUSE)
        self.assertIn(RESOLUTION, complaint.resolution)
        closed_messages = complaint.message_ids.filtered(
            lambda m: m.subject and "is closed" in m.subject
        )
        self.assertEqual(len(closed_messages), 1)
        self.assertIn(self.customer, closed_messages.partner_ids)
        self.assertIn(complaint.reference, closed_messages.subject)
