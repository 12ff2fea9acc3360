"""The complaint counters of customers: open complaints and complaints reported over the
company's complaint window (365 days by default), of the customer and its contacts, in the
current company; all of them, of every company, in crm_complaint_ids."""

from datetime import datetime

from freezegun import freeze_time

from odoo.tests import tagged

from odoo.addons.crm_lifecycle_tiering.tests.common import CrmCase, make_company_user

# the counters are read at Friday 2026-03-20 12:00 UTC: the default window starts on
# 2025-03-20 12:00 (365 days before)
NOW = datetime(2026, 3, 20, 12, 0)


@tagged("post_install", "-at_install")
class TestPartnerComplaintCounters(CrmCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env["res.company"].create({"name": "Counter Co"})
        cls.other_company = cls.env["res.company"].create({"name": "Counter Other Co"})
        cls.env.user.company_ids |= cls.company | cls.other_company
        cls.env = cls.env(
            context=dict(
                cls.env.context,
                allowed_company_ids=(cls.company | cls.other_company).ids,
            )
        )
        cls.customer = cls.env["res.partner"].create({"name": "Counted Ltd", "is_company": True})
        cls.contact = cls.env["res.partner"].create(
            {"name": "Counted Buyer", "parent_id": cls.customer.id}
        )
        cls.other_customer = cls.env["res.partner"].create(
            {"name": "Other Counted Ltd", "is_company": True}
        )
        cls.stage_closed = cls.env.ref("crm_satisfaction.crm_complaint_stage_closed")
        Complaint = cls.env["crm.complaint"]
        cls.complaints = {}
        for key, partner, company, reported, closed in (
            ("open_recent", cls.customer, cls.company, datetime(2026, 3, 1, 9), False),
            ("open_by_contact", cls.contact, cls.company, datetime(2026, 3, 10, 9), False),
            ("closed_recent", cls.customer, cls.company, datetime(2026, 2, 1, 9), True),
            # reported 412 days ago, filed today: open but out of the window
            ("open_old", cls.customer, cls.company, datetime(2025, 2, 1, 9), False),
            ("closed_old", cls.customer, cls.company, datetime(2024, 6, 1, 9), True),
            # the first and the last second of the window
            ("window_start", cls.customer, cls.company, datetime(2025, 3, 20, 12, 0), True),
            ("before_window", cls.customer, cls.company, datetime(2025, 3, 20, 11, 59, 59), True),
            ("elsewhere", cls.customer, cls.other_company, datetime(2026, 3, 15, 9), False),
            ("other_customer", cls.other_customer, cls.company, datetime(2026, 3, 15, 9), False),
        ):
            complaint = Complaint.create(
                {
                    "name": key,
                    "partner_id": partner.id,
                    "company_id": company.id,
                    "reported_date": reported,
                }
            )
            if closed:
                complaint.stage_id = cls.stage_closed
            cls.complaints[key] = complaint

    def counts(self, partner, company=None):
        partner = partner.with_company(company or self.company)
        partner.invalidate_recordset(["crm_complaint_open_count", "crm_complaint_count_period"])
        return partner.crm_complaint_open_count, partner.crm_complaint_count_period

    @freeze_time(NOW)
    def test_open_and_window_counts(self):
        self.assertEqual(self.company.crm_complaint_window_days, 365)
        # open: open_recent, open_by_contact, open_old; in the window: open_recent,
        # open_by_contact, closed_recent, window_start
        self.assertEqual(self.counts(self.customer), (3, 4))
        # a contact shows its company's figures
        self.assertEqual(self.counts(self.contact), (3, 4))
        # in the other company: its one complaint only
        self.assertEqual(self.counts(self.customer, self.other_company), (1, 1))
        self.assertEqual(self.counts(self.other_customer), (1, 1))
        # every complaint of the customer and its contacts, of both companies
        self.assertEqual(
            self.customer.crm_complaint_ids,
            self.env["crm.complaint"].browse(
                [c.id for key, c in self.complaints.items() if key != "other_customer"]
            ),
        )
        self.assertEqual(len(self.customer.crm_complaint_ids), 8)
        # closing one: one open fewer, the same count over the window
        self.complaints["open_recent"].stage_id = self.stage_closed
        self.assertEqual(self.counts(self.customer), (2, 4))
        # reopening it
        self.complaints["open_recent"].action_reopen()
        self.assertEqual(self.counts(self.customer), (3, 4))

    @freeze_time(NOW)
    def test_counts_follow_the_complaint_window(self):
        # 45 days: from 2026-02-03 12:00, open_recent and open_by_contact only
        self.company.crm_complaint_window_days = 45
        self.assertEqual(self.counts(self.customer), (3, 2))
        # 48 days: from 2026-01-31 12:00, closed_recent too
        self.company.crm_complaint_window_days = 48
        self.assertEqual(self.counts(self.customer), (3, 3))
        # 1000 days: every complaint of the company
        self.company.crm_complaint_window_days = 1000
        self.assertEqual(self.counts(self.customer), (3, 7))
        # the other company keeps its own window
        self.assertEqual(self.other_company.crm_complaint_window_days, 365)
        self.assertEqual(self.counts(self.customer, self.other_company), (1, 1))

    @freeze_time(NOW)
    def test_smart_button(self):
        action = self.contact.action_crm_open_complaints()
        self.assertEqual(action["res_model"], "crm.complaint")
        self.assertEqual(action["domain"], [("commercial_partner_id", "=", self.customer.id)])
        self.assertEqual(
            action["context"], {"default_partner_id": self.contact.id, "search_default_open": 1}
        )
        # a manager of the first company only finds its 7 complaints there
        manager = make_company_user(
            self.env,
            "counter_manager",
            "crm_satisfaction.crm_satisfaction_group_manager",
            self.company,
        )
        found = (
            self.env["crm.complaint"]
            .with_user(manager)
            .with_context(allowed_company_ids=self.company.ids)
            .search(action["domain"])
        )
        self.assertEqual(
            found,
            self.env["crm.complaint"].browse(
                [
                    c.id
                    for key, c in self.complaints.items()
                    if key not in ("other_customer", "elsewhere")
                ]
            ),
        )
        self.assertEqual(len(found), 7)
