"""The 15-minute escalation cron (data/crm_complaint_data.xml) run through its own server action
on complaints past their SLA: each escalation level once, nothing more on the next runs."""

from datetime import date, datetime
from unittest.mock import patch

import babel.dates
import pytz
from freezegun import freeze_time

from odoo.tests import tagged
from odoo.tools import SQL, html2plaintext

from odoo.addons.crm_lifecycle_tiering.tests.common import TEST_TZ, CrmCase, make_company_user
from odoo.addons.crm_satisfaction.models.complaint_data import (
    ESCALATION_LEADER,
    ESCALATION_MANAGER,
    ESCALATION_NONE,
    ESCALATION_RESPONSIBLE,
    PRIORITY_HIGH,
    PRIORITY_NORMAL,
    PRIORITY_URGENT,
    SLA_AT_RISK,
    SLA_BREACHED,
    SLA_ON_TRACK,
)

from .common import make_office_calendar

# 2026-03-02 is a Monday; the office calendar works Monday to Friday, 8-12 and 13-17 UTC
MONDAY_10 = datetime(2026, 3, 2, 10, 0)
MONDAY_13 = datetime(2026, 3, 2, 13, 0)
TUESDAY_10 = datetime(2026, 3, 3, 10, 0)


class EscalationCase(CrmCase):
    """A company of its own with one SLA policy (acknowledge within 8, resolve within 40 working
    hours of the office calendar), a team with one agent, a leader and a manager; the complaints
    of other companies (demo data) are left out of the cron's reach."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env["res.company"].create({"name": "Escalation Cron Co"})
        cls.env.user.company_ids |= cls.company
        cls.env = cls.env(context=dict(cls.env.context, allowed_company_ids=[cls.company.id]))
        cls.calendar = make_office_calendar(cls.env, cls.company)
        cls.env["crm.complaint.sla"].search([]).active = False
        cls.sla = cls.env["crm.complaint.sla"].create(
            {
                "name": "Escalation standard",
                "sequence": 1,
                "company_id": cls.company.id,
                "calendar_id": cls.calendar.id,
                "ack_hours": 8,
                "resolve_hours": 40,
            }
        )
        group = "crm_satisfaction.crm_satisfaction_group_user"
        cls.agent = make_company_user(cls.env, "esc_agent", group, cls.company, name="Esc Agent")
        cls.leader = make_company_user(cls.env, "esc_leader", group, cls.company, name="Esc Leader")
        cls.manager = make_company_user(
            cls.env,
            "esc_manager",
            "crm_satisfaction.crm_satisfaction_group_manager",
            cls.company,
            name="Esc Manager",
        )
        cls.team = cls.env["crm.complaint.team"].create(
            {
                "name": "Escalation team",
                "company_id": cls.company.id,
                "leader_id": cls.leader.id,
                "manager_id": cls.manager.id,
                "member_ids": [(6, 0, cls.agent.ids)],
            }
        )
        cls.customer = cls.env["res.partner"].create(
            {"name": "Escalated Ltd", "is_company": True, "email": "esc@example.com"}
        )
        cls.stage_closed = cls.env.ref("crm_satisfaction.crm_complaint_stage_closed")
        cls.todo = cls.env.ref("mail.mail_activity_data_todo")
        # the open complaints already in the database (demo data) are no business of these tests
        cls.env.flush_all()
        cls.env.cr.execute(SQL("UPDATE crm_complaint SET sla_id = NULL"))
        cls.env.invalidate_all()

    def file(self, reported, **values):
        with freeze_time(reported):
            return self.env["crm.complaint"].create(
                {
                    "name": "Late delivery",
                    "partner_id": self.customer.id,
                    "company_id": self.company.id,
                    "team_id": self.team.id,
                    "reported_date": reported,
                    **values,
                }
            )

    def notes(self, complaint):
        """Plain texts of the complaint's escalation notes, oldest first."""
        messages = complaint.message_ids.sorted("id")
        texts = [html2plaintext(message.body or "") for message in messages]
        return [text for text in texts if text.startswith("SLA")]

    def note_recipients(self, complaint, start):
        message = complaint.message_ids.filtered(
            lambda m: html2plaintext(m.body or "").startswith(start)
        )
        self.assertEqual(len(message), 1)
        return message.partner_ids

    def state(self, complaint):
        complaint.invalidate_recordset()
        return (
            complaint.sla_status,
            complaint.escalation_level,
            complaint.priority,
            len(complaint.activity_ids),
            len(self.notes(complaint)),
        )


