"""Trust in complaints and satisfaction figures: the SLA clock, the escalation and the customer's
confirmation are written by the complaint's stage changes, the escalation cron, "Reopen" and the
customer's confirmation only (an agent's RPC write is refused); the satisfaction figures of a
customer by the refresh only; a portal customer reads neither the internal handling of its
complaints nor any value of ours on its contact; the export acts in the user's companies only."""

from datetime import date, datetime
from unittest.mock import patch

from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.tests import tagged

from odoo.addons.crm_lifecycle_tiering.tests.common import CrmCase, make_company_user
from odoo.addons.crm_satisfaction.models.followup_data import PARTNER_FOLLOWUP_FIELDS
from odoo.addons.crm_satisfaction.models.satisfaction_data import PARTNER_SATISFACTION_FIELDS

from .common import make_office_calendar, make_portal_user

# 2026-03-02 is a Monday; the test calendar works Monday to Friday, 8-12 and 13-17 UTC
MONDAY_10 = datetime(2026, 3, 2, 10, 0)
REFUSED = "^You cannot set %s of %s by hand: the application computes these values"
INTERNAL = {"tier_id", "priority", "team_id", "user_id", "sla_status", "escalation_level"}


@tagged("post_install", "-at_install")
class TestComplaintEngineFields(CrmCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env["res.company"].create({"name": "Care Access Co"})
        cls.other_company = cls.env["res.company"].create({"name": "Care Access Other Co"})
        cls.env.user.company_ids |= cls.company | cls.other_company
        cls.env = cls.env(context=dict(cls.env.context, allowed_company_ids=[cls.company.id]))
        cls.env["crm.complaint.sla"].search([]).active = False
        cls.env["crm.complaint.sla"].create(
            {
                "name": "Standard",
                "company_id": cls.company.id,
                "calendar_id": make_office_calendar(cls.env, cls.company).id,
                "ack_hours": 8,
                "resolve_hours": 40,
            }
        )
        user_group = "crm_satisfaction.crm_satisfaction_group_user"
        cls.agent = make_company_user(cls.env, "access_agent", user_group, cls.company)
        cls.leader = make_company_user(cls.env, "access_leader", user_group, cls.company)
        cls.manager = make_company_user(
            cls.env,
            "access_care_boss",
            "crm_satisfaction.crm_satisfaction_group_manager",
            cls.company,
        )
        cls.salesperson = make_company_user(
            cls.env, "access_sales", "sales_team.group_sale_salesman", cls.company
        )
        cls.employee = make_company_user(cls.env, "access_employee", "base.group_user", cls.company)
        cls.team = cls.env["crm.complaint.team"].create(
            {
                "name": "Access Care",
                "company_id": cls.company.id,
                "leader_id": cls.leader.id,
                "manager_id": cls.manager.id,
                "member_ids": [(6, 0, cls.agent.ids)],
            }
        )
        cls.acme, cls.globex = cls.env["res.partner"].create(
            [
                {"name": "Acme Access", "is_company": True},
                {"name": "Globex Access", "is_company": True},
            ]
        )
        cls.alice = make_portal_user(cls.env, cls.company, "access_alice", cls.acme)
        cls.bob = make_portal_user(cls.env, cls.company, "access_bob", cls.globex)
        cls.stage_ack = cls.env.ref("crm_satisfaction.crm_complaint_stage_acknowledged")
        cls.stage_resolved = cls.env.ref("crm_satisfaction.crm_complaint_stage_resolved")

    @freeze_time(MONDAY_10)
    def file(self, user=None, **values):
        Complaint = self.env["crm.complaint"]
        if user:
            Complaint = Complaint.with_user(user)
        return Complaint.create(
            {
                "name": "Broken parts",
                "partner_id": self.alice.partner_id.id,
                "company_id": self.company.id,
                "team_id": self.team.id,
                "reported_date": MONDAY_10,
                **values,
            }
        )

    # ------------------------------------------------------------------ 1. engine-owned values
    def test_agent_cannot_write_the_sla_clock(self):
        complaint = self.file(user=self.agent)
        self.assertEqual(complaint.user_id, self.agent)
        as_agent = complaint.with_user(self.agent)
        for fname, value in (
            ("escalation_level", 3),
            ("customer_confirmed", True),
            ("resolve_hours_taken", 0.5),
            ("sla_status", "met"),
            ("acknowledged_date", MONDAY_10),
            ("reopen_count", 0),
        ):
            label = complaint._fields[fname].string
            with (
                self.subTest(fname=fname),
                self.assertRaisesRegex(AccessError, REFUSED % (f"“{label}”", "Customer Complaint")),
            ):
                as_agent.write({fname: value})
        # a context flag sent over RPC does not make an engine
        with self.assertRaisesRegex(
            AccessError, REFUSED % ("“Escalation Level”", "Customer Complaint")
        ):
            as_agent.with_context(crm_engine_write=True).write({"escalation_level": 3})
        # nor does filing a complaint escalated and confirmed from the start
        with self.assertRaisesRegex(
            AccessError,
            REFUSED % ("“Confirmed by Customer”, “Escalation Level”", "Customer Complaint"),
        ):
            self.file(user=self.agent, escalation_level=3, customer_confirmed=True)
        self.assertRecordValues(
            complaint,
            [{"escalation_level": 0, "customer_confirmed": False, "resolve_hours_taken": 0.0}],
        )
        # what the agent owns stays theirs
        as_agent.write({"priority": "3", "root_cause": "Packaging", "name": "Broken parts (2)"})
        self.assertEqual(complaint.priority, "3")

    def test_stage_changes_and_buttons_still_write(self):
        complaint = self.file(user=self.agent)
        as_agent = complaint.with_user(self.agent)
        with freeze_time("2026-03-02 11:00:00"):
            as_agent.action_acknowledge()
        with freeze_time("2026-03-03 10:00:00"):
            as_agent.stage_id = self.stage_resolved
        self.assertRecordValues(
            complaint,
            [
                {
                    "acknowledged_date": datetime(2026, 3, 2, 11, 0),
                    "ack_hours_taken": 1.0,
                    "resolved_date": datetime(2026, 3, 3, 10, 0),
                    "resolve_hours_taken": 8.0,
                    "sla_status": "met",
                }
            ],
        )
        # the customer confirms, not the agent
        with self.assertRaisesRegex(
            AccessError,
            "^Only the customer or a customer care manager can confirm the resolution of a "
            "complaint.$",
        ):
            as_agent.action_confirm_resolution()
        self.assertFalse(complaint.customer_confirmed)
        # the portal confirms for its own customer (the controller acts as the system)
        complaint.with_user(self.alice).sudo().action_confirm_resolution()
        self.assertRecordValues(complaint, [{"customer_confirmed": True, "is_closed": True}])
        as_agent.action_reopen()
        self.assertRecordValues(
            complaint, [{"customer_confirmed": False, "reopen_count": 1, "is_closed": False}]
        )
        as_agent.stage_id = self.stage_resolved
        complaint.with_user(self.manager).action_confirm_resolution()
        self.assertRecordValues(complaint, [{"customer_confirmed": True, "is_closed": True}])
        # the escalation cron escalates a complaint left unacknowledged past its deadline
        late = self.file(user=self.agent)
        Cron = type(self.env["ir.cron"])
        with (
            freeze_time("2026-03-04 10:00:00"),
            patch.object(Cron, "_commit_progress", return_value=60.0),
        ):
            self.env["crm.complaint"]._cron_escalate()
        self.assertRecordValues(late, [{"sla_status": "breached", "escalation_level": 2}])

    def test_satisfaction_figures_are_the_refresh_s(self):
        as_agent = self.acme.with_user(self.agent).with_company(self.company)
        for fname, value in (("crm_csat_avg", 5.0), ("crm_nps_category", "promoter")):
            label = self.acme._fields[fname].string
            with (
                self.subTest(fname=fname),
                self.assertRaisesRegex(AccessError, REFUSED % (f"“{label}”", "Contact")),
            ):
                as_agent.write({fname: value})
        with self.assertRaisesRegex(AccessError, REFUSED % ("“Next Follow-up”", "Contact")):
            as_agent.write({"crm_followup_next_date": date(2026, 3, 2)})
        Response = self.env["crm.satisfaction.response"]
        Response.create(
            {
                "partner_id": self.acme.id,
                "company_id": self.company.id,
                "date": self.crm_today(self.company),
                **Response._prepare_score_values({"csat": 2}),
            }
        )
        self.env["res.partner"]._crm_refresh_satisfaction(self.acme, self.company)
        self.assertRecordValues(
            self.acme.with_company(self.company), [{"crm_csat_avg": 2.0, "crm_response_count": 1}]
        )

    # ------------------------------------------------------------------ 3. who reads what
    def test_portal_reads_no_internal_handling(self):
        mine, theirs = self.file(), self.file(partner_id=self.bob.partner_id.id)
        fields = set(self.env["crm.complaint"].with_user(self.alice).fields_get())
        self.assertFalse(fields & INTERNAL)
        self.assertLessEqual(
            {"name", "reference", "stage_id", "is_closed", "reported_date", "customer_confirmed"},
            fields,
        )
        # the portal lists its own complaints (default order included) and reads them
        Complaint = self.env["crm.complaint"].with_user(self.alice)
        self.assertEqual(Complaint.search([]), mine)
        self.assertEqual(Complaint.search([], order="priority desc"), mine)
        self.assertNotIn(theirs, Complaint.search([]))
        self.assertEqual(mine.with_user(self.alice).read(["name"])[0]["name"], "Broken parts")
        for fname in ("tier_id", "priority", "team_id", "user_id"):
            with (
                self.subTest(fname=fname),
                self.assertRaisesRegex(AccessError, f'access the field "{fname}"'),
            ):
                mine.with_user(self.alice).read([fname])
        # internal users handling complaints read them
        self.assertLessEqual(
            INTERNAL, set(self.env["crm.complaint"].with_user(self.agent).fields_get())
        )

    def test_who_reads_the_partner_values(self):
        def crm_fields(user):
            return {
                f for f in self.env["res.partner"].with_user(user).fields_get() if f[:4] == "crm_"
            }

        satisfaction = (
            PARTNER_SATISFACTION_FIELDS
            | PARTNER_FOLLOWUP_FIELDS
            | {
                "crm_complaint_ids",
                "crm_complaint_open_count",
                "crm_complaint_count_period",
                "crm_followup_count",
            }
        )
        self.assertEqual(crm_fields(self.alice), set())
        self.assertEqual(crm_fields(self.employee), set())
        self.assertFalse(crm_fields(self.salesperson) & satisfaction)
        self.assertIn("crm_tier_id", crm_fields(self.salesperson))
        self.assertLessEqual(satisfaction | {"crm_tier_id"}, crm_fields(self.agent))
        with self.assertRaisesRegex(AccessError, 'access the field "crm_nps_category"'):
            self.acme.with_user(self.salesperson).read(["crm_nps_category"])
        # the contact form loads for each of them
        for user in (self.employee, self.salesperson, self.agent):
            with self.subTest(user=user.login):
                arch = self.env["res.partner"].with_user(user).get_views([(False, "form")])
                arch = arch["views"]["form"]["arch"]
                self.assertEqual('name="crm_csat_avg"' in arch, user == self.agent)

    # ------------------------------------------------------------------ 2. the export's company
    def test_export_in_the_users_companies_only(self):
        self.file()
        Export = self.env["crm.satisfaction.export.wizard"].with_user(self.manager)
        wizard = Export.create({"company_id": self.other_company.id})
        with self.assertRaisesRegex(
            AccessError,
            "^You cannot act on Care Access Other Co: it is not one of your companies.$",
        ):
            wizard.action_export()
        self.assertFalse(wizard.file_data)
        wizard = Export.create({"date_from": date(2026, 3, 1), "date_to": date(2026, 3, 3)})
        wizard.action_export()
        self.assertTrue(wizard.file_data)
