"""Bad input refused with a clear message, nothing lost: SLA policies their calendar cannot
plan, tiers SLA policies are restricted to, campaign audiences that are no domain of customers
(and one campaign failing in the daily run), the stages the complaint actions need, settings
out of bounds."""

from datetime import datetime, timedelta
from unittest.mock import patch

from psycopg2.errors import CheckViolation

from odoo import http
from odoo.exceptions import UserError, ValidationError
from odoo.tests import new_test_user, tagged
from odoo.tools import SQL, mute_logger

from odoo.addons.crm_lifecycle_tiering.tests.common import CrmCase, CrmHttpCase, make_company_user
from odoo.addons.crm_satisfaction.models.complaint_data import SLA_STATUSES
from odoo.addons.crm_satisfaction.models.crm_complaint_stage import (
    STAGE_ACKNOWLEDGE,
    STAGE_CONFIRM,
    WORKFLOW_STAGES,
)
from odoo.addons.crm_satisfaction.models.satisfaction_data import TRIGGER_PERIODIC

from .common import make_office_calendar

# a Monday at 16:00 UTC: one working hour left that day in the office calendar
MONDAY_16 = datetime(2026, 3, 2, 16, 0)
SLA_LOGGER = "odoo.addons.crm_satisfaction.models.crm_complaint_sla"
CAMPAIGN_LOGGER = "odoo.addons.crm_satisfaction.models.crm_satisfaction_campaign"


