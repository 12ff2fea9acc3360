"""What a customer is told once a complaint is filed: the confirmation page of the portal, and the
acknowledgement e-mail, posted in the conversation the customer reads there, from the company,
with the dates in the customer's language, date format and time zone."""

from datetime import datetime

from odoo import http
from odoo.tests import new_test_user, tagged
from odoo.tools import html2plaintext

from odoo.addons.crm_lifecycle_tiering.tests.common import CrmHttpCase, make_company_user

from .common import make_office_calendar

# 2026-03-02 is a Monday; the office calendar works Monday to Friday, 8-12 and 13-17 UTC. Filed
# at 16:00 UTC, acknowledge within 1 working hour (Monday 17:00 UTC, Tuesday 01:00 in Shanghai),
# resolve within 16 (Wednesday 16:00 UTC, Thursday 00:00 in Shanghai)
MONDAY_16 = datetime(2026, 3, 2, 16, 0)
ACK_DEADLINE = datetime(2026, 3, 2, 17, 0)
RESOLVE_DEADLINE = datetime(2026, 3, 4, 16, 0)
COMPANY = "Acknowledging Co"  # as in static/tests/tours/crm_complaint_portal_confirmation_tour.js


@tagged("post_install", "-at_install")
class TestComplaintAcknowledgement(CrmHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("zh_CN")
        cls.company = cls.env["res.company"].create(
            {"name": COMPANY, "email": "care@acknowledging.example.com"}
        )
        cls.env.user.company_ids |= cls.company
        calendar = make_office_calendar(cls.env, cls.company)
        cls.env["crm.complaint.sla"].search([]).active = False
        cls.sla = cls.env["crm.complaint.sla"].create(
            {
                "name": "Acknowledging standard",
                "company_id": cls.company.id,
                "calendar_id": calendar.id,
                "ack_hours": 1,
                "resolve_hours": 16,
            }
        )
        cls.agent = make_company_user(
            cls.env,
            "ack_agent",
            "crm_satisfaction.crm_satisfaction_group_user",
            cls.company,
            name="Ack Agent",
            email="ack.agent@example.com",
        )
        cls.env["crm.complaint.team"].create(
            {
                "name": "Acknowledging care",
                "company_id": cls.company.id,
                "member_ids": [(6, 0, cls.agent.ids)],
            }
        )
        cls.customer = cls.env["res.partner"].create(
            {"name": "Kettle Co", "is_company": True, "email": "kettle@example.com"}
        )
        cls.english = cls._portal_user("ack_english", "en_US", "America/New_York")
        cls.chinese = cls._portal_user("ack_chinese", "zh_CN", "Asia/Shanghai")

    @classmethod
    def _portal_user(cls, login, lang, tz):
        """A contact of the customer, with its own language and time zone, in the portal."""
        contact = cls.env["res.partner"].create(
            {
                "name": login.replace("_", " ").title(),
                "parent_id": cls.customer.id,
                "email": f"{login}@example.com",
                "lang": lang,
                "tz": tz,
            }
        )
        return new_test_user(
            cls.env,
            login=login,
            password=login,
            groups="base.group_portal",
            partner_id=contact.id,
            company_id=cls.company.id,
            company_ids=[(6, 0, cls.company.ids)],
        )

    def file_for(self, user, **values):
        """A complaint of `user`'s, filed on Monday 16:00 UTC."""
        return (
            self.env["crm.complaint"]
            .with_user(self.agent)
            .create(
                {
                    "name": "Leaking kettle",
                    "partner_id": user.partner_id.id,
                    "company_id": self.company.id,
                    "reported_date": MONDAY_16,
                    **values,
                }
            )
            .sudo()
        )

    def acknowledgement(self, complaint):
        template = self.env.ref("crm_satisfaction.crm_complaint_mail_template_received")
        subject = template._render_field("subject", complaint.ids, compute_lang=True)[complaint.id]
        message = complaint.message_ids.filtered(lambda m: m.subject == subject)
        self.assertEqual(len(message), 1)
        return message

    @staticmethod
    def plain(html):
        """The text of an HTML page or body, its white space collapsed."""
        return " ".join(html2plaintext(html).replace("*", "").split())

    def assertAuthoredByCompany(self, message):
        self.assertRecordValues(
            message,
            [
                {
                    "author_id": self.company.partner_id.id,
                    "email_from": self.company.email_formatted,
                    "message_type": "auto_comment",
                    "subtype_id": self.env.ref("mail.mt_comment").id,
                    "is_internal": False,
                }
            ],
        )

    def test_acknowledgement_from_the_company_dated_for_the_customer(self):
        """Filed by an agent for a customer in New York: the e-mail comes from the company and
        gives the resolution date first, then the acknowledgement time, to the minute, in the
        customer's time zone and language."""
        complaint = self.file_for(self.english)
        self.assertRecordValues(
            complaint,
            [{"ack_deadline": ACK_DEADLINE, "resolve_deadline": RESOLVE_DEADLINE}],
        )
        message = self.acknowledgement(complaint)
        self.assertAuthoredByCompany(message)
        self.assertIn(self.english.partner_id, message.partner_ids)
        self.assertIn(message, complaint.website_message_ids)
        text = self.plain(message.body)
        # Wednesday 16:00 UTC is 11:00 in New York; Monday 17:00 UTC is 12:00 there
        self.assertIn("We aim to resolve it by 03/04/2026.", text)
        self.assertIn("will get back to you by 03/02/2026 12:00 PM.", text)
        self.assertNotIn("12:00:00", text)
        self.assertLess(text.index("03/04/2026"), text.index("03/02/2026 12:00"))

    def test_acknowledgement_in_chinese(self):
        complaint = self.file_for(self.chinese)
        text = self.plain(self.acknowledgement(complaint).body)
        # Shanghai is 8 hours ahead of UTC: both deadlines fall on the next day there
        self.assertIn("We aim to resolve it by 2026/03/05.", text)
        self.assertIn("2026/03/03 01:00", text)
        self.assertNotIn("01:00:00", text)

    def test_portal_complaint_acknowledged_by_the_company(self):
        """Filed by the customer in the portal, the acknowledgement is the company's, not the
        customer's own message."""
        self.authenticate("ack_chinese", "ack_chinese")
        self.url_open(
            "/my/complaints/new",
            data={
                "name": "Portal kettle",
                "description": "It leaks.",
                "csrf_token": http.Request.csrf_token(self),
            },
            allow_redirects=False,
        )
        complaint = self.env["crm.complaint"].search([("name", "=", "Portal kettle")])
        self.assertEqual(len(complaint), 1)
        self.assertAuthoredByCompany(self.acknowledgement(complaint))

    def test_confirmation_page_in_the_customer_language(self):
        """The page the customer lands on after submitting: the reference, the next step and
        the dates in the customer's date format and time zone (Shanghai), without seconds."""
        complaint = self.file_for(self.chinese)
        self.authenticate("ack_chinese", "ack_chinese")
        page = self.url_open(complaint.get_portal_url(query_string="&submitted=1"))
        self.assertEqual(page.status_code, 200)
        self.assertIn("o_complaint_portal_submitted", page.text)
        text = self.plain(page.text)
        self.assertIn(f"Your reference is {complaint.reference};", text)
        self.assertIn("gets back to you by 2026/03/03 01:00.", text)
        self.assertIn("We aim to resolve it by 2026/03/05.", text)
        self.assertNotIn("01:00:00", text)
        # only right after the submission, and only for the customer
        page = self.url_open(complaint.get_portal_url())
        self.assertNotIn("o_complaint_portal_submitted", page.text)
        self.authenticate(None, None)
        page = self.url_open(complaint.get_portal_url(query_string="&submitted=1"))
        self.assertEqual(page.status_code, 200)
        self.assertIn(complaint.reference, page.text)
        self.assertNotIn("o_complaint_portal_submitted", page.text)

    def test_portal_confirmation_tour(self):
        self.start_tour("/my", "crm_complaint_portal_confirmation_tour", login="ack_english")
        complaint = self.env["crm.complaint"].search([("name", "=", "Tour: kettle leaks")])
        self.assertEqual(len(complaint), 1)
        self.assertEqual(complaint.partner_id, self.english.partner_id)
        self.assertTrue(complaint.resolve_deadline)
        self.assertAuthoredByCompany(self.acknowledgement(complaint))
