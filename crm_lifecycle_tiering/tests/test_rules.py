from datetime import timedelta

from psycopg2.errors import CheckViolation

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import mute_logger

from .common import ValueCase


class TestTierRules(ValueCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        day = cls.AS_OF - timedelta(days=10)
        cls.big = cls.make_customer("Big Buyer")
        for amount in (4000, 1000):
            cls.make_order(cls.big, amount, day)
        cls.exact = cls.make_customer("Exact Buyer")
        cls.make_order(cls.exact, 1000, day)
        cls.below = cls.make_customer("Just Below")
        cls.make_order(cls.below, 999.99, day)

    def test_default_tier_is_the_lowest(self):
        self.run_engine()
        partner = self.val(self.below)
        self.assertEqual(partner.crm_tier_id, self.tier_standard)
        self.assertFalse(partner.crm_tier_rule_id)
        self.assertEqual(
            partner.crm_tier_reason_text, "No rule of a higher tier matches: Standard by default"
        )

    def test_equal_threshold_matches(self):
        rule = self.make_rule(self.tier_key, min_revenue_period=1000)
        self.run_engine()
        self.assertEqual(self.val(self.exact).crm_tier_id, self.tier_key)
        self.assertEqual(self.val(self.exact).crm_tier_rule_id, rule)
        self.assertEqual(
            self.val(self.exact).crm_tier_reason_text,
            "Revenue 12 months $\xa01,000.00 ≥ $\xa01,000.00",
        )
        self.assertEqual(self.val(self.below).crm_tier_id, self.tier_standard)

    def test_all_conditions_of_a_rule_must_hold_and_reason_has_figures(self):
        self.make_rule(self.tier_vip, min_revenue_period=5000, min_orders_period=2)
        self.run_engine()
        big = self.val(self.big)
        self.assertEqual(big.crm_tier_id, self.tier_vip)
        self.assertEqual(
            big.crm_tier_reason_text,
            "Revenue 12 months $\xa05,000.00 ≥ $\xa05,000.00 and 2 orders in 12 months ≥ 2",
        )
        # one order only: the same revenue is not enough
        self.assertEqual(self.val(self.exact).crm_tier_id, self.tier_standard)

    def test_highest_tier_wins_and_any_rule_of_a_tier_matches(self):
        self.make_rule(self.tier_key, min_revenue_period=500)
        self.make_rule(self.tier_vip, min_revenue_period=100000, sequence=1)
        vip_by_orders = self.make_rule(self.tier_vip, min_orders_period=2, sequence=2)
        self.run_engine()
        self.assertEqual(self.val(self.big).crm_tier_id, self.tier_vip)
        self.assertEqual(self.val(self.big).crm_tier_rule_id, vip_by_orders)
        self.assertEqual(self.val(self.exact).crm_tier_id, self.tier_key)

    def test_partner_domain(self):
        belgium = self.env.ref("base.be")
        self.exact.country_id = belgium
        rule = self.make_rule(self.tier_key, partner_domain=f"[('country_id', '=', {belgium.id})]")
        self.run_engine()
        self.assertEqual(self.val(self.exact).crm_tier_id, self.tier_key)
        self.assertEqual(self.val(self.exact).crm_tier_rule_id, rule)
        self.assertEqual(self.val(self.exact).crm_tier_reason_text, "Matches the customer filter")
        self.assertEqual(self.val(self.big).crm_tier_id, self.tier_standard)

    def test_rfm_segment_and_score_conditions(self):
        self.run_engine()
        big = self.val(self.big)
        rule = self.make_rule(
            self.tier_key,
            rfm_segment_ids=[(6, 0, big.crm_rfm_segment_id.ids)],
            min_value_score=big.crm_value_score,
        )
        self.run_engine()
        self.assertEqual(self.val(self.big).crm_tier_id, self.tier_key)
        self.assertEqual(self.val(self.big).crm_tier_rule_id, rule)
        self.assertIn(big.crm_rfm_segment_id.name, self.val(self.big).crm_tier_reason_text)

    def test_prospects_get_no_tier(self):
        prospect = self.make_customer("Only Quoted")
        self.make_order(prospect, 500, self.AS_OF, confirm=False)
        self.run_engine()
        self.assertEqual(self.val(prospect).crm_lifecycle_stage, "prospect")
        self.assertFalse(self.val(prospect).crm_tier_id)

    def test_rule_validation(self):
        with self.assertRaisesRegex(ValidationError, "has no condition"):
            self.make_rule(self.tier_key)
        with self.assertRaisesRegex(ValidationError, "not a valid domain"):
            self.make_rule(self.tier_key, partner_domain="[('no_such_field', '=', 1)]")
        with self.assertRaisesRegex(ValidationError, "not a valid domain"):
            self.make_rule(self.tier_key, partner_domain="[('name', '=', ")
        other_tier = self.Tier.create(
            {"name": "Other VIP", "code": "vip", "company_id": self.other_company.id}
        )
        with self.assertRaisesRegex(ValidationError, "same company"):
            self.make_rule(other_tier, min_orders_period=1)
        for field in ("min_revenue_period", "min_orders_period", "min_referrals"):
            with mute_logger("odoo.sql_db"), self.assertRaises(CheckViolation):
                with self.env.cr.savepoint():
                    self.make_rule(self.tier_key, **{field: -1})
        with mute_logger("odoo.sql_db"), self.assertRaises(CheckViolation):
            with self.env.cr.savepoint():
                self.make_rule(self.tier_key, min_value_score=101)

    def test_rule_summary(self):
        rule = self.make_rule(self.tier_vip, min_revenue_period=5000, min_orders_period=12)
        self.assertEqual(rule.summary, "revenue ≥ $ 5,000.00 and orders ≥ 12")
        self.assertEqual(rule.display_name, "VIP: revenue ≥ $ 5,000.00 and orders ≥ 12")


class TestLockAndGrace(ValueCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls.make_customer("Lockable")
        cls.make_order(cls.customer, 6000, cls.AS_OF - timedelta(days=300))
        cls.make_order(cls.customer, 6000, cls.AS_OF - timedelta(days=200))

    def test_grace_keeps_a_higher_tier_for_the_grace_period(self):
        self.vc.crm_tier_grace_days = 30
        self.make_rule(self.tier_vip, min_revenue_period=10000)
        self.run_engine()
        self.assertEqual(self.val(self.customer).crm_tier_id, self.tier_vip)
        # 70 days later the first order leaves the 12-month window: revenue 6,000 < 10,000
        failing_since = self.AS_OF + timedelta(days=70)
        self.run_engine(as_of=failing_since)
        partner = self.val(self.customer)
        self.assertEqual(partner.crm_tier_id, self.tier_vip)
        self.assertEqual(partner.crm_tier_grace_since, failing_since)
        self.assertIn("Keeps VIP until", partner.crm_tier_reason_text)
        self.run_engine(as_of=failing_since + timedelta(days=29))
        self.assertEqual(self.val(self.customer).crm_tier_id, self.tier_vip)
        self.run_engine(as_of=failing_since + timedelta(days=30))
        partner = self.val(self.customer)
        self.assertEqual(partner.crm_tier_id, self.tier_standard)
        self.assertFalse(partner.crm_tier_grace_since)
        tier_events = self.env["crm.lifecycle.event"].search(
            [("partner_id", "=", self.customer.id), ("kind", "=", "tier")], order="date, id"
        )
        self.assertEqual(
            [(e.old_tier_id, e.new_tier_id) for e in tier_events],
            [(self.Tier, self.tier_vip), (self.tier_vip, self.tier_standard)],
        )

    def test_grace_ends_when_the_rules_hold_again(self):
        self.vc.crm_tier_grace_days = 30
        self.make_rule(self.tier_vip, min_revenue_period=10000)
        self.run_engine()
        self.run_engine(as_of=self.AS_OF + timedelta(days=70))
        self.assertTrue(self.val(self.customer).crm_tier_grace_since)
        self.make_order(self.customer, 5000, self.AS_OF + timedelta(days=75))
        self.run_engine(as_of=self.AS_OF + timedelta(days=80))
        self.assertEqual(self.val(self.customer).crm_tier_id, self.tier_vip)
        self.assertFalse(self.val(self.customer).crm_tier_grace_since)

    def test_lock_is_kept_then_released_when_it_expires(self):
        # a lock cannot expire before today (the wizard checks it against the real date)
        until = self.crm_today(self.vc) + timedelta(days=400)
        self.run_engine()
        self.assertEqual(self.val(self.customer).crm_tier_id, self.tier_standard)
        wizard = (
            self.env["crm.tier.lock.wizard"]
            .with_user(self.tier_manager)
            .with_company(self.vc)
            .with_context(active_model="res.partner", active_ids=self.customer.ids)
            .create(
                {
                    "tier_id": self.tier_key.id,
                    "reason": "Strategic account",
                    "until": until,
                }
            )
        )
        self.assertEqual(wizard.partner_ids, self.customer)
        wizard.action_lock()
        partner = self.val(self.customer)
        self.assertEqual(partner.crm_tier_id, self.tier_key)
        self.assertTrue(partner.crm_tier_locked)
        event = self.env["crm.lifecycle.event"].search(
            [("partner_id", "=", self.customer.id), ("origin", "=", "manual")]
        )
        self.assertEqual(
            (event.old_tier_id, event.new_tier_id), (self.tier_standard, self.tier_key)
        )
        self.run_engine(as_of=self.AS_OF + timedelta(days=1))
        partner = self.val(self.customer)
        self.assertEqual(partner.crm_tier_id, self.tier_key)
        self.assertEqual(
            partner.crm_tier_reason_text,
            f"Tier locked by {self.tier_manager.name} until {until:%m/%d/%Y}: Strategic account",
        )
        self.run_engine(as_of=until + timedelta(days=1))
        partner = self.val(self.customer)
        self.assertFalse(partner.crm_tier_locked)
        self.assertFalse(partner.crm_tier_lock_reason)
        self.assertEqual(partner.crm_tier_id, self.tier_standard)

    def test_lock_validation_and_rights(self):
        values = {"partner_ids": [(6, 0, self.customer.ids)], "tier_id": self.tier_key.id}
        with self.assertRaisesRegex(ValidationError, "past"):
            self.env["crm.tier.lock.wizard"].create(
                dict(values, reason="x", until=self.AS_OF.replace(year=2000))
            )
        with self.assertRaises(AccessError):
            self.env["crm.tier.lock.wizard"].with_user(self.tier_user).create(
                dict(values, reason="x")
            )
        with self.assertRaisesRegex(UserError, "Only customer value managers can unlock tiers"):
            self.customer.with_user(self.tier_user).action_crm_unlock_tier()
        self.assertFalse(self.val(self.customer).crm_tier_locked)
