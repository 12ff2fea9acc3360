"""Campaign audiences on the customers' tier, lifecycle stage and RFM segment: the values of the
campaign's company decide, whatever company the sender works in; contacts, customers without
an email address and customers of another company are never invited."""

from odoo.tests import tagged

from odoo.addons.crm_lifecycle_tiering.models.lifecycle_data import (
    STAGE_CHURNED,
    STAGE_FIRST_PURCHASE,
    STAGE_LOYAL,
    STAGE_REPEAT,
)
from odoo.addons.crm_lifecycle_tiering.tests.common import CrmCase


@tagged("post_install", "-at_install")
class TestCampaignAudience(CrmCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env["res.company"].create({"name": "Audience Co"})
        cls.other_company = cls.env["res.company"].create({"name": "Audience Other Co"})
        cls.env.user.company_ids |= cls.company | cls.other_company
        cls.env = cls.env(
            context=dict(cls.env.context, allowed_company_ids=(cls.company | cls.other_company).ids)
        )
        ref = cls.env.ref
        cls.vip = ref("crm_lifecycle_tiering.crm_customer_tier_vip")
        cls.key = ref("crm_lifecycle_tiering.crm_customer_tier_key")
        cls.standard = ref("crm_lifecycle_tiering.crm_customer_tier_standard")
        cls.champions = ref("crm_lifecycle_tiering.crm_rfm_segment_champions")
        cls.loyal_segment = ref("crm_lifecycle_tiering.crm_rfm_segment_loyal")
        cls.new_segment = ref("crm_lifecycle_tiering.crm_rfm_segment_new")
        cls.cant_lose = ref("crm_lifecycle_tiering.crm_rfm_segment_cant_lose")
        # name: values in the campaign's company (tier, stage, segment)
        cls.champion = cls.make_customer("Champion", (cls.vip, STAGE_LOYAL, cls.champions))
        cls.slipping_vip = cls.make_customer(
            "Slipping VIP", (cls.vip, STAGE_CHURNED, cls.cant_lose)
        )
        cls.key_repeat = cls.make_customer("Key", (cls.key, STAGE_REPEAT, cls.loyal_segment))
        cls.newcomer = cls.make_customer(
            "Newcomer", (cls.standard, STAGE_FIRST_PURCHASE, cls.new_segment)
        )
        cls.unranked = cls.make_customer("Unranked", None)
        cls.no_email = cls.make_customer(
            "No Email", (cls.vip, STAGE_LOYAL, cls.champions), email=False
        )
        cls.contact = cls.env["res.partner"].create(
            {
                "name": "Champion Buyer",
                "parent_id": cls.champion.id,
                "email": "buyer@champion.example.com",
            }
        )
        cls.set_values(cls.contact, cls.company, (cls.vip, STAGE_LOYAL, cls.champions))
        cls.other_companys = cls.make_customer(
            "Other Company's", (cls.vip, STAGE_LOYAL, cls.champions), company=cls.other_company
        )
        # standard here, VIP champion in the other company
        cls.vip_elsewhere = cls.make_customer(
            "VIP Elsewhere", (cls.standard, STAGE_REPEAT, cls.loyal_segment)
        )
        cls.set_values(cls.vip_elsewhere, cls.other_company, (cls.vip, STAGE_LOYAL, cls.champions))
        cls.survey = ref("crm_satisfaction.survey_survey_nps")

    @classmethod
    def make_customer(cls, name, values, email=True, company=None):
        partner = cls.env["res.partner"].create(
            {
                "name": f"Audience {name}",
                "is_company": True,
                "email": email and f"{name.lower().split()[0]}@audience.example.com",
                "company_id": company and company.id,
            }
        )
        if values:
            cls.set_values(partner, cls.company, values)
        return partner

    @classmethod
    def set_values(cls, partner, company, values):
        tier, stage, segment = values
        partner.with_company(company).write(
            {
                "crm_tier_id": tier.id,
                "crm_lifecycle_stage": stage,
                "crm_rfm_segment_id": segment.id,
            }
        )

    def send(self, domain, sender_company=None):
        """Sends a campaign of the company with this audience, as a user working in
        `sender_company`; returns the customers invited."""
        campaign = self.env["crm.satisfaction.campaign"].create(
            {
                "name": "Audience test",
                "company_id": self.company.id,
                "survey_id": self.survey.id,
                "partner_domain": str(domain),
            }
        )
        campaign.with_company(sender_company or self.company).action_send()
        invitations = self.env["survey.user_input"].search([("crm_campaign_id", "=", campaign.id)])
        self.assertEqual(len(invitations), len(invitations.partner_id), "one invitation each")
        return invitations.partner_id

    def test_audience_by_tier(self):
        self.assertEqual(
            self.send([("crm_tier_id", "=", self.vip.id)]), self.champion | self.slipping_vip
        )

    def test_audience_by_tiers(self):
        self.assertEqual(
            self.send([("crm_tier_id", "in", (self.vip | self.key).ids)]),
            self.champion | self.slipping_vip | self.key_repeat,
        )

    def test_audience_by_lifecycle_stage(self):
        self.assertEqual(
            self.send([("crm_lifecycle_stage", "in", [STAGE_LOYAL, STAGE_REPEAT])]),
            self.champion | self.key_repeat | self.vip_elsewhere,
        )
        self.assertEqual(
            self.send([("crm_lifecycle_stage", "=", STAGE_FIRST_PURCHASE)]), self.newcomer
        )

    def test_audience_by_segment(self):
        self.assertEqual(self.send([("crm_rfm_segment_id", "=", self.champions.id)]), self.champion)
        self.assertEqual(
            self.send([("crm_rfm_segment_id", "in", (self.loyal_segment | self.cant_lose).ids)]),
            self.slipping_vip | self.key_repeat | self.vip_elsewhere,
        )

    def test_audience_combined(self):
        # VIPs still buying: not the churned one
        self.assertEqual(
            self.send(
                [("crm_tier_id", "=", self.vip.id), ("crm_lifecycle_stage", "=", STAGE_LOYAL)]
            ),
            self.champion,
        )

    def test_values_of_the_campaigns_company(self):
        # sent by someone working in the other company: the campaign's company's values count,
        # so "VIP Elsewhere" (a VIP there, standard here) is not invited
        self.assertEqual(
            self.send([("crm_tier_id", "=", self.vip.id)], sender_company=self.other_company),
            self.champion | self.slipping_vip,
        )
