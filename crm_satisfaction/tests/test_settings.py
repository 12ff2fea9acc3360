"""The company settings of crm_satisfaction away from their defaults, 0 included where allowed:
each changes the behaviour exactly as its help says; values out of range are refused."""

from datetime import datetime, timedelta
from unittest.mock import patch

from freezegun import freeze_time
from psycopg2.errors import CheckViolation

from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from odoo.addons.crm_lifecycle_tiering.models.lifecycle_data import STAGE_FIRST_PURCHASE
from odoo.addons.crm_lifecycle_tiering.tests.common import CrmCase
from odoo.addons.crm_satisfaction.models.complaint_data import (
    ESCALATION_LEADER,
    ESCALATION_MANAGER,
    ESCALATION_RESPONSIBLE,
    SLA_AT_RISK,
    SLA_BREACHED,
    SLA_ON_TRACK,
)
from odoo.addons.crm_satisfaction.models.followup_data import FOLLOWUP_ACTIVITY_TYPE_XMLID

from .common import age_invitations, make_audience
from .test_escalation_cron import MONDAY_10, TUESDAY_10, EscalationCase

LEADER_NOTE = "SLA breached: team leader Esc Leader notified; priority Normal → High."


@tagged("post_install", "-at_install")
class TestEscalationSettings(EscalationCase):
    def run_cron(self, at):
        with (
            freeze_time(at),
            patch.object(type(self.env["ir.cron"]), "_commit_progress", return_value=60.0),
        ):
            self.env["crm.complaint"]._cron_escalate()
        self.env.invalidate_all()

    def test_no_escalation_delay(self):
        """0 hours: the manager is told as soon as the breach is seen, in the same run."""
        self.company.crm_complaint_escalation_hours = 0
        late = self.file(MONDAY_10)  # acknowledge by Tuesday 10:00
        self.run_cron("2026-03-03 10:15:00")
        self.assertEqual(
            (late.sla_status, late.escalation_level), (SLA_BREACHED, ESCALATION_MANAGER)
        )
        self.assertEqual(
            self.notes(late),
            [LEADER_NOTE, "SLA still breached after 0.0 hours: manager Esc Manager notified."],
        )
        self.assertEqual(self.note_recipients(late, "SLA still breached"), self.manager.partner_id)
        messages = len(late.message_ids)
        self.run_cron("2026-03-03 10:30:00")
        self.assertEqual(len(late.message_ids), messages)
        self.assertEqual(late.escalation_level, ESCALATION_MANAGER)

    def test_escalation_delay_of_an_hour_and_a_half(self):
        self.company.crm_complaint_escalation_hours = 1.5
        late = self.file(MONDAY_10)
        self.run_cron("2026-03-03 11:00:00")
        self.assertEqual(late.escalation_level, ESCALATION_LEADER)
        self.run_cron("2026-03-03 12:29:00")
        self.assertEqual(late.escalation_level, ESCALATION_LEADER)
        self.assertEqual(self.notes(late), [LEADER_NOTE])
        self.run_cron("2026-03-03 12:30:00")
        self.assertEqual(late.escalation_level, ESCALATION_MANAGER)
        self.assertEqual(
            self.notes(late),
            [LEADER_NOTE, "SLA still breached after 1.5 hours: manager Esc Manager notified."],
        )

    def test_default_escalation_delay(self):
        self.assertEqual(self.company.crm_complaint_escalation_hours, 4.0)
        late = self.file(MONDAY_10)
        self.run_cron("2026-03-03 10:15:00")
        self.run_cron("2026-03-03 14:14:00")
        self.assertEqual(late.escalation_level, ESCALATION_LEADER)
        self.run_cron("2026-03-03 14:15:00")
        self.assertEqual(late.escalation_level, ESCALATION_MANAGER)

    def test_risk_threshold(self):
        """Acknowledge by Wednesday 10:00 (8 working hours from Tuesday 10:00)."""
        complaint = self.file(TUESDAY_10)
        # Tuesday 15:00: 4 of 8 hours used (50%); Wednesday 8:00: 6 of 8 (75%)
        self.assertEqual(self.company.crm_complaint_sla_risk_percent, 75)
        complaint._update_sla_status(datetime(2026, 3, 3, 15, 0))
        self.assertEqual(complaint.sla_status, SLA_ON_TRACK)
        complaint._update_sla_status(datetime(2026, 3, 4, 8, 0))
        self.assertEqual(complaint.sla_status, SLA_AT_RISK)
        self.company.crm_complaint_sla_risk_percent = 50
        complaint._update_sla_status(datetime(2026, 3, 3, 14, 59))
        self.assertEqual(complaint.sla_status, SLA_ON_TRACK)
        complaint._update_sla_status(datetime(2026, 3, 3, 15, 0))
        self.assertEqual(complaint.sla_status, SLA_AT_RISK)
        # and the cron gives the responsible an activity from then on
        self.run_cron("2026-03-03 15:00:00")
        self.assertEqual(complaint.escalation_level, ESCALATION_RESPONSIBLE)
        self.assertEqual(len(complaint.activity_ids), 1)


