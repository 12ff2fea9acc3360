from datetime import timedelta

from odoo.exceptions import AccessError, ValidationError

from odoo.addons.crm_lifecycle_tiering.models.lifecycle_data import engine_write

from .common import ValueCase


class TestReferralReward(ValueCase):
    """A referred customer's first confirmed order gives the referrer the company's reward,
    once."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Program = cls.env["loyalty.program"]
        cls.club = Program.create(
            {"name": "Members Club", "program_type": "loyalty", "company_id": cls.vc.id}
        )
        cls.coupons = Program.create(
            {"name": "Thank-you Coupons", "program_type": "coupons", "company_id": cls.vc.id}
        )
        cls.vc.write({"crm_referral_program_id": cls.club.id, "crm_referral_points": 150})
        cls.referrer = cls.make_customer("Referring Co", user_id=cls.tier_user.id)
        cls.today = cls.crm_today(cls.vc)

    def referred(self, name):
        return self.make_customer(name, crm_referred_by_id=self.referrer.id)

    def rewards(self):
        return self.env["crm.referral.reward"].search([("referrer_id", "=", self.referrer.id)])

    def cards(self, program):
        return self.env["loyalty.card"].search(
            [("program_id", "=", program.id), ("partner_id", "=", self.referrer.id)]
        )

    def confirm(self, orders):
        """Confirmed by the salesperson, who has no right on the loyalty programmes."""
        orders.with_user(self.tier_user).with_company(self.vc).action_confirm()

    def draft(self, partner, amount=100):
        order = self.make_order(partner, amount, self.today, confirm=False)
        order.user_id = self.tier_user
        return order

    def test_first_order_rewards_the_referrer_once(self):
        customer = self.referred("Referred Co")
        self.confirm(self.draft(customer))
        reward = self.rewards()
        self.assertEqual(len(reward), 1)
        card = self.cards(self.club)
        self.assertEqual(len(card), 1)
        self.assertEqual(card.points, 150)
        self.assertEqual(
            (reward.partner_id, reward.card_id, reward.points, reward.user_id),
            (customer, card, 150, self.tier_user),
        )
        self.assertEqual(card.history_ids.mapped("issued"), [150])
        self.assertEqual(card.history_ids.order_id, reward.order_id.id)
        todo = self.env.ref("mail.mail_activity_data_todo")
        activity = self.activities_of(self.referrer, todo)
        self.assertEqual(activity.user_id, self.tier_user)
        self.assertIn("Referred Co", activity.summary)
        self.assertIn("Members Club", self.referrer.message_ids[0].body)
        # the second order, and the first one confirmed again, give nothing more
        self.confirm(self.draft(customer))
        self.env["crm.referral.reward"]._reward_first_orders(reward.order_id)
        self.assertEqual(self.rewards(), reward)
        self.assertEqual(card.points, 150)
        self.assertEqual(len(self.activities_of(self.referrer, todo)), 1)

    def test_orders_confirmed_together_reward_once(self):
        customer = self.referred("Double Click Co")
        self.confirm(self.draft(customer) | self.draft(customer, 200))
        self.assertEqual(len(self.rewards()), 1)
        self.assertEqual(self.cards(self.club).points, 150)

    def test_a_claimed_reward_is_not_claimed_again(self):
        """What a second transaction confirming at the same moment meets: the row is taken."""
        customer = self.referred("Race Co")
        order = self.draft(customer)
        Reward = self.env["crm.referral.reward"]
        first = Reward._claim(self.vc, customer, self.referrer, order)
        self.assertTrue(first)
        self.assertFalse(Reward._claim(self.vc, customer, self.referrer, order))

    def test_an_existing_customer_brings_no_reward(self):
        # an order confirmed before being referred
        regular = self.make_customer("Regular Co")
        self.confirm(self.draft(regular))
        regular.crm_referred_by_id = self.referrer
        self.confirm(self.draft(regular))
        # a first purchase known from the invoices only
        invoiced = self.referred("Invoiced Co")
        engine_write(invoiced.with_company(self.vc)).crm_first_order_date = self.today - timedelta(
            days=400
        )
        self.confirm(self.draft(invoiced))
        self.assertFalse(self.rewards())
        self.assertFalse(self.cards(self.club))

    def test_a_coupons_programme_gives_one_coupon_per_reward(self):
        self.vc.crm_referral_program_id = self.coupons
        for name in ("First Friend Co", "Second Friend Co"):
            self.confirm(self.draft(self.referred(name)))
        coupons = self.cards(self.coupons)
        self.assertEqual(len(coupons), 2)
        self.assertEqual(coupons.mapped("points"), [150, 150])
        self.assertEqual(self.rewards().card_id, coupons)

    def test_an_archived_card_is_used_again(self):
        card = self.env["loyalty.card"].create(
            {"program_id": self.club.id, "partner_id": self.referrer.id, "points": 20}
        )
        card.active = False
        self.confirm(self.draft(self.referred("Back Again Co")))
        self.assertTrue(card.active)
        self.assertEqual(card.points, 170)
        self.assertEqual(self.cards(self.club), card)

    def test_without_programme_or_referrer_nothing_is_given(self):
        self.confirm(self.draft(self.make_customer("Walk-in Co")))
        self.vc.crm_referral_program_id = False
        self.confirm(self.draft(self.referred("Unrewarded Co")))
        self.assertFalse(self.rewards())
        self.assertFalse(self.env["crm.referral.reward"].search([("company_id", "=", self.vc.id)]))

    def test_settings_are_checked(self):
        self.assert_checks_refuse(
            self.vc,
            [
                ("crm_referral_points", 0, "crm_referral_points_range"),
                ("crm_referral_points", -5, "crm_referral_points_range"),
                ("crm_referral_points", 2_000_000, "crm_referral_points_range"),
            ],
        )
        foreign = self.env["loyalty.program"].create(
            {"name": "Other Club", "program_type": "loyalty", "company_id": self.other_company.id}
        )
        with (
            self.assertRaisesRegex(ValidationError, "belongs to Tiering Other Co"),
            self.cr.savepoint(),
        ):
            self.vc.crm_referral_program_id = foreign
            self.vc.flush_recordset()
        self.vc.invalidate_recordset()
        self.assertEqual(self.vc.crm_referral_program_id, self.club)

    def test_users_read_rewards_only(self):
        self.confirm(self.draft(self.referred("Read Only Co")))
        Reward = self.env["crm.referral.reward"].with_user(self.tier_user)
        self.assertEqual(len(Reward.search([("referrer_id", "=", self.referrer.id)])), 1)
        with self.assertRaisesRegex(AccessError, "not allowed to (create|modify)"):
            Reward.create(
                {
                    "company_id": self.vc.id,
                    "partner_id": self.referrer.id,
                    "referrer_id": self.referrer.id,
                }
            )