class BadInputCase(CrmCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env["res.company"].create({"name": "Bad Input Co"})
        cls.env.user.company_ids |= cls.company
        cls.env = cls.env(context=dict(cls.env.context, allowed_company_ids=cls.company.ids))
        cls.calendar = make_office_calendar(cls.env, cls.company, "Bad input office hours")
        cls.customer = cls.env["res.partner"].create(
            {"name": "Bad Input Customer", "is_company": True, "email": "bad@example.com"}
        )
        cls.Sla = cls.env["crm.complaint.sla"]

    @classmethod
    def make_sla(cls, **values):
        return cls.Sla.create(
            {
                "name": "Bad input policy",
                "sequence": -100,  # before every other policy
                "company_id": cls.company.id,
                "calendar_id": cls.calendar.id,
                "ack_hours": 2,
                "resolve_hours": 16,
                **values,
            }
        )

    def file(self, **values):
        return self.env["crm.complaint"].create(
            {
                "name": "Broken parts",
                "partner_id": self.customer.id,
                "company_id": self.company.id,
                "reported_date": MONDAY_16,
                **values,
            }
        )


@tagged("post_install", "-at_install")
class TestSlaBadInput(BadInputCase):
    def test_hours_out_of_bounds_refused(self):
        sla = self.make_sla()
        for values in (
            {"resolve_hours": 9000},
            {"ack_hours": 2001, "resolve_hours": 2001},
            {"resolve_hours": float("nan")},
            {"ack_hours": float("inf"), "resolve_hours": float("inf")},
        ):
            with self.subTest(values=values):
                with (
                    mute_logger("odoo.sql_db"),
                    self.assertRaisesRegex(CheckViolation, '"crm_complaint_sla_hours_max"'),
                    self.cr.savepoint(),
                ):
                    self.make_sla(**values)
                with (
                    mute_logger("odoo.sql_db"),
                    self.assertRaisesRegex(CheckViolation, '"crm_complaint_sla_hours_max"'),
                    self.cr.savepoint(),
                ):
                    sla.write(values)
                    sla.flush_recordset()
        sla.invalidate_recordset()
        self.assertEqual((sla.ack_hours, sla.resolve_hours), (2, 16))

    def test_calendar_unable_to_plan_refused(self):
        no_hours = self.env["resource.calendar"].create(
            {"name": "No working hours", "company_id": self.company.id, "attendance_ids": []}
        )
        self.assertFalse(no_hours.attendance_ids)
        mornings = self.env["resource.calendar"].create(
            {
                "name": "Monday mornings",
                "tz": "UTC",
                "company_id": self.company.id,
                "attendance_ids": [
                    (
                        0,
                        0,
                        {
                            "name": "Monday",
                            "dayofweek": "0",
                            "hour_from": 8,
                            "hour_to": 12,
                            "day_period": "morning",
                        },
                    )
                ],
            }
        )
        sla = self.make_sla()
        for calendar, hours in ((no_hours, 16), (mornings, 1000)):
            message = (
                f"The working hours “{calendar.name}” of SLA policy Bad input policy cannot "
                f"plan {hours} working hours"
            )
            with self.subTest(calendar=calendar.name):
                with self.assertRaisesRegex(ValidationError, message), self.cr.savepoint():
                    self.make_sla(calendar_id=calendar.id, resolve_hours=hours)
                with self.assertRaisesRegex(ValidationError, message), self.cr.savepoint():
                    sla.write({"calendar_id": calendar.id, "resolve_hours": hours})
        self.assertEqual((sla.calendar_id, sla.resolve_hours), (self.calendar, 16))
        # what the calendar can plan is accepted: 4 hours a week, 100 hours
        self.make_sla(calendar_id=mornings.id, resolve_hours=100)

    def test_complaint_filed_when_calendar_lost_its_hours(self):
        """Working hours removed after the policy was saved: the complaint is filed anyway, its
        deadlines counted in plain hours, and the fallback logged."""
        sla = self.make_sla()
        complaint = self.file()
        self.assertEqual(complaint.sla_id, sla)
        self.assertEqual(complaint.ack_deadline, datetime(2026, 3, 3, 9, 0))
        self.calendar.attendance_ids.unlink()
        with self.assertLogs(SLA_LOGGER, "WARNING") as logs:
            complaint = self.file()
        self.assertIn("cannot plan 2.0 hours", logs.output[0])
        self.assertRecordValues(
            complaint,
            [
                {
                    "sla_id": sla.id,
                    "ack_deadline": MONDAY_16 + timedelta(hours=2),
                    "resolve_deadline": MONDAY_16 + timedelta(hours=16),
                }
            ],
        )
        self.assertIn(complaint.sla_status, dict(SLA_STATUSES))
        # the escalation cron goes through it too (raising the priority of a breached
        # complaint plans its deadlines again, with the same fallback)
        with (
            patch.object(type(self.env["ir.cron"]), "_commit_progress", return_value=60.0),
            mute_logger(SLA_LOGGER),
        ):
            self.env["crm.complaint"]._cron_escalate()
        self.assertIn(complaint.sla_status, dict(SLA_STATUSES))

    def test_tier_of_a_policy_not_deleted(self):
        tier, other_tier = self.env["crm.customer.tier"].create(
            [
                {"name": "Bad Input Platinum", "code": "bad_input_platinum"},
                {"name": "Bad Input Bronze", "code": "bad_input_bronze"},
            ]
        )
        sla = self.make_sla(tier_ids=[(6, 0, tier.ids)])
        with self.assertRaisesRegex(
            UserError,
            "Tier Bad Input Platinum cannot be deleted: the SLA policies Bad input policy are "
            "restricted to it",
        ):
            tier.unlink()
        self.assertTrue(tier.exists())
        self.assertEqual(sla.tier_ids, tier)
        # archived, the tier keeps restricting its policy: no customer of another tier gets it
        tier.action_archive()
        self.assertFalse(sla._get_policy(self.company, other_tier, "1", False))
        self.assertEqual(sla._get_policy(self.company, tier, "1", False), sla)
        # a tier no policy uses goes
        other_tier.unlink()
        self.assertFalse(other_tier.exists())


@tagged("post_install", "-at_install")
class TestStagesBadInput(BadInputCase):
    def stages_serving(self, action):
        domain, order = WORKFLOW_STAGES[action]
        return self.env["crm.complaint.stage"].search(domain, order=order)

    def test_last_stage_of_an_action_kept(self):
        for action, change in (
            (STAGE_ACKNOWLEDGE, {"active": False}),
            (STAGE_ACKNOWLEDGE, {"is_waiting": True}),
            (STAGE_CONFIRM, {"active": False}),
            (STAGE_CONFIRM, {"is_closed": False}),
        ):
            with self.subTest(action=action, change=change):
                stages = self.stages_serving(action)
                self.assertTrue(stages)
                with (
                    self.assertRaisesRegex(
                        ValidationError, "cannot be archived, deleted or changed this way"
                    ),
                    self.cr.savepoint(),
                ):
                    stages.write(change)
                with (
                    self.assertRaisesRegex(
                        ValidationError, "cannot be archived, deleted or changed this way"
                    ),
                    self.cr.savepoint(),
                ):
                    stages.with_context(active_test=False).unlink()
                self.assertEqual(self.stages_serving(action), stages)
                # all but one may go; not the last one
                if len(stages) > 1:
                    stages[1:].write(change)
                with (
                    self.assertRaisesRegex(
                        ValidationError,
                        f"{stages[0].name} cannot be archived, deleted or changed this way",
                    ),
                    self.cr.savepoint(),
                ):
                    stages[0].write(change)
                self.assertEqual(self.stages_serving(action), stages[0])

    def test_actions_without_their_stage_refused(self):
        """Stages archived before the guard existed: the actions say so and move nothing."""
        sla = self.make_sla()
        complaint = self.file()
        closed = self.file()
        closing_stage = self.stages_serving(STAGE_CONFIRM)[0]
        closed.stage_id = closing_stage
        self.assertEqual(complaint.sla_id, sla)
        new_stage = complaint.stage_id
        self.env.flush_all()
        self.env.cr.execute(SQL("UPDATE crm_complaint_stage SET active = FALSE"))
        self.env["crm.complaint.stage"].invalidate_model()
        with self.assertRaisesRegex(UserError, "Acknowledging and reopening complaints need"):
            complaint.action_acknowledge()
        with self.assertRaisesRegex(UserError, "Confirming the resolution of complaints needs"):
            complaint.action_confirm_resolution()
        with self.assertRaisesRegex(UserError, "Acknowledging and reopening complaints need"):
            closed.action_reopen()
        self.assertRecordValues(
            complaint + closed,
            [
                {"stage_id": new_stage.id, "reopen_count": 0, "is_closed": False},
                {"stage_id": closing_stage.id, "reopen_count": 0, "is_closed": True},
            ],
        )
        self.assertFalse(complaint.acknowledged_date)
        self.assertFalse(complaint.customer_confirmed)


@tagged("post_install", "-at_install")
class TestCampaignBadInput(BadInputCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = make_company_user(
            cls.env,
            "bad_input_care_manager",
            "crm_satisfaction.crm_satisfaction_group_manager",
            cls.company,
        )
        cls.tag = cls.env["res.partner.category"].create({"name": "Bad input audience"})
        cls.audience = cls.env["res.partner"].create(
            [
                {
                    "name": f"Bad Input Audience {index}",
                    "is_company": True,
                    "email": f"audience{index}@example.com",
                    "category_id": [(4, cls.tag.id)],
                }
                for index in range(2)
            ]
        )
        cls.Campaign = cls.env["crm.satisfaction.campaign"]
        cls.campaign = cls.Campaign.create(
            {
                "name": "Bad input campaign",
                "company_id": cls.company.id,
                "survey_id": cls.env.ref("crm_satisfaction.survey_survey_csat").id,
                "trigger": TRIGGER_PERIODIC,
                "reminder_days": 0,
                "partner_domain": str([("category_id", "in", cls.tag.ids)]),
            }
        )

    def invitations(self, campaign):
        return self.env["survey.user_input"].search([("crm_campaign_id", "=", campaign.id)])

    def test_audience_with_unknown_field_refused(self):
        audience = self.campaign.partner_domain
        for partner_domain in ("[('nope', '=', 1)]", "[('name', '~~', 1)]", "5", "[1, 2]"):
            with self.subTest(partner_domain=partner_domain):
                message = "The audience of Bad input campaign is not a valid domain"
                with self.assertRaisesRegex(ValidationError, message), self.cr.savepoint():
                    self.Campaign.create(
                        {
                            "name": "Bad input campaign",
                            "company_id": self.company.id,
                            "survey_id": self.campaign.survey_id.id,
                            "partner_domain": partner_domain,
                        }
                    )
                with self.assertRaisesRegex(ValidationError, message), self.cr.savepoint():
                    self.campaign.partner_domain = partner_domain
                self.assertEqual(self.campaign.partner_domain, audience)

    def test_send_with_an_audience_saved_before_the_check(self):
        self.set_audience(self.campaign, "[('nope', '=', 1)]")
        with self.assertRaisesRegex(ValidationError, "is not a valid domain: Invalid field"):
            self.campaign.with_user(self.manager).action_send()
        self.assertFalse(self.invitations(self.campaign))

    def set_audience(self, campaign, partner_domain):
        """An audience saved before it was checked, as on a database of the previous version."""
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "UPDATE crm_satisfaction_campaign SET partner_domain = %s WHERE id = %s",
                partner_domain,
                campaign.id,
            )
        )
        campaign.invalidate_recordset(["partner_domain"])

    def test_daily_run_goes_on_after_a_failing_campaign(self):
        self.Campaign.search([("id", "!=", self.campaign.id)]).action_archive()
        broken = self.campaign.copy({"name": "Broken campaign"})
        self.set_audience(broken, "[('nope', '=', 1)]")
        # the broken campaign runs first
        later = self.campaign.copy({"name": "Later campaign"})
        self.campaign.action_archive()
        self.assertLess(broken.id, later.id)
        Cron = type(self.env["ir.cron"])
        with (
            patch.object(Cron, "_commit_progress", return_value=60.0) as progress,
            self.assertLogs(CAMPAIGN_LOGGER, "ERROR") as logs,
        ):
            self.Campaign._cron_run_campaigns()
        self.assertIn("Broken campaign", logs.output[0])
        self.assertIn("the other campaigns go on", logs.output[0])
        self.assertFalse(self.invitations(broken))
        self.assertEqual(self.invitations(later).partner_id, self.audience)
        self.assertEqual([call.args for call in progress.call_args_list], [(2,)])


