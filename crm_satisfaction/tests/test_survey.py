from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.tests import new_test_user, tagged

from odoo.addons.crm_lifecycle_tiering.tests.common import CrmCase
from odoo.addons.crm_satisfaction.models.satisfaction_data import (
    NPS_DETRACTOR,
    NPS_PASSIVE,
    NPS_PROMOTER,
    TREND_DOWN,
    TRIGGER_ORDER_CONFIRMED,
    TRIGGER_PERIODIC,
)

from .common import age_invitations, make_audience


@tagged("post_install", "-at_install")
class TestSatisfactionSurvey(CrmCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env["res.company"].create(
            {"name": "Survey Test Co", "crm_survey_fatigue_days": 30}
        )
        cls.env.user.company_ids |= cls.company
        cls.env = cls.env(context=dict(cls.env.context, allowed_company_ids=[cls.company.id]))
        cls.manager = new_test_user(
            cls.env,
            login="sat_manager",
            groups="crm_satisfaction.crm_satisfaction_group_manager,sales_team.group_sale_salesman",
            company_id=cls.company.id,
            company_ids=[cls.company.id],
        )
        cls.public_user = cls.env.ref("base.public_user")
        cls.salesperson, cls.tag, cls.customers = make_audience(
            cls.env,
            cls.company,
            login="sat_salesperson",
            tag="Surveyed in tests",
            name="Survey Customer {}",
            email="customer{}@example.com",
            count=6,
        )
        cls.nps_survey = cls.env.ref("crm_satisfaction.survey_survey_nps")
        cls.nps_question = cls.env.ref("crm_satisfaction.survey_question_nps_score")
        cls.nps_comment = cls.env.ref("crm_satisfaction.survey_question_nps_comment")
        cls.csat_survey = cls.env.ref("crm_satisfaction.survey_survey_csat")
        cls.csat_question = cls.env.ref("crm_satisfaction.survey_question_csat_score")
        cls.Campaign = cls.env["crm.satisfaction.campaign"]
        cls.Response = cls.env["crm.satisfaction.response"]
        cls.nps_campaign = cls.Campaign.create(
            {
                "name": "NPS test",
                "company_id": cls.company.id,
                "survey_id": cls.nps_survey.id,
                "partner_domain": str([("category_id", "in", [cls.tag.id])]),
            }
        )

    # helpers -----------------------------------------------------------------------------

    def answer(self, user_input, question, score, comment=None):
        """Fills an invitation as the public visitor who holds its token, as survey's
        controller does (strings as posted by the form; '' is an empty answer)."""
        answer = (
            self.env["survey.user_input"]
            .with_user(self.public_user)
            .sudo()
            .search([("access_token", "=", user_input.access_token)])
        )
        self.assertEqual(answer, user_input)
        answer._save_lines(question, score)
        if comment:
            answer._save_lines(self.nps_comment, comment)
        answer._mark_done()
        return self.Response.search([("user_input_id", "=", user_input.id)])

    def invitations(self, campaign):
        return self.env["survey.user_input"].search([("crm_campaign_id", "=", campaign.id)])

    def invitation_mails(self, user_inputs):
        return self.env["mail.mail"].search(
            [("model", "=", "survey.user_input"), ("res_id", "in", user_inputs.ids)]
        )

    # tests -------------------------------------------------------------------------------

    def test_invitation_token_public_answer(self):
        self.nps_campaign.with_user(self.manager).action_send()
        invitations = self.invitations(self.nps_campaign)
        self.assertEqual(invitations.partner_id, self.customers)
        self.assertEqual(len(invitations), 6)
        self.assertTrue(all(invitations.mapped("access_token")))
        self.assertEqual(invitations.crm_company_id, self.company)
        mails = self.invitation_mails(invitations)
        self.assertEqual(len(mails), 6)
        invitation = invitations.filtered(lambda ui: ui.partner_id == self.customers[0])
        mail = mails.filtered(lambda mail: mail.res_id == invitation.id)
        self.assertEqual(mail.recipient_ids, self.customers[0])
        self.assertIn(invitation.access_token, str(mail.body_html))

        response = self.answer(invitation, self.nps_question, "3", comment="Late delivery")
        self.assertEqual(invitation.state, "done")
        self.assertEqual(response.partner_id, self.customers[0])
        self.assertEqual(response.company_id, self.company)
        self.assertEqual(response.campaign_id, self.nps_campaign)
        self.assertEqual(response.nps, 3)
        self.assertEqual(response.nps_category, NPS_DETRACTOR)
        self.assertEqual(response.nps_value, -100)
        self.assertEqual(response.comment, "Late delivery")
        self.assertEqual(response.user_id, self.salesperson)
        partner = self.customers[0].with_company(self.company)
        self.assertEqual(partner.crm_nps_last, 3)
        self.assertEqual(partner.crm_nps_category, NPS_DETRACTOR)
        self.assertEqual(partner.crm_response_count, 1)
        self.assertEqual(partner.crm_last_surveyed_date, self.crm_today(self.company))

    def test_fatigue_and_audience(self):
        first_three = self.customers[:3]
        self.nps_campaign.partner_domain = str([("id", "in", first_three.ids)])
        self.nps_campaign.action_send()
        self.assertEqual(self.invitations(self.nps_campaign).partner_id, first_three)
        # fatigue is shared by all campaigns of the company
        csat_campaign = self.Campaign.create(
            {
                "name": "CSAT test",
                "company_id": self.company.id,
                "survey_id": self.csat_survey.id,
                "partner_domain": str([("category_id", "in", [self.tag.id])]),
            }
        )
        csat_campaign.action_send()
        self.assertEqual(self.invitations(csat_campaign).partner_id, self.customers[3:])
        # nobody left: sending again invites nobody
        self.nps_campaign.action_send()
        csat_campaign.action_send()
        self.assertEqual(len(self.invitations(self.nps_campaign)), 3)
        self.assertEqual(len(self.invitations(csat_campaign)), 3)
        # after the fatigue period, the audience can be invited again
        age_invitations(self.invitations(self.nps_campaign), 31)
        self.nps_campaign.action_send()
        self.assertEqual(len(self.invitations(self.nps_campaign)), 6)
        # a customer without email or outside the audience is never invited
        self.assertNotIn(
            self.env.ref("base.partner_admin"), self.invitations(csat_campaign).partner_id
        )

    def test_nps_and_csat_maths(self):
        self.nps_campaign.action_send()
        invitations = self.invitations(self.nps_campaign).sorted(lambda ui: ui.partner_id.id)
        responses = self.Response
        for invitation, score in zip(invitations, ["10", "9", "8", "0", ""], strict=False):
            responses |= self.answer(invitation, self.nps_question, score)
        self.assertEqual(len(responses), 5)
        self.assertEqual(
            responses.mapped("nps_category"),
            [NPS_PROMOTER, NPS_PROMOTER, NPS_PASSIVE, NPS_DETRACTOR, False],
        )
        [(count, nps, answered)] = self.Response._read_group(
            [("id", "in", responses.ids)], [], ["__count", "nps_value:avg", "nps:count"]
        )
        self.assertEqual(count, 5)
        self.assertEqual(answered, 4, "the empty answer has no value (NULL), 0 has one")
        self.assertEqual(nps, 25.0, "(2 promoters - 1 detractor) / 4 answers")
        self.nps_campaign.invalidate_recordset()
        self.assertEqual(self.nps_campaign.nps, 25.0)
        self.assertEqual(self.nps_campaign.invited_count, 6)
        self.assertEqual(self.nps_campaign.responded_count, 5)
        self.assertEqual(self.nps_campaign.response_rate, 83.3, "5 of 6, one decimal")
        self.assertEqual(
            self.customers[3].with_company(self.company).crm_nps_category, NPS_DETRACTOR
        )

        # CSAT: 5, 4, 3, 1 and an empty answer -> 50% satisfied, average 3.25
        age_invitations(invitations, 31)
        csat_campaign = self.Campaign.create(
            {
                "name": "CSAT maths",
                "company_id": self.company.id,
                "survey_id": self.csat_survey.id,
                "partner_domain": self.nps_campaign.partner_domain,
            }
        )
        csat_campaign.action_send()
        csat_invitations = self.invitations(csat_campaign).sorted(lambda ui: ui.partner_id.id)
        csat_responses = self.Response
        for invitation, score in zip(csat_invitations, ["5", "4", "3", "1", ""], strict=False):
            csat_responses |= self.answer(invitation, self.csat_question, score)
        [(csat, satisfied, nps_none)] = self.Response._read_group(
            [("id", "in", csat_responses.ids)], [], ["csat:avg", "csat_satisfied:avg", "nps:count"]
        )
        self.assertEqual(csat, 3.25)
        self.assertEqual(satisfied, 50.0)
        self.assertEqual(nps_none, 0, "a CSAT survey gives no NPS value")
        csat_campaign.invalidate_recordset()
        self.assertEqual(csat_campaign.csat_percent, 50.0)

    def test_low_score_loop(self):
        self.company.crm_satisfaction_open_complaint = True
        self.nps_campaign.action_send()
        invitations = self.invitations(self.nps_campaign).sorted(lambda ui: ui.partner_id.id)
        unhappy_type = self.env.ref("crm_satisfaction.mail_activity_type_unhappy_customer")
        Complaint = self.env["crm.complaint"]
        complaints_before = Complaint.search_count([])

        self.answer(invitations[0], self.nps_question, "10")
        self.answer(invitations[1], self.nps_question, "7")
        self.answer(invitations[2], self.nps_question, "0", comment="Nobody answers the phone")
        activities = self.env["mail.activity"].search(
            [("res_model", "=", "res.partner"), ("res_id", "in", self.customers.ids)]
        )
        self.assertEqual(len(activities), 1)
        self.assertEqual(activities.res_id, invitations[2].partner_id.id)
        self.assertEqual(activities.activity_type_id, unhappy_type)
        self.assertEqual(activities.user_id, self.salesperson)
        self.assertIn("Nobody answers the phone", str(activities.note))
        complaints = Complaint.search([], order="id desc", limit=1)
        self.assertEqual(Complaint.search_count([]), complaints_before + 1)
        self.assertEqual(complaints.partner_id, invitations[2].partner_id)
        self.assertEqual(complaints.company_id, self.company)

    def test_low_score_summary_in_the_salesperson_s_language(self):
        """The unhappy answer's activity is read by the salesperson: its summary is written in
        their language, whatever the language of the customer who answered."""
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"].search([("name", "=", "crm_satisfaction")])._load_module_terms(
            ["crm_satisfaction"], ["zh_CN"]
        )
        self.salesperson.lang = "zh_CN"
        self.customers.lang = "en_US"
        self.nps_campaign.action_send()
        invitation = self.invitations(self.nps_campaign).sorted(lambda ui: ui.partner_id.id)[0]
        self.answer(invitation, self.nps_question, "3")
        activity = self.env["mail.activity"].search(
            [("res_model", "=", "res.partner"), ("res_id", "=", invitation.partner_id.id)]
        )
        self.assertEqual(
            activity.summary,
            f"不满意客户：{invitation.partner_id.name} 的推荐意愿评分为 3/10",
        )

    def setUp(self):
        super().setUp()
        # the cron commits its progress after each campaign: keep the test transaction
        self.progress = []
        patcher = patch.object(
            type(self.env["ir.cron"]),
            "_commit_progress",
            side_effect=lambda processed=0, remaining=None, deactivate=False: (
                self.progress.append((processed, remaining)) or 60.0
            ),
        )
        patcher.start()
        self.addCleanup(patcher.stop)

    def test_cron_sends_big_campaigns_in_resumable_batches(self):
        """Invitations and reminders go by batches, each committed; a run out of time stops,
        and the re-triggered run carries on without inviting or reminding anybody twice."""
        # only the campaigns of this test run
        self.Campaign.search([]).action_archive()
        self.nps_campaign.write({"active": True, "trigger": TRIGGER_PERIODIC})
        other_tag = self.env["res.partner.category"].create({"name": "Second audience"})
        others = self.env["res.partner"].create(
            [
                {
                    "name": f"Second Customer {index}",
                    "is_company": True,
                    "email": f"second{index}@example.com",
                    "category_id": [(4, other_tag.id)],
                }
                for index in range(2)
            ]
        )
        second = self.nps_campaign.copy(
            {
                "name": "Second NPS",
                "trigger": TRIGGER_PERIODIC,
                "partner_domain": str([("category_id", "in", [other_tag.id])]),
            }
        )
        Cron = type(self.env["ir.cron"])
        Partner = type(self.env["res.partner"])
        # out of time after the first batch of 4 of the 6 customers of the first campaign
        with (
            patch.object(Cron, "_commit_progress", return_value=0) as progress,
            patch.object(Partner, "_crm_cron_refresh_satisfaction") as refresh,
        ):
            self.Campaign._cron_run_campaigns(batch_size=4)
        # 2 customers left in this campaign, 1 campaign not reached yet
        self.assertEqual(
            [(call.args, call.kwargs) for call in progress.call_args_list],
            [((4,), {"remaining": 3})],
        )
        refresh.assert_not_called()
        invitations = self.invitations(self.nps_campaign)
        self.assertEqual(invitations.partner_id, self.customers[:4])
        self.assertEqual(len(self.invitation_mails(invitations)), 4)
        self.assertFalse(self.invitations(second))

        # the re-triggered run: the 2 customers left, then the second campaign
        self.Campaign._cron_run_campaigns(batch_size=4)
        self.assertEqual(self.progress, [(2, 1), (2, 0)])
        invitations = self.invitations(self.nps_campaign)
        self.assertEqual(len(invitations), 6)
        self.assertEqual(invitations.partner_id, self.customers)
        self.assertEqual(len(self.invitation_mails(invitations)), 6)
        self.assertEqual(self.invitations(second).partner_id, others)
        # nothing due: nothing sent, nothing committed
        self.progress.clear()
        self.Campaign._cron_run_campaigns(batch_size=4)
        self.assertEqual(self.progress, [])
        self.assertEqual(len(self.invitations(self.nps_campaign)), 6)

        # reminders go by batches too, and resume the same way
        self.answer(invitations[0], self.nps_question, "9")
        age_invitations(invitations | self.invitations(second), 6)
        with patch.object(Cron, "_commit_progress", return_value=0) as progress:
            self.Campaign._cron_run_campaigns(batch_size=4)
        self.assertEqual(progress.call_args_list[0].args, (4,))
        self.assertEqual(progress.call_args_list[0].kwargs, {"remaining": 1 + 1})
        self.assertEqual(len(invitations.filtered("crm_reminder_date")), 4)
        self.progress.clear()
        self.Campaign._cron_run_campaigns(batch_size=4)
        self.assertEqual(self.progress, [(1, 1), (2, 0)])
        self.assertEqual(len(invitations.filtered("crm_reminder_date")), 5)
        self.assertEqual(len(self.invitation_mails(invitations)), 6 + 5)
        self.assertEqual(len(self.invitations(second).filtered("crm_reminder_date")), 2)

    def test_after_order_cron_in_batches(self):
        """After-order campaigns batch customers too: one invitation per customer, about its
        earliest due order, whatever the batch its orders fall in."""
        self.Campaign.search([]).action_archive()
        self.nps_campaign.write(
            {"active": True, "trigger": TRIGGER_ORDER_CONFIRMED, "delay_days": 3}
        )
        product = self.env["product.product"].create(
            {"name": "Batch Service", "type": "service", "list_price": 50}
        )
        buyers = [self.customers[0], self.customers[0], self.customers[1], self.customers[2]]
        orders = self.env["sale.order"].create(
            [
                {
                    "partner_id": partner.id,
                    "company_id": self.company.id,
                    "order_line": [(0, 0, {"product_id": product.id, "tax_ids": False})],
                }
                for partner in buyers
            ]
        )
        orders.action_confirm()
        now = fields.Datetime.now()
        for order, days in zip(orders, (3, 4, 3, 5), strict=True):
            order.date_order = now - timedelta(days=days)
        self.Campaign._cron_run_campaigns(batch_size=2)
        self.assertEqual(self.progress, [(2, 1), (1, 0)])
        invitations = self.invitations(self.nps_campaign)
        self.assertEqual(
            {(ui.partner_id, ui.crm_sale_order_id) for ui in invitations},
            {
                (self.customers[0], orders[1]),
                (self.customers[1], orders[2]),
                (self.customers[2], orders[3]),
            },
        )
        self.progress.clear()
        self.Campaign._cron_run_campaigns(batch_size=2)
        self.assertEqual(self.progress, [])
        self.assertEqual(self.invitations(self.nps_campaign), invitations)

    def test_periodic_cron_idempotent_with_reminders(self):
        self.nps_campaign.write({"trigger": TRIGGER_PERIODIC, "interval_days": 90})
        Campaign = self.Campaign
        Campaign._cron_run_campaigns()
        invitations = self.invitations(self.nps_campaign)
        self.assertEqual(len(invitations), 6)
        self.assertEqual(len(self.invitation_mails(invitations)), 6)
        Campaign._cron_run_campaigns()
        self.assertEqual(len(self.invitations(self.nps_campaign)), 6, "second run sends nothing")
        self.assertEqual(len(self.invitation_mails(invitations)), 6)

        # 6 days later, 5 unanswered invitations are reminded once
        self.answer(invitations[0], self.nps_question, "9")
        age_invitations(invitations, 6)
        Campaign._cron_run_campaigns()
        self.assertEqual(len(self.invitation_mails(invitations)), 11)
        self.assertEqual(len(invitations.filtered("crm_reminder_date")), 5)
        Campaign._cron_run_campaigns()
        self.assertEqual(len(self.invitation_mails(invitations)), 11)
        # past the fatigue period but within the interval: still nothing
        age_invitations(invitations, 40)
        Campaign._cron_run_campaigns()
        self.assertEqual(len(self.invitations(self.nps_campaign)), 6)
        # past the interval: everybody again
        age_invitations(invitations, 50)
        Campaign._cron_run_campaigns()
        self.assertEqual(len(self.invitations(self.nps_campaign)), 12)

    def test_periodic_interval_per_tier(self):
        """A customer whose tier sets a survey interval is invited again after it; the others
        after the campaign's."""
        self.nps_campaign.write({"trigger": TRIGGER_PERIODIC, "interval_days": 180})
        Tier = self.env["crm.customer.tier"]
        quarterly = Tier.create(
            {"name": "Survey quarterly", "code": "survey_quarterly", "survey_interval_days": 90}
        )
        monthly = Tier.create(
            {"name": "Survey monthly", "code": "survey_monthly", "survey_interval_days": 30}
        )
        for customer, tier in zip(self.customers, (quarterly, quarterly, monthly), strict=False):
            customer.with_company(self.company).sudo().crm_tier_id = tier
        Campaign = self.Campaign
        Campaign._cron_run_campaigns()
        first = self.invitations(self.nps_campaign)
        self.assertEqual(len(first), 6)
        # 35 days on (past the fatigue period): the monthly tier's customer only
        age_invitations(first, 35)
        Campaign._cron_run_campaigns()
        invitations = self.invitations(self.nps_campaign)
        self.assertEqual((invitations - first).partner_id, self.customers[2])
        # 95 days after the first: the quarterly ones and the monthly one again, not the
        # customers without a tier (the campaign's 180 days)
        age_invitations(invitations, 60)
        Campaign._cron_run_campaigns()
        latest = self.invitations(self.nps_campaign) - invitations
        self.assertEqual(latest.partner_id, self.customers[:3])
        # what the tier entitles its customers to says it
        self.assertIn(
            "Satisfaction survey every 90 days",
            quarterly.with_company(self.company).with_context(lang="en_US").entitlement_summary,
        )

    def test_after_order_trigger(self):
        self.nps_campaign.write({"trigger": TRIGGER_ORDER_CONFIRMED, "delay_days": 3})
        product = self.env["product.product"].create(
            {"name": "Survey Service", "type": "service", "list_price": 50}
        )
        orders = self.env["sale.order"].create(
            [
                {
                    "partner_id": partner.id,
                    "company_id": self.company.id,
                    "order_line": [(0, 0, {"product_id": product.id, "tax_ids": False})],
                }
                for partner in (self.customers[0], self.customers[0], self.customers[1])
            ]
        )
        orders.action_confirm()
        now = fields.Datetime.now()
        orders[0].date_order = now - timedelta(days=3)
        orders[1].date_order = now - timedelta(days=4)
        orders[2].date_order = now  # not due yet
        self.Campaign._cron_run_campaigns()
        invitations = self.invitations(self.nps_campaign)
        self.assertEqual(len(invitations), 1, "one invitation per customer")
        self.assertEqual(invitations.partner_id, self.customers[0])
        self.assertEqual(invitations.crm_sale_order_id, orders[1], "the earliest due order")
        self.Campaign._cron_run_campaigns()
        self.assertEqual(self.invitations(self.nps_campaign), invitations)
        # answering ties the response to the order
        response = self.answer(invitations, self.nps_question, "8")
        self.assertEqual(response.sale_order_id, orders[1])

    def test_complaint_closed_trigger(self):
        self.nps_campaign.trigger = "complaint_closed"
        closed = self.env.ref("crm_satisfaction.crm_complaint_stage_closed")
        complaints = self.env["crm.complaint"].create(
            [
                {"name": "Late", "partner_id": partner.id, "company_id": self.company.id}
                for partner in self.customers[:2]
            ]
        )
        # closing the complaints is what invites their customers
        complaints.stage_id = closed
        invited = self.invitations(self.nps_campaign)
        self.assertEqual(invited.partner_id, self.customers[:2])
        self.assertEqual(sorted(invited.mapped("crm_complaint_res_id")), sorted(complaints.ids))
        # reopened and closed again within the fatigue period: no second survey
        complaints.action_reopen()
        complaints.stage_id = closed
        self.assertEqual(self.invitations(self.nps_campaign), invited)

    def test_partner_fields_and_trend(self):
        partner = self.customers[5]
        today = self.crm_today(self.company)
        Response = self.Response
        vals = {"partner_id": partner.id, "company_id": self.company.id}
        Response.create(
            [
                {
                    **vals,
                    "date": today - timedelta(days=120),
                    **Response._prepare_score_values({"csat": 5}),
                },
                {
                    **vals,
                    "date": today - timedelta(days=100),
                    **Response._prepare_score_values({"csat": 4, "nps": 9}),
                },
                {
                    **vals,
                    "date": today - timedelta(days=10),
                    **Response._prepare_score_values({"csat": 2, "nps": 0}),
                },
                {**vals, "date": today - timedelta(days=5), **Response._prepare_score_values({})},
                {
                    **vals,
                    "date": today - timedelta(days=400),
                    **Response._prepare_score_values({"csat": 1}),
                },
            ]
        )
        self.env["res.partner"]._crm_refresh_satisfaction(partner, self.company)
        partner = partner.with_company(self.company)
        self.assertEqual(partner.crm_csat_last, 2)
        self.assertEqual(partner.crm_csat_avg, 3.67, "(5 + 4 + 2) / 3 within 365 days")
        self.assertEqual(partner.crm_nps_last, 0)
        self.assertEqual(partner.crm_nps_category, NPS_DETRACTOR)
        self.assertEqual(partner.crm_response_count, 5)
        self.assertEqual(partner.crm_last_surveyed_date, today - timedelta(days=5))
        # recent average 25 (CSAT 2) against 87.5 before: declining
        self.assertEqual(partner.crm_satisfaction_trend, TREND_DOWN)
        self.assertFalse(self.customers[4].with_company(self.company).crm_satisfaction_trend)
