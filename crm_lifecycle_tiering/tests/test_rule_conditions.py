"""Tier rules on tenure, referrals and potential: each threshold met exactly, missed by the
smallest step, and the reason the customer's tier carries (with the customer's own figures)."""

from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo.tests import tagged

from .common import ValueCase


@tagged("post_install", "-at_install")
class TestRuleConditions(ValueCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        recent = cls.AS_OF - timedelta(days=10)
        # tenure as of 2026-06-30: first purchase on 2025-06-30 is 12 whole months,
        # 2025-07-01 is 11 months and 29 days (11 months), 2025-01-15 is 17 months
        cls.tenure_at = cls.make_customer("Tenure 12")
        cls.make_order(cls.tenure_at, 100, cls.AS_OF - relativedelta(months=12))
        cls.tenure_below = cls.make_customer("Tenure 11")
        cls.make_order(
            cls.tenure_below, 100, cls.AS_OF - relativedelta(months=12) + timedelta(days=1)
        )
        cls.tenure_above = cls.make_customer("Tenure 17")
        cls.make_order(cls.tenure_above, 100, cls.AS_OF.replace(year=2025, month=1, day=15))
        # referrals: customers who name this one as the one who brought them
        cls.referrals_at = cls.make_customer("Three Referrals")
        cls.referrals_below = cls.make_customer("Two Referrals")
        for referrer, count in ((cls.referrals_at, 3), (cls.referrals_below, 2)):
            cls.make_order(referrer, 100, recent)
            for n in range(count):
                cls.make_customer(f"{referrer.name} {n}", crm_referred_by_id=referrer.id)
        # potential is per company: High in the main company says nothing about Value Test Co
        cls.potential_medium = cls.make_customer("Medium Potential")
        cls.potential_high = cls.make_customer("High Potential")
        cls.potential_low = cls.make_customer("Low Potential")
        cls.potential_elsewhere = cls.make_customer("High Elsewhere")
        for partner, level in (
            (cls.potential_medium, "2"),
            (cls.potential_high, "3"),
            (cls.potential_low, "1"),
        ):
            partner.with_company(cls.vc).crm_potential = level
        cls.potential_elsewhere.with_company(cls.company).crm_potential = "3"
        for partner in (
            cls.potential_medium,
            cls.potential_high,
            cls.potential_low,
            cls.potential_elsewhere,
        ):
            cls.make_order(partner, 100, recent)

    def assertTier(self, partner, tier, rule=None, reason=None):
        values = self.val(partner)
        self.assertEqual(values.crm_tier_id, tier, partner.name)
        self.assertEqual(values.crm_tier_rule_id, rule or self.env["crm.tier.rule"], partner.name)
        if reason is not None:
            self.assertEqual(values.crm_tier_reason_text, reason, partner.name)

    def test_min_tenure_months(self):
        rule = self.make_rule(self.tier_key, min_tenure_months=12)
        self.assertEqual(rule.summary, "tenure ≥ 12 months")
        self.run_engine()
        self.assertTier(self.tenure_at, self.tier_key, rule, "Customer for 12 months ≥ 12")
        self.assertTier(self.tenure_above, self.tier_key, rule, "Customer for 17 months ≥ 12")
        self.assertTier(
            self.tenure_below,
            self.tier_standard,
            reason="No rule of a higher tier matches: Standard by default",
        )
        # one day later the customer of 2025-07-01 has 12 months as well
        self.run_engine(as_of=self.AS_OF + timedelta(days=1))
        self.assertTier(self.tenure_below, self.tier_key, rule, "Customer for 12 months ≥ 12")
        self.assertTier(self.tenure_at, self.tier_key, rule, "Customer for 12 months ≥ 12")

    def test_min_referrals(self):
        self.assertEqual(
            (self.referrals_at.crm_referral_count, self.referrals_below.crm_referral_count), (3, 2)
        )
        rule = self.make_rule(self.tier_vip, min_referrals=3)
        self.assertEqual(rule.summary, "referrals ≥ 3")
        self.run_engine()
        self.assertTier(self.referrals_at, self.tier_vip, rule, "3 referrals ≥ 3")
        self.assertTier(self.referrals_below, self.tier_standard)
        # a third referral for the other one: it reaches the threshold at the next run
        self.make_customer("Late Referral", crm_referred_by_id=self.referrals_below.id)
        self.run_engine()
        self.assertTier(self.referrals_below, self.tier_vip, rule, "3 referrals ≥ 3")

    def test_min_potential(self):
        rule = self.make_rule(self.tier_key, min_potential="2")
        self.assertEqual(rule.summary, "potential ≥ Medium")
        self.run_engine()
        self.assertTier(self.potential_medium, self.tier_key, rule, "Potential Medium ≥ Medium")
        self.assertTier(self.potential_high, self.tier_key, rule, "Potential High ≥ Medium")
        self.assertTier(self.potential_low, self.tier_standard)
        self.assertTier(self.potential_elsewhere, self.tier_standard)
        # customers without a potential are Unknown (0): below any threshold
        self.assertTier(self.tenure_at, self.tier_standard)

    def test_all_three_conditions_in_one_rule(self):
        # tenure 12 months, 3 referrals, Medium potential: only a customer with all three
        self.make_order(self.referrals_at, 100, self.AS_OF - relativedelta(months=12))
        self.referrals_at.with_company(self.vc).crm_potential = "2"
        self.referrals_below.with_company(self.vc).crm_potential = "3"
        self.make_order(self.referrals_below, 100, self.AS_OF - relativedelta(months=20))
        rule = self.make_rule(
            self.tier_vip, min_tenure_months=12, min_referrals=3, min_potential="2"
        )
        self.assertEqual(
            rule.summary, "tenure ≥ 12 months and referrals ≥ 3 and potential ≥ Medium"
        )
        self.assertEqual(
            rule.display_name, "VIP: tenure ≥ 12 months and referrals ≥ 3 and potential ≥ Medium"
        )
        self.run_engine()
        self.assertTier(
            self.referrals_at,
            self.tier_vip,
            rule,
            "Customer for 12 months ≥ 12 and 3 referrals ≥ 3 and potential Medium ≥ Medium",
        )
        # 20 months and High potential, but 2 referrals: one condition fails, no VIP
        self.assertTier(self.referrals_below, self.tier_standard)
        self.assertTier(self.tenure_above, self.tier_standard)
        self.assertTier(self.potential_high, self.tier_standard)
        event = self.env["crm.lifecycle.event"].search(
            [("partner_id", "=", self.referrals_at.id), ("kind", "=", "tier")]
        )
        self.assertEqual((event.new_tier_id, event.rule_id), (self.tier_vip, rule))
        self.assertEqual(
            event.reason_text,
            "Customer for 12 months ≥ 12 and 3 referrals ≥ 3 and potential Medium ≥ Medium",
        )
