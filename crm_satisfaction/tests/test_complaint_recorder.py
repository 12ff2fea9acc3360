"""A Customer Care user who is in no complaint team records a complaint: it is routed to the team
and its least-loaded member, and stays visible to the user who recorded it; the complaints of the
team that user did not record stay out of their sight."""

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from odoo.addons.crm_lifecycle_tiering.tests.common import CrmHttpCase

# Must match the texts of static/tests/tours/crm_complaint_recorder_tour.js
SUBJECT = "Recorder tour: cracked lid"
CUSTOMER = "Cracked Lid Ltd"


@tagged("post_install", "-at_install")
class TestComplaintRecorder(CrmHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.ref("base.main_company")
        groups = "base.group_user,crm_satisfaction.crm_satisfaction_group_user"
        cls.recorder = new_test_user(
            cls.env, login="care_recorder", password="care_recorder", groups=groups
        )
        cls.handler = new_test_user(cls.env, login="care_handler", groups=groups)
        cls.outsider = new_test_user(cls.env, login="care_outsider", groups=groups)
        # the company's first team: new complaints go to it
        cls.team = cls.env["crm.complaint.team"].create(
            {
                "name": "Recorder routing",
                "sequence": 0,
                "company_id": cls.company.id,
                "member_ids": [(6, 0, cls.handler.ids)],
            }
        )
        cls.customer = cls.env["res.partner"].create(
            {"name": CUSTOMER, "is_company": True, "email": "lid@example.com"}
        )
        cls.Complaint = cls.env["crm.complaint"].with_company(cls.company)
        cls.team_complaint = cls.Complaint.with_user(cls.handler).create(
            {"name": "Handled by the team", "partner_id": cls.customer.id}
        )

    def visible_to(self, user, complaints):
        return self.Complaint.with_user(user).search([("id", "in", complaints.ids)])

    def assertRoutedAndVisible(self, complaint):
        """Routed to the team's member, seen by its recorder, the member, not by an outsider;
        the team's other complaints stay hidden from the recorder."""
        self.assertRecordValues(
            complaint,
            [
                {
                    "team_id": self.team.id,
                    "user_id": self.handler.id,
                    "create_uid": self.recorder.id,
                    "partner_id": self.customer.id,
                }
            ],
        )
        both = complaint | self.team_complaint
        self.assertEqual(self.visible_to(self.recorder, both), complaint)
        self.assertEqual(self.visible_to(self.handler, both), both)
        self.assertFalse(self.visible_to(self.outsider, both))
        with self.assertRaisesRegex(AccessError, "Customer Complaint"):
            self.team_complaint.with_user(self.recorder).read(["name"])

    def test_recorder_in_no_team_creates_and_keeps_seeing(self):
        self.assertFalse(
            self.env["crm.complaint.team"].search([("member_ids", "in", self.recorder.ids)])
        )
        complaint = self.Complaint.with_user(self.recorder).create(
            {"name": "Lid cracked on arrival", "partner_id": self.customer.id}
        )
        self.assertRoutedAndVisible(complaint)
        # and can keep working on it
        as_recorder = complaint.with_user(self.recorder)
        as_recorder.message_post(body="Customer called back.", message_type="comment")
        as_recorder.write({"name": "Lid cracked on arrival (2 units)"})
        self.assertEqual(complaint.name, "Lid cracked on arrival (2 units)")

    def test_recorder_tour(self):
        self.start_tour("/odoo", "crm_complaint_recorder_tour", login="care_recorder")
        complaint = self.Complaint.search([("name", "=", SUBJECT)])
        self.assertEqual(len(complaint), 1)
        self.assertRoutedAndVisible(complaint)