@tagged("post_install", "-at_install")
class TestSatisfactionSettings(CrmCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env["res.company"].create({"name": "Settings Survey Co"})
        cls.env.user.company_ids |= cls.company
        cls.env = cls.env(context=dict(cls.env.context, allowed_company_ids=[cls.company.id]))
        cls.salesperson, cls.tag, cls.customers = make_audience(
            cls.env,
            cls.company,
            login="settings_salesperson",
            tag="Settings audience",
            name="Settings Customer {}",
            email="settings{}@example.com",
            count=3,
        )
        cls.Campaign = cls.env["crm.satisfaction.campaign"]
        cls.Response = cls.env["crm.satisfaction.response"]

    def campaign(self, name):
        return self.Campaign.create(
            {
                "name": name,
                "company_id": self.company.id,
                "survey_id": self.env.ref("crm_satisfaction.survey_survey_nps").id,
                "partner_domain": str([("category_id", "in", [self.tag.id])]),
            }
        )

    def invited(self, campaign):
        return self.env["survey.user_input"].search([("crm_campaign_id", "=", campaign.id)])

    def test_no_survey_fatigue(self):
        """0 days: a customer may be invited again right away, by another campaign, even in
        the second (and the transaction) of its first invitation."""
        self.company.crm_survey_fatigue_days = 0
        first = self.campaign("First")
        second = self.campaign("Second")
        # the invitations carry the transaction's timestamp: send both at that very moment
        with freeze_time(self.env.cr.now()):
            first.action_send()
            self.assertEqual(self.invited(first).partner_id, self.customers)
            self.assertEqual(self.invited(first)[0].create_date, self.env.cr.now())
            second.action_send()
        self.assertEqual(self.invited(second).partner_id, self.customers)
        self.assertEqual(len(self.invited(second)), 3)

    def test_survey_fatigue_of_ten_days(self):
        self.company.crm_survey_fatigue_days = 10
        first = self.campaign("First")
        first.action_send()
        second = self.campaign("Second")
        second.action_send()
        self.assertFalse(self.invited(second))
        age_invitations(self.invited(first), 9)
        second.action_send()
        self.assertFalse(self.invited(second), "invited 9 days ago: within the 10 days")
        age_invitations(self.invited(first), 2)
        second.action_send()
        self.assertEqual(self.invited(second).partner_id, self.customers)

    def test_satisfaction_window(self):
        partner = self.customers[0]
        today = self.crm_today(self.company)
        self.Response.create(
            [
                {
                    "partner_id": partner.id,
                    "company_id": self.company.id,
                    "date": today - timedelta(days=days),
                    **self.Response._prepare_score_values({"csat": csat}),
                }
                for days, csat in ((29, 2), (30, 5), (100, 4))
            ]
        )
        partner = partner.with_company(self.company)

        def average(window):
            self.company.crm_satisfaction_window_days = window
            self.env["res.partner"]._crm_refresh_satisfaction(partner, self.company)
            return partner.crm_csat_avg

        self.assertEqual(average(365), 3.67, "(2 + 5 + 4) / 3")
        self.assertEqual(average(31), 3.5, "(2 + 5) / 2: the answers of the last 31 days")
        self.assertEqual(average(30), 2.0, "the answer of 30 days ago is out")
        self.assertEqual(average(1), 0.0, "no answer today")
        self.assertEqual(partner.crm_response_count, 3, "the count is not windowed")

    def test_unhappy_customers_settings(self):
        unhappy_type = self.env.ref("crm_satisfaction.mail_activity_type_unhappy_customer")
        Complaint = self.env["crm.complaint"]

        def answer(partner):
            response = self.Response.create(
                {
                    "partner_id": partner.id,
                    "company_id": self.company.id,
                    **self.Response._prepare_score_values({"csat": 1}),
                }
            )
            response._close_the_loop()
            activities = self.env["mail.activity"].search(
                [
                    ("res_model", "=", "res.partner"),
                    ("res_id", "=", partner.id),
                    ("activity_type_id", "=", unhappy_type.id),
                ]
            )
            complaints = Complaint.search([("partner_id", "=", partner.id)])
            return len(activities), len(complaints)

        # the defaults: an activity, no complaint
        self.assertTrue(self.company.crm_satisfaction_create_activity)
        self.assertFalse(self.company.crm_satisfaction_open_complaint)
        self.assertEqual(answer(self.customers[0]), (1, 0))
        # a complaint instead of an activity
        self.company.write(
            {"crm_satisfaction_create_activity": False, "crm_satisfaction_open_complaint": True}
        )
        self.assertEqual(answer(self.customers[1]), (0, 1))
        complaint = Complaint.search([("partner_id", "=", self.customers[1].id)])
        self.assertEqual(
            (complaint.company_id, complaint.priority, complaint.channel),
            (self.company, "2", "other"),
        )
        # neither
        self.company.crm_satisfaction_open_complaint = False
        self.assertEqual(answer(self.customers[2]), (0, 0))


@tagged("post_install", "-at_install")
class TestFollowupSettings(CrmCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env["res.company"].create({"name": "Settings Follow-up Co"})
        cls.env.user.company_ids |= cls.company
        cls.env = cls.env(context=dict(cls.env.context, allowed_company_ids=[cls.company.id]))
        cls.today = cls.crm_today(cls.company)
        # the company has served its customers since before the newcomer's first purchase
        cls.company.crm_start_date = cls.today - timedelta(days=30)
        cls.salesperson = new_test_user(
            cls.env,
            login="settings_fu_salesperson",
            groups="sales_team.group_sale_salesman,crm_satisfaction.crm_satisfaction_group_user",
            company_id=cls.company.id,
            company_ids=[cls.company.id],
        )
        # bought for the first time 3 days ago; Standard customers are visited every 180 days
        cls.customer = cls.env["res.partner"].create(
            {"name": "Settings Newcomer", "is_company": True, "user_id": cls.salesperson.id}
        )
        cls.customer.with_company(cls.company).write(
            {
                "crm_lifecycle_stage": STAGE_FIRST_PURCHASE,
                "crm_tier_id": cls.env.ref("crm_lifecycle_tiering.crm_customer_tier_standard").id,
                "crm_first_order_date": cls.today - timedelta(days=3),
            }
        )
        cls.Followup = cls.env["crm.followup"]
        cls.activity_type = cls.env.ref(FOLLOWUP_ACTIVITY_TYPE_XMLID)
        cls.cron = cls.env.ref("crm_satisfaction.ir_cron_crm_followup_schedule")

    def schedule(self):
        with patch.object(type(self.env["ir.cron"]), "_commit_progress", return_value=60.0):
            self.Followup._schedule_followups(self.company, today=self.today, commit=True)
        self.customer.invalidate_recordset()
        activities = self.env["mail.activity"].search(
            [
                ("res_model", "=", "res.partner"),
                ("res_id", "=", self.customer.id),
                ("activity_type_id", "=", self.activity_type.id),
            ]
        )
        return self.customer.with_company(self.company).crm_followup_next_date, [
            (activity.date_deadline, activity.user_id) for activity in activities
        ]

    def test_first_followup_on_the_first_purchase_day(self):
        """0 days: due on the day of the first purchase (3 days ago); a horizon of 0 days
        schedules what is due by today."""
        self.company.write({"crm_followup_first_days": 0, "crm_followup_horizon_days": 0})
        first_purchase = self.today - timedelta(days=3)
        self.assertEqual(self.schedule(), (first_purchase, [(first_purchase, self.salesperson)]))

    def test_first_followup_after_ten_days(self):
        """10 days: due in 7 days; scheduled only with a horizon of at least 7 days."""
        triggers = self.env["ir.cron.trigger"].search_count([("cron_id", "=", self.cron.id)])
        self.company.crm_followup_first_days = 10
        # the scheduler is triggered to move the next dates
        self.assertEqual(
            self.env["ir.cron.trigger"].search_count([("cron_id", "=", self.cron.id)]),
            triggers + 1,
        )
        due = self.today + timedelta(days=7)
        self.company.crm_followup_horizon_days = 0
        self.assertEqual(self.schedule(), (due, []))
        self.company.crm_followup_horizon_days = 6
        self.assertEqual(self.schedule(), (due, []))
        self.company.crm_followup_horizon_days = 7
        self.assertEqual(self.schedule(), (due, [(due, self.salesperson)]))
        # once scheduled, a second run creates nothing more
        self.assertEqual(self.schedule(), (due, [(due, self.salesperson)]))


@tagged("post_install", "-at_install")
class TestSettingsPage(CrmCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env["res.company"].create({"name": "Settings Page Co"})
        cls.other_company = cls.env["res.company"].create({"name": "Settings Page Other Co"})
        cls.env.user.company_ids |= cls.company | cls.other_company

    def test_settings_write_the_current_company(self):
        values = {
            "crm_survey_fatigue_days": 0,
            "crm_satisfaction_window_days": 30,
            "crm_satisfaction_create_activity": False,
            "crm_satisfaction_open_complaint": True,
            "crm_complaint_sla_risk_percent": 50,
            "crm_complaint_escalation_hours": 0.0,
            "crm_complaint_window_days": 30,
            "crm_followup_first_days": 0,
            "crm_followup_horizon_days": 0,
        }
        defaults = {
            "crm_survey_fatigue_days": 30,
            "crm_satisfaction_window_days": 365,
            "crm_satisfaction_create_activity": True,
            "crm_satisfaction_open_complaint": False,
            "crm_complaint_sla_risk_percent": 75,
            "crm_complaint_escalation_hours": 4.0,
            "crm_complaint_window_days": 365,
            "crm_followup_first_days": 7,
            "crm_followup_horizon_days": 7,
        }

        def settings_of(company):
            company.invalidate_recordset()
            return {name: company[name] for name in values}

        self.assertEqual(settings_of(self.company), defaults)
        Settings = self.env["res.config.settings"].with_company(self.company)
        Settings.create(values).execute()
        self.assertEqual(settings_of(self.company), values)
        self.assertEqual(settings_of(self.other_company), defaults)
        # and the page shows them back
        settings = Settings.create({})
        self.assertEqual({name: settings[name] for name in values}, values)

    def test_out_of_range_values_refused(self):
        for field, value, constraint in (
            ("crm_survey_fatigue_days", -1, "crm_survey_fatigue_days_positive"),
            ("crm_satisfaction_window_days", 0, "crm_satisfaction_window_days_positive"),
            ("crm_complaint_sla_risk_percent", 0, "crm_complaint_sla_risk_percent_valid"),
            ("crm_complaint_sla_risk_percent", 100, "crm_complaint_sla_risk_percent_valid"),
            ("crm_complaint_escalation_hours", -0.5, "crm_complaint_escalation_hours_valid"),
            ("crm_complaint_window_days", 0, "crm_complaint_escalation_hours_valid"),
            ("crm_followup_first_days", -1, "crm_followup_first_days_not_negative"),
            ("crm_followup_horizon_days", -1, "crm_followup_horizon_days_not_negative"),
        ):
            with (
                self.subTest(field=field, value=value),
                mute_logger("odoo.sql_db"),
                self.assertRaisesRegex(CheckViolation, f'"res_company_{constraint}"'),
                self.cr.savepoint(),
            ):
                self.company.write({field: value})
                self.company.flush_recordset()
        # nothing was written
        self.company.invalidate_recordset()
        self.assertEqual(
            (self.company.crm_survey_fatigue_days, self.company.crm_complaint_window_days),
            (30, 365),
        )
        # 0 is allowed where the help gives it a meaning
        self.company.write(
            {
                "crm_survey_fatigue_days": 0,
                "crm_complaint_escalation_hours": 0,
                "crm_followup_first_days": 0,
                "crm_followup_horizon_days": 0,
            }
        )
        self.company.flush_recordset()
        self.assertEqual(self.company.crm_complaint_escalation_hours, 0.0)