@tagged("post_install", "-at_install")
class TestSatisfactionSettingsBounds(BadInputCase):
    def test_days_and_hours_out_of_bounds_refused(self):
        company = self.company
        fields = (
            "crm_survey_fatigue_days",
            "crm_satisfaction_window_days",
            "crm_complaint_window_days",
            "crm_followup_first_days",
            "crm_followup_horizon_days",
            "crm_complaint_escalation_hours",
        )
        cases = [(name, 1_000_000, "crm_satisfaction_days_max") for name in fields[:-1]]
        cases += [
            ("crm_complaint_escalation_hours", value, "crm_complaint_escalation_hours_max")
            for value in (1e6, float("inf"), float("nan"))
        ]
        self.assert_checks_refuse(company, cases)
        # the bounds are allowed, and the complaint counts run with them
        company.write({name: 3650 for name in fields[:-1]} | {fields[-1]: 8760})
        self.file(reported_date=datetime.now() - timedelta(days=3000))
        partner = self.customer.with_company(company)
        self.assertEqual(partner.crm_complaint_count_period, 1)

    def test_campaign_and_tier_days_out_of_bounds_refused(self):
        campaign = self.env["crm.satisfaction.campaign"].create(
            {
                "name": "Bounded campaign",
                "company_id": self.company.id,
                "survey_id": self.env.ref("crm_satisfaction.survey_survey_csat").id,
            }
        )
        tier = self.env["crm.customer.tier"].create({"name": "Bounded", "code": "bounded"})
        for record, field, constraint in (
            (campaign, "delay_days", "crm_satisfaction_campaign_days_max"),
            (campaign, "reminder_days", "crm_satisfaction_campaign_days_max"),
            (campaign, "interval_days", "crm_satisfaction_campaign_days_max"),
            (tier, "followup_interval_days", "crm_customer_tier_followup_interval_days_max"),
        ):
            with (
                self.subTest(field=field),
                mute_logger("odoo.sql_db"),
                self.assertRaisesRegex(CheckViolation, f'"{constraint}"'),
                self.cr.savepoint(),
            ):
                record.write({field: 1_000_000})
                record.flush_recordset()
        self.assertEqual((campaign.delay_days, tier.followup_interval_days), (7, 0))


