from odoo.tests import tagged

from odoo.addons.crm_lifecycle_tiering.tests.common import CrmHttpCase


@tagged("post_install", "-at_install")
class TestSurveyScreens(CrmHttpCase):
    """The survey and follow-up screens of the demo database, at a laptop's width."""

    browser_size = "1440x900"

    def test_campaigns_and_responses_show_the_questions_asked(self):
        """Surveys > Campaigns lists the demo campaigns, closed; a CSAT campaign and its
        responses show no recommendation, an NPS one no CSAT; a response is named in the
        breadcrumb (static/tests/tours/crm_satisfaction_survey_tour.js)."""
        for xmlid in ("demo_nps", "demo_csat"):
            campaign = self.env.ref(f"crm_satisfaction.crm_satisfaction_campaign_{xmlid}")
            self.assertTrue(campaign.active and campaign.response_ids)
        self.start_tour("/odoo", "crm_satisfaction_survey_tour", login="admin")

    def test_followup_lists_read_in_full(self):
        for action in (
            "crm_satisfaction.crm_followup_action",
            "crm_satisfaction.res_partner_action_followup_due",
            "crm_satisfaction.crm_satisfaction_campaign_action",
            "crm_satisfaction.crm_satisfaction_response_action",
            "crm_satisfaction.crm_greeting_occasion_action",
        ):
            with self.subTest(action=action):
                self.start_tour(
                    f"/odoo/action-{action}", "crm_followup_list_readable_tour", login="admin"
                )

    def test_tier_interval_says_its_unit_once(self):
        self.start_tour(
            "/odoo/action-crm_lifecycle_tiering.crm_customer_tier_action",
            "crm_followup_tier_interval_tour",
            login="admin",
        )
