"""What a response, a campaign and a customer show of the questions asked: a response names its
customer, campaign and day; an unasked or unanswered question is empty (NULL), never 0, which is
a real recommendation answer; figures are taken over the answers given; a closed campaign is
kept, with its figures, and sends nothing more."""

from datetime import date, datetime, timedelta
from unittest.mock import patch

from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import SQL

from odoo.addons.crm_lifecycle_tiering.tests.common import CrmCase
from odoo.addons.crm_satisfaction.models.satisfaction_data import (
    CAMPAIGN_CLOSED,
    CAMPAIGN_RUNNING,
    NPS_DETRACTOR,
    TRIGGER_COMPLAINT_CLOSED,
    TRIGGER_PERIODIC,
)


@tagged("post_install", "-at_install")
class TestSurveyFigures(CrmCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env["res.company"].create({"name": "Figures Co"})
        cls.env.user.company_ids |= cls.company
        cls.env = cls.env(context=dict(cls.env.context, allowed_company_ids=[cls.company.id]))
        cls.customers = cls.env["res.partner"].create(
            [
                {
                    "name": f"Figures Customer {index}",
                    "is_company": True,
                    "email": f"figures{index}@example.com",
                }
                for index in range(5)
            ]
        )
        cls.csat_survey = cls.env.ref("crm_satisfaction.survey_survey_csat")
        cls.nps_survey = cls.env.ref("crm_satisfaction.survey_survey_nps")
        cls.Campaign = cls.env["crm.satisfaction.campaign"]
        cls.Response = cls.env["crm.satisfaction.response"]
        cls.csat_campaign, cls.nps_campaign = cls.Campaign.create(
            [
                {
                    "name": "After-delivery CSAT",
                    "company_id": cls.company.id,
                    "survey_id": cls.csat_survey.id,
                    "partner_domain": str([("id", "in", cls.customers.ids)]),
                },
                {
                    "name": "Spring NPS",
                    "company_id": cls.company.id,
                    "survey_id": cls.nps_survey.id,
                    "partner_domain": str([("id", "in", cls.customers.ids)]),
                },
            ]
        )

    def respond(self, campaign, partner, day=None, **scores):
        return self.Response.create(
            {
                "partner_id": partner.id,
                "company_id": self.company.id,
                "campaign_id": campaign.id if campaign else False,
                "date": day or self.crm_today(self.company),
                **self.Response._prepare_score_values(scores),
            }
        )

    def stored(self, responses, *columns):
        """The values in the database (NULL as None), by response, in the order given."""
        responses.flush_recordset()
        rows = dict(
            self.env.execute_query(
                SQL(
                    "SELECT id, ARRAY[%s] FROM crm_satisfaction_response WHERE id = ANY(%s)",
                    SQL(", ").join(SQL.identifier(column) for column in columns),
                    responses.ids,
                )
            )
        )
        return [tuple(rows[response.id]) for response in responses]

    # ------------------------------------------------------------------ a response's name
    def test_response_display_name(self):
        day = date(2026, 3, 5)
        response = self.respond(self.csat_campaign, self.customers[0], day, csat=4)
        self.assertEqual(
            response.display_name, "Figures Customer 0 – After-delivery CSAT – 03/05/2026"
        )
        # answered outside a campaign: the survey names it
        user_input = self.nps_survey.sudo()._create_answer(
            partner=self.customers[1], check_attempts=False, crm_company_id=self.company.id
        )
        by_survey = self.respond(False, self.customers[1], day, nps=9)
        by_survey.user_input_id = user_input
        self.assertEqual(
            by_survey.display_name,
            f"Figures Customer 1 – {self.nps_survey.title} – 03/05/2026",
        )
        entered = self.respond(False, self.customers[2], day, csat=2)
        self.assertEqual(entered.display_name, "Figures Customer 2 – 03/05/2026")
        # found by its customer or its campaign
        self.assertEqual(
            self.Response.search([("display_name", "ilike", "Figures Customer 0")]), response
        )
        self.assertEqual(
            self.Response.search([("display_name", "ilike", "After-delivery")]), response
        )

    # ------------------------------------------------------------------ not asked is empty
    def test_questions_not_asked_are_empty(self):
        customer = self.customers[0]
        csat = self.respond(self.csat_campaign, customer, csat=5)
        nps_zero = self.respond(self.nps_campaign, customer, nps=0)
        nps_ten = self.respond(self.nps_campaign, customer, nps=10, ces=2)
        responses = csat | nps_zero | nps_ten
        measures = ("csat", "csat_satisfied", "nps", "nps_value", "ces")
        self.assertEqual(
            self.stored(responses, *measures),
            [(5, 100, None, None, None), (None, None, 0, -100, None), (None, None, 10, 100, 2)],
        )
        self.assertEqual(
            [(r.has_csat, r.has_nps, r.has_ces) for r in responses],
            [(True, False, False), (False, True, False), (False, True, True)],
        )
        self.assertEqual(nps_zero.nps_category, NPS_DETRACTOR, "0 is an answer: a detractor")
        # the averages of the pivot skip the questions not asked
        [(nps, nps_value, csat_avg, ces)] = self.Response._read_group(
            [("id", "in", responses.ids)], [], ["nps:avg", "nps_value:avg", "csat:avg", "ces:avg"]
        )
        self.assertEqual((nps, nps_value, csat_avg, ces), (5.0, 0.0, 5.0, 2.0))
        self.assertEqual(
            self.Response.search([("id", "in", responses.ids), ("has_nps", "=", True)]),
            nps_zero | nps_ten,
        )

    def test_response_day_is_the_company_s(self):
        """Answered on 5 March at 20:00 UTC: already 6 March in Shanghai, the company's day,
        still 5 March in New York, where the answer is recorded."""
        self.company.partner_id.tz = "Asia/Shanghai"
        user_input = self.csat_survey.sudo()._create_answer(
            partner=self.customers[0],
            check_attempts=False,
            crm_company_id=self.company.id,
            crm_campaign_id=self.csat_campaign.id,
        )
        question = self.csat_survey.question_ids.filtered("crm_indicator")
        user_input._save_lines(question, "4")
        user_input.end_datetime = datetime(2026, 3, 5, 20, 0)
        vals = self.Response.with_context(tz="America/New_York")._prepare_values(user_input)
        self.assertEqual(vals["date"], date(2026, 3, 6))

    # ------------------------------------------------------------------ campaign figures
    def test_campaign_figures_over_the_answers_given(self):
        for customer, score in zip(self.customers, (5, 4, 4, 2, 1), strict=True):
            self.respond(self.csat_campaign, customer, csat=score)
        for customer, score in zip(self.customers, (10, 9, 8, 0, 6), strict=True):
            self.respond(self.nps_campaign, customer, nps=score)
        campaigns = self.csat_campaign | self.nps_campaign
        campaigns.invalidate_recordset()

        def figures(campaign):
            return {
                name: campaign[name]
                for name in (
                    "asks_csat",
                    "asks_nps",
                    "response_count",
                    "csat_count",
                    "csat_percent",
                    "nps_count",
                    "promoter_count",
                    "passive_count",
                    "detractor_count",
                    "nps",
                )
            }

        self.assertEqual(
            figures(self.csat_campaign),
            {
                "asks_csat": True,
                "asks_nps": False,
                "response_count": 5,
                "csat_count": 5,
                "csat_percent": 60.0,
                "nps_count": 0,
                "promoter_count": 0,
                "passive_count": 0,
                "detractor_count": 0,
                "nps": 0.0,
            },
        )
        self.assertEqual(
            figures(self.nps_campaign),
            {
                "asks_csat": False,
                "asks_nps": True,
                "response_count": 5,
                "csat_count": 0,
                "csat_percent": 0.0,
                "nps_count": 5,
                "promoter_count": 2,
                "passive_count": 1,
                "detractor_count": 2,
                "nps": 0.0,  # 40 % promoters - 40 % detractors
            },
        )
        # one more promoter: 3 of 6 promoters, 2 of 6 detractors
        self.respond(self.nps_campaign, self.customers[0], nps=9)
        self.nps_campaign.invalidate_recordset()
        self.assertEqual(self.nps_campaign.nps, 16.7, "100 * (3 - 2) / 6, one decimal")
        self.assertEqual(self.nps_campaign.promoter_count, 3)

    # ------------------------------------------------------------------ customer figures
    def test_customer_promoters_passives_detractors(self):
        customer, csat_only = self.customers[:2]
        today = self.crm_today(self.company)
        for days, score in ((10, 10), (40, 9), (60, 7), (90, 0), (400, 10)):
            self.respond(self.nps_campaign, customer, today - timedelta(days=days), nps=score)
        self.respond(self.csat_campaign, customer, today - timedelta(days=5), csat=4)
        self.respond(self.csat_campaign, csat_only, today - timedelta(days=5), csat=3)
        self.env["res.partner"]._crm_refresh_satisfaction(customer | csat_only, self.company)

        def figures(partner):
            partner = partner.with_company(self.company)
            return (
                partner.crm_nps_promoter_count,
                partner.crm_nps_passive_count,
                partner.crm_nps_detractor_count,
                partner.crm_nps,
                partner.crm_nps_last,
                partner.crm_nps_category,
                partner.crm_csat_last,
            )

        # within the 365-day window: 2 promoters, 1 passive, 1 detractor -> NPS 25
        self.assertEqual(figures(customer), (2, 1, 1, 25.0, 10, "promoter", 4))
        # never asked for a recommendation: no category, no counts
        self.assertEqual(figures(csat_only), (0, 0, 0, 0.0, 0, False, 3))
        # a shorter window: the last two answers only
        self.company.crm_satisfaction_window_days = 45
        self.env["res.partner"]._crm_refresh_satisfaction(customer, self.company)
        self.assertEqual(figures(customer)[:4], (2, 0, 0, 100.0))

    # ------------------------------------------------------------------ closing a campaign
    def test_closed_campaign_is_kept_and_sends_nothing(self):
        campaign = self.nps_campaign
        campaign.trigger = TRIGGER_PERIODIC
        self.csat_campaign.action_archive()
        self.respond(campaign, self.customers[0], nps=9)
        self.assertEqual(campaign.state, CAMPAIGN_RUNNING)
        campaign.action_close()
        self.assertEqual(
            (campaign.state, campaign.closed_date, campaign.active),
            (CAMPAIGN_CLOSED, self.crm_today(self.company), True),
        )
        self.assertIn(campaign, self.Campaign.search([]), "listed, not archived")
        self.assertEqual(campaign.promoter_count, 1, "its figures are kept")
        invitations = self.env["survey.user_input"].search
        with patch.object(type(self.env["ir.cron"]), "_commit_progress", return_value=60.0):
            self.Campaign._cron_run_campaigns()
        self.assertFalse(invitations([("crm_campaign_id", "=", campaign.id)]))
        with self.assertRaisesRegex(UserError, "Spring NPS is closed: reopen it"):
            campaign.action_send()
        # closing a complaint invites through running campaigns only
        campaign.trigger = TRIGGER_COMPLAINT_CLOSED
        complaint = self.env["crm.complaint"].create(
            {"name": "Late", "partner_id": self.customers[1].id, "company_id": self.company.id}
        )
        self.assertFalse(self.Campaign._trigger_complaint_closed(complaint))
        # reopened, it sends again
        campaign.action_reopen()
        self.assertEqual((campaign.state, campaign.closed_date), (CAMPAIGN_RUNNING, False))
        self.assertEqual(
            self.Campaign._trigger_complaint_closed(complaint).partner_id, self.customers[1]
        )
        campaign.trigger = TRIGGER_PERIODIC
        with patch.object(type(self.env["ir.cron"]), "_commit_progress", return_value=60.0):
            self.Campaign._cron_run_campaigns()
        self.assertEqual(
            len(invitations([("crm_campaign_id", "=", campaign.id)])), len(self.customers)
        )
