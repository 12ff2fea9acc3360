"""Tier benefits: the pricelist, payment terms and loyalty programme a tier gives its customers
in each company, applied when they enter the tier and taken back when they leave it (after the
grace period), with history events and chatter notes; values set by hand are kept; the account
manager and key-account team stay on the tier."""

from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged

from .common import ValueCase, insert_orders, preview_traces


class TierBenefitCase(ValueCase):
    """Value Test Co: VIP from 3 orders in the 12-month window, else Standard (no benefits).
    VIP gives the "VIP Prices" pricelist, 45-day terms and the "VIP Club" loyalty programme."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # pricelists shown on customers (the feature of sales' settings)
        cls.env.ref("base.group_user").implied_ids |= cls.env.ref("product.group_product_pricelist")
        Pricelist = cls.env["product.pricelist"]
        # the default pricelist of the company's customers (the first one)
        cls.default_prices = Pricelist.create(
            {"name": "Default Prices", "company_id": cls.vc.id, "sequence": -1}
        )
        cls.vip_prices = Pricelist.create({"name": "VIP Prices", "company_id": cls.vc.id})
        cls.hand_prices = Pricelist.create({"name": "Hand Prices", "company_id": cls.vc.id})
        cls.vip_terms = cls.env.ref("account.account_payment_term_45days")
        cls.hand_terms = cls.env.ref("account.account_payment_term_15days")
        cls.vip_club = cls.make_loyalty_program("VIP Club", cls.vc)
        cls.tier_vip.with_company(cls.vc).write(
            {
                "pricelist_id": cls.vip_prices.id,
                "payment_term_id": cls.vip_terms.id,
                "loyalty_program_id": cls.vip_club.id,
            }
        )
        cls.env["crm.tier.rule"].create(
            {"tier_id": cls.tier_vip.id, "company_id": cls.vc.id, "min_orders_period": 3}
        )
        cls.start = cls.AS_OF - timedelta(days=400)

    # ------------------------------------------------------------------ helpers
    @classmethod
    def make_loyalty_program(cls, name, company, program_type="loyalty"):
        return cls.env["loyalty.program"].create(
            {"name": name, "program_type": program_type, "company_id": company.id}
        )

    def make_buyer(self, name, days, **values):
        """A customer with orders on ``days`` (offsets from self.start)."""
        partner = self.make_customer(name, **values)
        for offset in days:
            self.make_order(partner, 100, self.start + timedelta(days=offset))
        return partner

    def run_on(self, offset):
        return self.run_engine(as_of=self.start + timedelta(days=offset))

    def terms_of(self, partner, company=None):
        partner = self.val(partner, company)
        return (partner.property_product_pricelist, partner.property_payment_term_id)

    def tier_events(self, partner):
        return self.env["crm.lifecycle.event"].search(
            [("partner_id", "=", partner.id), ("kind", "=", "tier")], order="date, id"
        )

    def cards_of(self, partner, program=None):
        """The loyalty cards of ``partner`` in ``program`` (VIP Club), archived ones too."""
        return (
            self.env["loyalty.card"]
            .with_context(active_test=False)
            .search(
                [
                    ("partner_id", "=", partner.id),
                    ("program_id", "=", (program or self.vip_club).id),
                ]
            )
        )

    def benefit_notes(self, partner, field="property_product_pricelist"):
        """The chatter messages of ``partner`` that track a change of ``field`` (its
        pricelist)."""
        return (
            self.env["mail.tracking.value"]
            .sudo()
            .search(
                [
                    ("field_id.name", "=", field),
                    ("mail_message_id.model", "=", "res.partner"),
                    ("mail_message_id.res_id", "=", partner.id),
                ]
            )
            .mail_message_id
        )


@tagged("post_install", "-at_install")
class TestTierBenefits(TierBenefitCase):
    # ------------------------------------------------------------------ tests
    def test_vip_standard_vip(self):
        """Enters VIP (first tier: history, no note), leaves it only after the 30-day grace,
        enters it again: pricelist, terms and loyalty card each time (the card archived on
        leaving, reactivated with its points on coming back, never a second one), an event each
        time, a note for each change after the first."""
        self.vc.crm_tier_grace_days = 30
        partner = self.make_buyer("Benefit VIP", [0, 5, 10])
        default = self.terms_of(partner)
        self.assertEqual(default[0], self.default_prices)
        self.run_on(20)
        self.assertEqual(self.val(partner).crm_tier_id, self.tier_vip)
        self.assertEqual(self.terms_of(partner), (self.vip_prices, self.vip_terms))
        self.assertEqual(self.val(partner).crm_tier_pricelist_id, self.vip_prices)
        self.assertEqual(len(self.benefit_notes(partner)), 0)
        card = self.cards_of(partner)
        self.assertEqual((len(card), card.active, card.points), (1, True, 0))
        self.assertEqual(self.val(partner).crm_tier_loyalty_program_id, self.vip_club)
        # the customer earns points as a member
        card.points = 120
        # out of the window (orders 0 and 5 are more than 12 months old): the grace starts
        self.run_on(371)
        self.assertEqual(self.val(partner).crm_tier_id, self.tier_vip)
        self.assertEqual(self.terms_of(partner), (self.vip_prices, self.vip_terms))
        self.run_on(402)
        self.assertEqual(self.val(partner).crm_tier_id, self.tier_standard)
        self.assertEqual(self.terms_of(partner), default)
        self.assertFalse(self.val(partner).crm_tier_pricelist_id)
        self.assertEqual(len(self.benefit_notes(partner)), 1)
        # the card is kept, archived, with its points
        self.assertEqual(self.cards_of(partner), card)
        self.assertEqual((card.active, card.points), (False, 120))
        self.assertFalse(self.val(partner).crm_tier_loyalty_program_id)
        for offset in (403, 404, 405):
            self.make_order(partner, 100, self.start + timedelta(days=offset))
        self.run_on(406)
        self.assertEqual(self.val(partner).crm_tier_id, self.tier_vip)
        self.assertEqual(self.terms_of(partner), (self.vip_prices, self.vip_terms))
        events = self.tier_events(partner)
        self.assertEqual(
            [
                (e.new_tier_id, e.old_pricelist_id, e.new_pricelist_id, e.new_payment_term_id)
                for e in events
            ],
            [
                (self.tier_vip, default[0], self.vip_prices, self.vip_terms),
                (self.tier_standard, self.vip_prices, default[0], default[1]),
                (self.tier_vip, default[0], self.vip_prices, self.vip_terms),
            ],
        )
        self.assertEqual(events[1].old_payment_term_id, self.vip_terms)
        self.assertEqual(len(self.benefit_notes(partner)), 2)
        # back in VIP: the same card again, with its points
        self.assertEqual(self.cards_of(partner), card)
        self.assertEqual((card.active, card.points), (True, 120))
        nothing = self.vip_club.browse()
        self.assertEqual(
            [(e.old_loyalty_program_id, e.new_loyalty_program_id) for e in events],
            [(nothing, self.vip_club), (self.vip_club, nothing), (nothing, self.vip_club)],
        )
        self.assertEqual(
            self.benefit_notes(partner, "crm_tier_loyalty_program_id"),
            self.benefit_notes(partner),
        )
        # the contacts of the customer get its pricelist and terms
        contact = self.env["res.partner"].create({"name": "Buyer", "parent_id": partner.id})
        self.assertEqual(self.terms_of(contact), (self.vip_prices, self.vip_terms))

    def test_hand_set_pricelist_kept_unless_override(self):
        """A pricelist set by hand survives the VIP entry, unless the company's override is on;
        terms set by hand are kept either way."""
        for override in (False, True):
            with self.subTest(override=override):
                self.vc.crm_tier_pricelist_override = override
                partner = self.make_buyer(f"Benefit hand {override}", [0, 5, 10])
                self.val(partner).write(
                    {
                        "property_product_pricelist": self.hand_prices.id,
                        "property_payment_term_id": self.hand_terms.id,
                    }
                )
                self.run_on(20)
                self.assertEqual(self.val(partner).crm_tier_id, self.tier_vip)
                expected = self.vip_prices if override else self.hand_prices
                self.assertEqual(self.terms_of(partner), (expected, self.hand_terms))
                self.assertEqual(
                    self.val(partner).crm_tier_pricelist_id,
                    self.vip_prices if override else self.vip_prices.browse(),
                )

    def test_changed_by_hand_in_the_tier_kept_on_leaving(self):
        """A pricelist changed by hand while in VIP stays when the customer leaves the tier;
        the terms the tier gave go back to the default."""
        partner = self.make_buyer("Benefit changed", [0, 5, 10])
        default_terms = self.terms_of(partner)[1]
        self.run_on(20)
        self.val(partner).property_product_pricelist = self.hand_prices
        self.run_on(380)
        self.assertEqual(self.val(partner).crm_tier_id, self.tier_standard)
        self.assertEqual(self.terms_of(partner), (self.hand_prices, default_terms))
        event = self.tier_events(partner)[-1]
        self.assertFalse(event.new_pricelist_id)
        self.assertEqual(
            (event.old_payment_term_id, event.new_payment_term_id),
            (self.vip_terms, default_terms),
        )

    def test_companies_sharing_the_tier(self):
        """The shared VIP tier gives each company's customers that company's pricelist."""
        other = self.env["res.company"].create(
            {"name": "Value Other Co", "currency_id": self.usd.id, "crm_tier_grace_days": 0}
        )
        self.env.user.company_ids |= other
        other_prices = self.env["product.pricelist"].create(
            {"name": "Other VIP Prices", "company_id": other.id}
        )
        self.tier_vip.with_company(other).pricelist_id = other_prices
        self.env["crm.tier.rule"].create(
            {"tier_id": self.tier_vip.id, "company_id": other.id, "min_orders_period": 1}
        )
        partner = self.make_buyer("Benefit shared", [0, 5, 10])
        self.make_order(partner, 100, self.start + timedelta(days=12), company=other)
        self.run_on(20)
        self.run_engine(as_of=self.start + timedelta(days=20), company=other)
        self.assertEqual(self.val(partner).property_product_pricelist, self.vip_prices)
        self.assertEqual(self.val(partner, other).property_product_pricelist, other_prices)
        # the terms are VIP's in the company that set them only
        self.assertEqual(self.val(partner).property_payment_term_id, self.vip_terms)
        self.assertFalse(self.val(partner, other).property_payment_term_id)

    def test_lock_applies_the_benefits(self):
        """Locking a Standard customer in VIP applies VIP's benefits, in its history and chatter."""
        partner = self.make_buyer("Benefit locked", [0])
        self.run_on(20)
        self.assertEqual(self.val(partner).crm_tier_id, self.tier_standard)
        self.env["crm.tier.lock.wizard"].with_user(self.tier_manager).with_company(self.vc).create(
            {
                "partner_ids": [(6, 0, partner.ids)],
                "company_id": self.vc.id,
                "tier_id": self.tier_vip.id,
                "reason": "Strategic account",
            }
        ).action_lock()
        self.assertEqual(self.terms_of(partner), (self.vip_prices, self.vip_terms))
        self.assertEqual(self.tier_events(partner)[-1].new_pricelist_id, self.vip_prices)
        self.assertEqual(len(self.benefit_notes(partner)), 1)

    def test_account_manager_and_team(self):
        """The tier's account manager and team, for a customer and its contacts, in the company;
        the customer's own salesperson is kept."""
        manager = self.tier_manager
        team = self.env["crm.team"].create({"name": "Key Accounts", "company_id": self.vc.id})
        self.tier_vip.with_company(self.vc).write(
            {"account_manager_id": manager.id, "account_team_id": team.id}
        )
        vip = self.make_buyer("Benefit managed", [0, 5, 10], user_id=self.tier_user.id)
        standard = self.make_buyer("Benefit standard", [0])
        contact = self.env["res.partner"].create({"name": "Buyer", "parent_id": vip.id})
        self.run_on(20)
        Tier = self.env["crm.customer.tier"].with_user(self.tier_user)
        self.assertEqual(Tier._get_account_manager(contact, self.vc), manager)
        self.assertEqual(Tier._get_account_team(contact, self.vc), team)
        self.assertFalse(Tier._get_account_manager(standard, self.vc))
        self.assertFalse(Tier._get_account_manager(vip, self.env.company))
        self.assertEqual(vip.user_id, self.tier_user)

    def test_access(self):
        """Salespeople read the benefits but write neither the tier's nor the applied values."""
        partner = self.make_buyer("Benefit access", [0, 5, 10])
        self.run_on(20)
        as_user = self.val(partner).with_user(self.tier_user)
        self.assertEqual(as_user.crm_tier_pricelist_id, self.vip_prices)
        for fname, value in (
            ("crm_tier_pricelist_id", self.hand_prices.id),
            ("crm_tier_payment_term_id", self.hand_terms.id),
        ):
            with self.assertRaisesRegex(AccessError, "by hand"):
                as_user.write({fname: value})
        tier = self.tier_vip.with_user(self.tier_user).with_company(self.vc)
        self.assertEqual(tier.pricelist_id, self.vip_prices)
        with self.assertRaisesRegex(AccessError, "not allowed to modify"):
            tier.write({"pricelist_id": self.hand_prices.id})
        # a benefit of another company is refused
        with self.assertRaisesRegex(ValidationError, "must belong to that company"):
            self.tier_vip.with_company(self.env.company).pricelist_id = self.hand_prices

    def test_getting_started_preview_leaves_nothing(self):
        """The preview of the first night applies the benefits in its savepoint only."""
        today = self.crm_today(self.vc)
        partner = self.make_customer("Benefit preview")
        insert_orders(
            self.env, self.vc, [(partner, today - timedelta(days=d), 100.0) for d in (1, 2, 3)]
        )
        cron = self.env.ref("crm_lifecycle_tiering.ir_cron_crm_value_recompute")
        cron.nextcall = fields.Datetime.now() - timedelta(minutes=1)
        self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)]).unlink()
        before = preview_traces(self.env), self.terms_of(partner)
        wizard = (
            self.env["crm.getting.started"]
            .with_user(self.tier_manager)
            .with_company(self.vc)
            .create({})
        )
        wizard.action_preview()
        self.assertEqual(wizard.state, "previewed")
        # the preview made the customer VIP, with the benefits, then rolled it all back
        vip_rows = [
            row for row in wizard.preview_data["values"]["rows"] if row[0] == self.tier_vip.id
        ]
        self.assertEqual(sum(row[2] for row in vip_rows), 1)
        self.assertEqual((preview_traces(self.env), self.terms_of(partner)), before)
        self.assertFalse(self.val(partner).crm_tier_pricelist_id)
        self.assertFalse(self.cards_of(partner))