@tagged("post_install", "-at_install")
class TestPortalFormBadInput(CrmHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env["res.company"].create({"name": "Bad Input Portal Co"})
        cls.env.user.company_ids |= cls.company
        cls.acme = cls.env["res.partner"].create(
            {"name": "Bad Input Acme", "is_company": True, "email": "acme@example.com"}
        )
        cls.alice = new_test_user(
            cls.env,
            login="bad_input_alice",
            password="bad_input_alice",
            email="alice@example.com",
            groups="base.group_portal",
            company_id=cls.company.id,
            company_ids=[(6, 0, cls.company.ids)],
        )
        cls.alice.partner_id.parent_id = cls.acme

    def setUp(self):
        super().setUp()
        self.authenticate("bad_input_alice", "bad_input_alice")

    def post(self, name, description):
        return self.url_open(
            "/my/complaints/new",
            data={
                "name": name,
                "description": description,
                "csrf_token": http.Request.csrf_token(self),
            },
            allow_redirects=False,
        )

    def complaints(self):
        return self.env["crm.complaint"].search([("partner_id", "=", self.alice.partner_id.id)])

    def test_nul_characters_dropped(self):
        response = self.post("Broken\x00 widget", "It broke\x00 on the first day.")
        self.assertEqual(response.status_code, 303)
        complaint = self.complaints()
        self.assertEqual(len(complaint), 1)
        self.assertEqual(complaint.name, "Broken widget")
        self.assertIn("It broke on the first day.", complaint.description)
        self.assertNotIn("\x00", complaint.description)

    def test_subject_and_description_too_long_refused(self):
        for name, description, error in (
            ("x" * 201, "Too long a subject.", "Please keep the subject to 200 characters."),
            ("Too long", "y" * 10001, "Please keep the description to 10000 characters."),
        ):
            with self.subTest(error=error):
                response = self.post(name, description)
                self.assertEqual(response.status_code, 200)
                self.assertIn(error, response.text)
                self.assertIn("o_complaint_portal_error", response.text)
                # what the customer typed is shown back, to shorten it
                self.assertIn(name, response.text)
        self.assertFalse(self.complaints())
        # the limits themselves are accepted; a line break the browser sends as CRLF counts once
        description = ("z" * 99 + "\r\n") * 100
        response = self.post("s" * 200, description)
        self.assertEqual(response.status_code, 303)
        complaint = self.complaints()
        self.assertEqual(complaint.name, "s" * 200)
        self.assertEqual(complaint.description.count("z" * 99), 100)
