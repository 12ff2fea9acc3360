"""The demo data (always installed in the test database) shows its survey campaigns with their
answers, and customers worked as a company does: follow-ups done at each interval, the next ones
due over the coming weeks, a few a day or two late."""

from collections import defaultdict
from datetime import timedelta

import pytz

from odoo.tests import tagged

from odoo.addons.crm_lifecycle_tiering.tests.common import CrmCase
from odoo.addons.crm_satisfaction.models.crm_followup import FOLLOWUP_STAGES
from odoo.addons.crm_satisfaction.models.followup_data import FOLLOWUP_ACTIVITY_TYPE_XMLID
from odoo.addons.crm_satisfaction.models.satisfaction_data import CAMPAIGN_CLOSED


@tagged("post_install", "-at_install")
class TestSatisfactionDemo(CrmCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.ref("base.main_company")
        # the demo is dated from its install day
        cls.today = cls.install_today()
        cls.nps_campaign = cls.env.ref("crm_satisfaction.crm_satisfaction_campaign_demo_nps")
        cls.csat_campaign = cls.env.ref("crm_satisfaction.crm_satisfaction_campaign_demo_csat")

    def test_demo_campaigns_are_listed_closed_with_their_answers(self):
        campaigns = self.nps_campaign | self.csat_campaign
        self.assertEqual(campaigns.mapped("active"), [True, True])
        self.assertLessEqual(campaigns, self.env["crm.satisfaction.campaign"].search([]))
        self.assertEqual(campaigns.mapped("state"), [CAMPAIGN_CLOSED, CAMPAIGN_CLOSED])
        self.assertTrue(all(campaigns.mapped("closed_date")))
        # run by a person, not by the system user that loads the demo
        self.assertEqual(campaigns.user_id, self.env.ref("base.user_admin"))
        self.assertEqual(sum(campaigns.mapped("response_count")), 150)
        nps, csat = self.nps_campaign, self.csat_campaign
        # each shows the figures of its own question only
        self.assertEqual((nps.asks_nps, nps.asks_csat, nps.csat_count), (True, False, 0))
        self.assertEqual((csat.asks_nps, csat.asks_csat, csat.nps_count), (False, True, 0))
        self.assertEqual(nps.nps_count, nps.response_count)
        self.assertEqual(
            nps.promoter_count + nps.passive_count + nps.detractor_count, nps.response_count
        )
        self.assertTrue(nps.promoter_count and nps.passive_count and nps.detractor_count)
        self.assertEqual(csat.csat_count, csat.response_count)
        self.assertFalse(csat.response_ids.filtered("has_nps"))
        self.assertFalse(nps.response_ids.filtered("has_csat"))

    def test_demo_answers_are_dated_on_the_company_s_days(self):
        # the demo was dated in the company's zone of the installation, before the tests
        # pinned theirs
        tz = pytz.timezone(self.install_tz)
        responses = (self.nps_campaign | self.csat_campaign).response_ids
        for response in responses:
            answered = pytz.utc.localize(response.user_input_id.end_datetime).astimezone(tz)
            self.assertEqual(response.date, answered.date())
        self.assertGreaterEqual(min(responses.mapped("date")), self.today - timedelta(days=180))
        self.assertLess(max(responses.mapped("date")), self.today)

    def test_demo_followups_keep_customers_worked(self):
        Partner = self.env["res.partner"].with_company(self.company)
        customers = Partner.search(
            [
                ("crm_lifecycle_stage", "in", FOLLOWUP_STAGES),
                ("crm_followup_next_date", "!=", False),
            ]
        )
        self.assertGreaterEqual(len(customers), 30)
        followups = self.env["crm.followup"].search([("company_id", "=", self.company.id)])
        by_customer = defaultdict(list)
        for followup in followups.sorted("date"):
            by_customer[followup.partner_id].append(followup)
        # past follow-ups done, each with its day, outcome, note and salesperson
        self.assertGreaterEqual(len(followups), 2 * len(customers))
        self.assertLess(max(followups.mapped("date")), self.today)
        self.assertTrue(all(followups.mapped("note")))
        self.assertTrue(all(followups.mapped("outcome")))
        self.assertTrue(all(day.weekday() < 5 for day in followups.mapped("date")))
        # at each interval of the customer's tier (a few days either way)
        for customer, done in by_customer.items():
            interval = customer.with_company(self.company).crm_tier_id.followup_interval_days
            for before, after in zip(done, done[1:], strict=False):
                self.assertLessEqual(abs((after.date - before.date).days - interval), 5)
        # the next follow-ups: due over the coming interval, a few one to three days late
        vip = self.env.ref("crm_lifecycle_tiering.crm_customer_tier_vip")
        vips = customers.filtered(lambda partner: partner.crm_tier_id == vip)
        self.assertTrue(vips)
        for customer in customers:
            interval = customer.crm_tier_id.followup_interval_days
            self.assertGreaterEqual(customer.crm_followup_next_date, self.today - timedelta(days=3))
            self.assertLessEqual(customer.crm_followup_next_date, self.today + timedelta(interval))
        for customer in vips:
            self.assertIn(customer, by_customer, "every VIP customer has been followed up")
            self.assertEqual(customer.crm_followup_last_date, by_customer[customer][-1].date)
        late = customers.filtered(lambda partner: partner.crm_followup_next_date < self.today)
        self.assertTrue(1 <= len(late) <= 3, f"{len(late)} customers late")
        # their follow-up activities: one each for the customers due this week, none long late
        activities = self.env["mail.activity"].search(
            [
                ("res_model", "=", "res.partner"),
                ("activity_type_id", "=", self.env.ref(FOLLOWUP_ACTIVITY_TYPE_XMLID).id),
                ("crm_followup_company_id", "=", self.company.id),
            ]
        )
        due = customers.filtered(
            lambda partner: partner.crm_followup_next_date
            <= self.today + timedelta(days=self.company.crm_followup_horizon_days)
            and partner.user_id
        )
        self.assertEqual(sorted(activities.mapped("res_id")), sorted(due.ids))
        self.assertGreaterEqual(min(activities.mapped("date_deadline")), self.today - timedelta(3))