@tagged("post_install", "-at_install")
class TestEscalationCron(EscalationCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cron = cls.env.ref("crm_satisfaction.ir_cron_crm_complaint_escalation")

    def run_cron(self, at):
        """Runs the scheduled action as the scheduler does (its server action, as its user) at
        `at`; returns the progress reported, [(processed, remaining)]."""
        progress = []
        with (
            freeze_time(at),
            patch.object(
                type(self.env["ir.cron"]),
                "_commit_progress",
                side_effect=lambda processed=0, remaining=None, deactivate=False: (
                    progress.append((processed, remaining)) or 60.0
                ),
            ),
        ):
            self.cron.ir_actions_server_id.with_user(self.cron.user_id).run()
        self.env.invalidate_all()
        return progress

    def test_scheduled_action(self):
        self.assertTrue(self.cron.active)
        self.assertEqual(self.cron.model_id.model, "crm.complaint")
        self.assertEqual(self.cron.code.strip(), "model._cron_escalate()")
        self.assertEqual((self.cron.interval_number, self.cron.interval_type), (15, "minutes"))

    def test_cron_escalates_each_level_once(self):
        # acknowledge by Tuesday 10:00 (8 working hours from Monday 10:00)
        late = self.file(MONDAY_10)
        # acknowledge by Tuesday 12:00 (Monday 13-17, Tuesday 8-12)
        risky = self.file(MONDAY_13)
        # acknowledge by Wednesday 10:00
        fresh = self.file(TUESDAY_10)
        late_urgent = self.file(MONDAY_10, priority=PRIORITY_URGENT)
        # closed past its deadline: breached, but closed complaints are not escalated
        closed_late = self.file(MONDAY_10)
        with freeze_time("2026-03-03 10:30:00"):
            closed_late.stage_id = self.stage_closed
        self.assertEqual(late.ack_deadline, datetime(2026, 3, 3, 10, 0))
        self.assertEqual(risky.ack_deadline, datetime(2026, 3, 3, 12, 0))
        self.assertEqual(fresh.ack_deadline, datetime(2026, 3, 4, 10, 0))
        self.assertEqual(late.user_id, self.agent)
        self.assertEqual(closed_late.sla_status, SLA_BREACHED)
        closed_notes = len(closed_late.message_ids)

        # Tuesday 11:00: 4 open complaints with an SLA, one batch
        self.assertEqual(self.run_cron("2026-03-03 11:00:00"), [(4, 0)])
        # late: breached an hour ago -> leader notified, Normal -> High
        self.assertEqual(self.state(late), (SLA_BREACHED, ESCALATION_LEADER, PRIORITY_HIGH, 0, 1))
        self.assertEqual(late.sla_breached_date, datetime(2026, 3, 3, 11, 0))
        self.assertEqual(late.sla_met_percent, 0.0)
        self.assertEqual(
            self.notes(late),
            ["SLA breached: team leader Esc Leader notified; priority Normal → High."],
        )
        self.assertEqual(self.note_recipients(late, "SLA breached"), self.leader.partner_id)
        # risky: 7 of its 8 hours used (87.5% >= 75%) -> an activity for the responsible
        self.assertEqual(
            self.state(risky), (SLA_AT_RISK, ESCALATION_RESPONSIBLE, PRIORITY_NORMAL, 1, 1)
        )
        activity = risky.activity_ids
        self.assertEqual(activity.activity_type_id, self.todo)
        self.assertEqual(activity.user_id, self.agent)
        self.assertEqual(activity.summary, "Complaint SLA at risk")
        self.assertEqual(activity.date_deadline, date(2026, 3, 3))
        # in the agent's language and time zone, without seconds
        deadline = babel.dates.format_datetime(
            pytz.utc.localize(datetime(2026, 3, 3, 12, 0)).astimezone(
                pytz.timezone(self.agent.tz or TEST_TZ)
            ),
            "short",
            locale="en_US",
        )
        self.assertEqual(
            html2plaintext(activity.note),
            f"{risky.reference} must be acknowledged by {deadline}.",
        )
        self.assertEqual(
            self.notes(risky), ["SLA at risk: an activity was scheduled for Esc Agent."]
        )
        # fresh: 1 of 8 hours used
        self.assertEqual(self.state(fresh), (SLA_ON_TRACK, ESCALATION_NONE, PRIORITY_NORMAL, 0, 0))
        # already urgent: the priority stays, and the note claims no change of it
        self.assertEqual(
            self.state(late_urgent), (SLA_BREACHED, ESCALATION_LEADER, PRIORITY_URGENT, 0, 1)
        )
        self.assertEqual(
            self.notes(late_urgent), ["SLA breached: team leader Esc Leader notified."]
        )
        # closed: untouched
        self.assertEqual(closed_late.escalation_level, ESCALATION_NONE)
        self.assertEqual(len(closed_late.message_ids), closed_notes)
        self.assertFalse(closed_late.activity_ids)

        # the next run, 15 minutes later, changes nothing
        before = {c: (self.state(c), len(c.message_ids)) for c in (late, risky, fresh, late_urgent)}
        self.assertEqual(self.run_cron("2026-03-03 11:15:00"), [(4, 0)])
        after = {c: (self.state(c), len(c.message_ids)) for c in (late, risky, fresh, late_urgent)}
        self.assertEqual(after, before)
        self.assertEqual(late.sla_breached_date, datetime(2026, 3, 3, 11, 0))

        # 14:59, 3 h 59 after the breach was seen: no manager yet; risky is breached now
        self.run_cron("2026-03-03 14:59:00")
        self.assertEqual(self.state(late), (SLA_BREACHED, ESCALATION_LEADER, PRIORITY_HIGH, 0, 1))
        self.assertEqual(self.state(risky), (SLA_BREACHED, ESCALATION_LEADER, PRIORITY_HIGH, 1, 2))
        self.assertEqual(risky.sla_breached_date, datetime(2026, 3, 3, 14, 59))
        # fresh: 10-12 and 13-14:59 used, 4 h 01 of 8 left: still on track
        self.assertEqual(self.state(fresh), (SLA_ON_TRACK, ESCALATION_NONE, PRIORITY_NORMAL, 0, 0))

        # 15:00, 4 hours after the breach (the default delay): the manager, once
        self.run_cron("2026-03-03 15:00:00")
        for complaint, priority in ((late, PRIORITY_HIGH), (late_urgent, PRIORITY_URGENT)):
            self.assertEqual(
                self.state(complaint), (SLA_BREACHED, ESCALATION_MANAGER, priority, 0, 2)
            )
            self.assertEqual(
                self.notes(complaint)[1],
                "SLA still breached after 4.0 hours: manager Esc Manager notified.",
            )
            self.assertEqual(
                self.note_recipients(complaint, "SLA still breached"), self.manager.partner_id
            )
        # risky was breached a minute ago; fresh has 4 of its 8 hours left (50%)
        self.assertEqual(self.state(risky), (SLA_BREACHED, ESCALATION_LEADER, PRIORITY_HIGH, 1, 2))
        self.assertEqual(self.state(fresh), (SLA_ON_TRACK, ESCALATION_NONE, PRIORITY_NORMAL, 0, 0))

        # a week later everything has been said: a run adds nothing
        before = {c: (self.state(c), len(c.message_ids)) for c in (late, late_urgent)}
        self.run_cron("2026-03-10 11:00:00")
        after = {c: (self.state(c), len(c.message_ids)) for c in (late, late_urgent)}
        self.assertEqual(after, before)
        self.assertEqual(self.state(risky)[1:], (ESCALATION_MANAGER, PRIORITY_HIGH, 1, 3))
        self.assertEqual(self.state(fresh)[:3], (SLA_BREACHED, ESCALATION_LEADER, PRIORITY_HIGH))

    def escalate_in_batches_of_3(self, at, time_left):
        """Escalates at ``at`` in batches of 3 complaints, ``_commit_progress`` answering
        ``time_left`` (0: out of time); returns its calls, [(args, kwargs)]."""
        with (
            freeze_time(at),
            patch.object(
                type(self.env["ir.cron"]), "_commit_progress", return_value=time_left
            ) as progress,
        ):
            self.env["crm.complaint"]._cron_escalate(batch_size=3)
        self.env.invalidate_all()
        return [(call.args, call.kwargs) for call in progress.call_args_list]

    def test_cron_resumes_after_a_cut_batch(self):
        late = self.file(MONDAY_10)
        risky = self.file(MONDAY_13)
        fresh = self.file(TUESDAY_10)
        late_urgent = self.file(MONDAY_10, priority=PRIORITY_URGENT)
        # out of time after a first batch of 3 complaints (by id): the fourth is left as it was
        self.assertEqual(
            self.escalate_in_batches_of_3("2026-03-03 11:00:00", 0), [((3,), {"remaining": 1})]
        )
        self.assertEqual(self.state(late)[:2], (SLA_BREACHED, ESCALATION_LEADER))
        self.assertEqual(self.state(risky)[:2], (SLA_AT_RISK, ESCALATION_RESPONSIBLE))
        self.assertEqual(self.state(fresh)[:2], (SLA_ON_TRACK, ESCALATION_NONE))
        self.assertEqual(
            self.state(late_urgent), (SLA_ON_TRACK, ESCALATION_NONE, PRIORITY_URGENT, 0, 0)
        )
        # the re-triggered run: the first three again (nothing new for them), then the fourth
        self.assertEqual(
            self.escalate_in_batches_of_3("2026-03-03 11:05:00", 60.0),
            [((3,), {"remaining": 1}), ((1,), {"remaining": 0})],
        )
        self.assertEqual(self.state(late), (SLA_BREACHED, ESCALATION_LEADER, PRIORITY_HIGH, 0, 1))
        self.assertEqual(
            self.state(risky), (SLA_AT_RISK, ESCALATION_RESPONSIBLE, PRIORITY_NORMAL, 1, 1)
        )
        self.assertEqual(
            self.state(late_urgent), (SLA_BREACHED, ESCALATION_LEADER, PRIORITY_URGENT, 0, 1)
        )
        self.assertEqual(late_urgent.sla_breached_date, datetime(2026, 3, 3, 11, 5))
