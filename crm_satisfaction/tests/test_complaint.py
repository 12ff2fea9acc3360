from datetime import datetime

from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.tests import new_test_user
from odoo.tools import html2plaintext

from odoo.addons.crm_lifecycle_tiering.tests.common import CrmCase, make_company_user
from odoo.addons.crm_satisfaction.models.complaint_data import PRIORITY_HIGH, PRIORITY_URGENT

from .common import make_office_calendar, make_sla

# 2026-03-02 is a Monday; the test calendar works Monday to Friday, 8-12 and 13-17 UTC
MONDAY_10 = datetime(2026, 3, 2, 10, 0)


class ComplaintCase(CrmCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env["res.company"].create({"name": "Complaint Test Co"})
        cls.env.user.company_ids |= cls.company
        cls.env = cls.env(context=dict(cls.env.context, allowed_company_ids=[cls.company.id]))
        cls.calendar = make_office_calendar(cls.env, cls.company, "Office hours UTC")
        cls.env["crm.complaint.sla"].search([]).active = False
        cls.vip = cls.env.ref("crm_lifecycle_tiering.crm_customer_tier_vip")
        vip = [(6, 0, cls.vip.ids)]
        cls.sla_vip_urgent = make_sla(
            cls.calendar, "VIP urgent", 1, ack_hours=1, resolve_hours=4, tier_ids=vip, priority="3"
        )
        cls.sla_vip = make_sla(cls.calendar, "VIP", 2, ack_hours=2, resolve_hours=16, tier_ids=vip)
        cls.sla_standard = make_sla(cls.calendar, "Standard", 9, ack_hours=8, resolve_hours=40)
        cls.agent_a = make_company_user(
            cls.env, "agent_a", "crm_satisfaction.crm_satisfaction_group_user", cls.company
        )
        cls.agent_b = make_company_user(
            cls.env, "agent_b", "crm_satisfaction.crm_satisfaction_group_user", cls.company
        )
        cls.leader = make_company_user(
            cls.env, "care_leader", "crm_satisfaction.crm_satisfaction_group_user", cls.company
        )
        cls.manager = make_company_user(
            cls.env, "care_boss", "crm_satisfaction.crm_satisfaction_group_manager", cls.company
        )
        cls.team = cls.env["crm.complaint.team"].create(
            {
                "name": "After-sales",
                "company_id": cls.company.id,
                "leader_id": cls.leader.id,
                "manager_id": cls.manager.id,
                "member_ids": [(6, 0, (cls.agent_a | cls.agent_b).ids)],
            }
        )
        cls.customer = cls.env["res.partner"].create(
            {"name": "Unhappy Ltd", "is_company": True, "email": "boss@unhappy.example.com"}
        )
        cls.vip_customer = cls.env["res.partner"].create({"name": "Gold Corp", "is_company": True})
        cls.vip_customer.with_company(cls.company).crm_tier_id = cls.vip
        stages = cls.env["crm.complaint.stage"]
        cls.stage_new = cls.env.ref("crm_satisfaction.crm_complaint_stage_new")
        cls.stage_ack = cls.env.ref("crm_satisfaction.crm_complaint_stage_acknowledged")
        cls.stage_resolved = cls.env.ref("crm_satisfaction.crm_complaint_stage_resolved")
        cls.stage_closed = cls.env.ref("crm_satisfaction.crm_complaint_stage_closed")
        cls.stage_waiting = stages.create(
            {
                "name": "Waiting for customer",
                "sequence": 3,
                "sla_step": "acknowledged",
                "is_waiting": True,
            }
        )

    @freeze_time(MONDAY_10)
    def file(self, partner=None, **values):
        return self.env["crm.complaint"].create(
            {
                "name": "Broken parts",
                "partner_id": (partner or self.customer).id,
                "company_id": self.company.id,
                "team_id": self.team.id,
                "reported_date": MONDAY_10,
                **values,
            }
        )


class TestComplaintSla(ComplaintCase):
    def test_deadlines_in_working_hours_by_tier_and_priority(self):
        standard = self.file()
        self.assertEqual(standard.sla_id, self.sla_standard)
        # 8 working hours from Monday 10:00: Monday 10-12, 13-17 (6 h), Tuesday 8-10
        self.assertEqual(standard.ack_deadline, datetime(2026, 3, 3, 10, 0))
        # 40 working hours: one working week later
        self.assertEqual(standard.resolve_deadline, datetime(2026, 3, 9, 10, 0))
        vip = self.file(self.vip_customer)
        self.assertEqual(vip.tier_id, self.vip)
        self.assertEqual(vip.sla_id, self.sla_vip)
        self.assertEqual(vip.ack_deadline, datetime(2026, 3, 2, 12, 0))
        # recomputed when the priority changes
        vip.priority = "3"
        self.assertEqual(vip.sla_id, self.sla_vip_urgent)
        self.assertEqual(vip.ack_deadline, datetime(2026, 3, 2, 11, 0))
        self.assertEqual(vip.resolve_deadline, datetime(2026, 3, 2, 15, 0))

    def test_pause_while_waiting_for_the_customer(self):
        complaint = self.file()
        with freeze_time("2026-03-02 11:00:00"):
            complaint.stage_id = self.stage_ack
        self.assertEqual(complaint.acknowledged_date, datetime(2026, 3, 2, 11, 0))
        self.assertEqual(complaint.ack_hours_taken, 1.0)
        with freeze_time("2026-03-03 10:00:00"):
            complaint.stage_id = self.stage_waiting
        self.assertEqual(complaint.sla_paused_since, datetime(2026, 3, 3, 10, 0))
        # paused: however late it gets, the complaint does not breach
        complaint._update_sla_status(datetime(2026, 3, 20, 10, 0))
        self.assertEqual(complaint.sla_status, "on_track")
        with freeze_time("2026-03-04 10:00:00"):
            complaint.stage_id = self.stage_ack
        self.assertFalse(complaint.sla_paused_since)
        self.assertEqual(complaint.sla_paused_hours, 8.0)
        self.assertEqual(complaint.resolve_deadline, datetime(2026, 3, 10, 10, 0))

    def test_met_and_indicators(self):
        complaint = self.file()
        with freeze_time("2026-03-02 11:00:00"):
            complaint.stage_id = self.stage_ack
        with freeze_time("2026-03-02 15:00:00"):
            complaint.stage_id = self.stage_resolved
        self.assertEqual(complaint.sla_status, "met")
        self.assertEqual(complaint.resolve_hours_taken, 4.0)
        self.assertEqual(complaint.sla_met_percent, 100.0)
        late = self.file()
        with freeze_time("2026-03-04 09:00:00"):
            late.stage_id = self.stage_closed
        self.assertEqual(late.sla_status, "breached")
        self.assertEqual(late.sla_met_percent, 0.0)
        groups = self.env["crm.complaint"]._read_group(
            [("id", "in", (complaint | late).ids)], [], ["sla_met_percent:avg"]
        )
        self.assertEqual(groups[0][0], 50.0)

    def test_escalation_exactly_once_per_level(self):
        complaint = self.file()
        self.assertEqual(complaint.user_id, self.agent_a)
        todo = self.env.ref("mail.mail_activity_data_todo")

        def step(now):
            complaint._update_sla_status(now)
            complaint._escalate(now)

        def notes():
            return complaint.message_ids.filtered(lambda m: "SLA" in (m.body or ""))

        step(datetime(2026, 3, 2, 16, 0))  # 5 of 8 hours used
        self.assertEqual(complaint.sla_status, "on_track")
        step(datetime(2026, 3, 3, 9, 0))  # 7 of 8 hours used
        self.assertEqual(complaint.sla_status, "at_risk")
        self.assertEqual(
            len(complaint.activity_ids.filtered(lambda a: a.activity_type_id == todo)), 1
        )
        self.assertEqual(complaint.activity_ids.user_id, self.agent_a)
        step(datetime(2026, 3, 3, 9, 30))
        self.assertEqual(len(complaint.activity_ids), 1)
        self.assertEqual(len(notes()), 1)
        step(datetime(2026, 3, 3, 11, 0))  # past the acknowledgement deadline
        self.assertEqual(complaint.sla_status, "breached")
        self.assertEqual(complaint.escalation_level, 2)
        self.assertEqual(complaint.priority, "2")
        leader_note = notes()[0]
        self.assertIn(self.leader.partner_id, leader_note.partner_ids)
        step(datetime(2026, 3, 3, 13, 0))
        self.assertEqual((complaint.escalation_level, complaint.priority), (2, "2"))
        self.assertEqual(len(notes()), 2)
        self.assertEqual(complaint.sla_breached_date, datetime(2026, 3, 3, 11, 0))
        step(datetime(2026, 3, 3, 15, 1))  # 4 hours after the breach was seen
        self.assertEqual(complaint.escalation_level, 3)
        self.assertIn(self.manager.partner_id, notes()[0].partner_ids)
        step(datetime(2026, 3, 5, 15, 0))
        self.assertEqual(len(notes()), 3)
        self.assertEqual(complaint.priority, "2")

    def test_escalation_of_an_urgent_complaint_logs_no_priority_change(self):
        """Already urgent, the priority cannot rise: the note says the leader was told, and
        nothing about the priority."""
        urgent = self.file(priority=PRIORITY_URGENT)
        normal = self.file()
        for complaint in urgent | normal:
            complaint._update_sla_status(datetime(2026, 3, 3, 11, 0))  # past acknowledgement
            complaint._escalate(datetime(2026, 3, 3, 11, 0))

        def escalation_notes(complaint):
            texts = [html2plaintext(m.body or "") for m in complaint.message_ids.sorted("id")]
            return [text for text in texts if text.startswith("SLA breached")]

        leader = self.leader.name
        self.assertEqual(
            escalation_notes(urgent), [f"SLA breached: team leader {leader} notified."]
        )
        self.assertEqual(urgent.priority, PRIORITY_URGENT)
        self.assertEqual(
            escalation_notes(normal),
            [f"SLA breached: team leader {leader} notified; priority Normal → High."],
        )
        self.assertEqual(normal.priority, PRIORITY_HIGH)

    def test_assignment_to_the_member_with_fewest_open_complaints(self):
        first = self.file()
        second = self.file()
        third = self.file()
        self.assertEqual(first.user_id, self.agent_a)
        self.assertEqual(second.user_id, self.agent_b)
        self.assertEqual(third.user_id, self.agent_a)
        # agent A has 2 open complaints, agent B 1
        self.assertEqual(self.file().user_id, self.agent_b)
        (first | third).stage_id = self.stage_closed
        # now A has none open, B has 2
        self.assertEqual(self.file().user_id, self.agent_a)
        # the team comes from the category
        category = self.env["crm.complaint.category"].create(
            {"name": "Warranty", "company_id": self.company.id, "team_id": self.team.id}
        )
        other = self.env["crm.complaint"].create(
            {
                "name": "Warranty claim",
                "partner_id": self.customer.id,
                "company_id": self.company.id,
                "category_id": category.id,
            }
        )
        self.assertEqual(other.team_id, self.team)
        self.assertTrue(other.reference.startswith("CMP/"))

    def test_close_notifies_and_reopen(self):
        complaint = self.file()
        complaint.stage_id = self.stage_closed
        self.assertTrue(complaint.closed_date)
        closed_mail = complaint.message_ids.filtered(lambda m: "is closed" in (m.subject or ""))
        self.assertEqual(len(closed_mail), 1)
        self.assertIn(self.customer, closed_mail.partner_ids)
        complaint.action_reopen()
        self.assertFalse(complaint.is_closed)
        self.assertEqual(complaint.reopen_count, 1)
        self.assertFalse(complaint.closed_date)


class TestComplaintIntakeAndAccess(ComplaintCase):
    def test_email_to_the_team_alias_files_a_complaint(self):
        domain = self.env["mail.alias.domain"].create({"name": "care.example.com"})
        self.team.write(
            {"alias_name": "aftersales", "alias_domain_id": domain.id, "alias_contact": "everyone"}
        )
        raw = (
            "From: Boss <boss@unhappy.example.com>\r\n"
            "To: aftersales@care.example.com\r\n"
            "Subject: Parts arrived broken\r\n"
            "Message-ID: <complaint-1@unhappy.example.com>\r\n"
            "Date: Mon, 02 Mar 2026 10:00:00 +0000\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n\r\n"
            "Half of the parts of order S0042 arrived broken.\r\n"
        )
        self.env["mail.thread"].message_process(None, raw)
        complaint = self.env["crm.complaint"].search([("name", "=", "Parts arrived broken")])
        self.assertEqual(len(complaint), 1)
        self.assertEqual(complaint.partner_id, self.customer)
        self.assertEqual(complaint.channel, "email")
        self.assertEqual(complaint.team_id, self.team)
        self.assertEqual(complaint.company_id, self.company)
        self.assertIn("arrived broken", complaint.description)
        self.assertIn(complaint.user_id, self.team.member_ids)

    def test_access_by_group(self):
        mine = self.file()
        self.assertEqual(mine.user_id, self.agent_a)
        other_team = self.env["crm.complaint.team"].create(
            {
                "name": "Billing",
                "company_id": self.company.id,
                "member_ids": [(6, 0, self.manager.ids)],
            }
        )
        elsewhere = self.file(team_id=other_team.id, user_id=self.manager.id)
        as_agent = self.env["crm.complaint"].with_user(self.agent_b)
        self.assertEqual(as_agent.search([("id", "in", (mine | elsewhere).ids)]), mine)
        with self.assertRaises(AccessError):
            elsewhere.with_user(self.agent_b).read(["name"])
        as_manager = self.env["crm.complaint"].with_user(self.manager)
        self.assertEqual(
            as_manager.search([("id", "in", (mine | elsewhere).ids)]), mine | elsewhere
        )
        # portal customers see their company's complaints only
        contact = self.env["res.partner"].create(
            {"name": "Boss", "parent_id": self.customer.id, "email": "b@unhappy.example.com"}
        )
        portal = new_test_user(
            self.env,
            login="unhappy_portal",
            groups="base.group_portal",
            partner_id=contact.id,
            company_id=self.company.id,
            company_ids=[(6, 0, self.company.ids)],
        )
        theirs = self.file(self.vip_customer)
        as_portal = self.env["crm.complaint"].with_user(portal)
        self.assertEqual(
            as_portal.search([("id", "in", (mine | elsewhere | theirs).ids)]), mine | elsewhere
        )
        with self.assertRaises(AccessError):
            theirs.with_user(portal).read(["name"])
        with self.assertRaises(AccessError):
            mine.with_user(portal).write({"name": "changed"})
        # internal fields stay internal, even on the customer's own complaint
        self.assertEqual(mine.with_user(portal).name, "Broken parts")
        for field in ("root_cause", "compensation_amount", "sla_status", "escalation_level"):
            with self.assertRaises(AccessError):
                mine.with_user(portal).read([field])
