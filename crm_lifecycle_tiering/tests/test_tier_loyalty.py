"""The loyalty programme a tier enrols its customers in: one card per customer and programme,
whatever runs twice; a card the customer held without the tier is its own; the programme is one
of loyalty cards of the tier's company; staff see it in the entitlement summary; salespeople
neither set it nor the enrolment."""

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged

from .test_tier_benefits import TierBenefitCase


@tagged("post_install", "-at_install")
class TestTierLoyalty(TierBenefitCase):
    def apply(self, partner, old_tier, new_tier, company=None):
        """Applies the benefits of ``partner`` moving from ``old_tier`` to ``new_tier`` in
        ``company`` (Value Test Co), as the lock wizard does."""
        return self.env["crm.customer.tier"]._apply_benefits(
            company or self.vc, [(partner.id, old_tier.id, new_tier.id)]
        )

    def test_enrolled_once(self):
        """A second run of the engine writes nothing; the same tier change applied again (a
        double click, a replay) neither writes nor creates a second card."""
        partner = self.make_buyer("Loyalty once", [0, 5, 10])
        self.run_on(20)
        card = self.cards_of(partner)
        self.assertEqual(len(card), 1)
        events = self.tier_events(partner)
        result = self.run_on(20)
        self.assertEqual((result["written"], result["events"]), (0, 0))
        self.assertEqual(self.tier_events(partner), events)
        self.assertEqual(self.apply(partner, self.tier_standard, self.tier_vip), {})
        self.assertEqual(self.cards_of(partner), card)
        self.assertTrue(card.active)

    def test_card_held_before_is_kept(self):
        """A customer holding a card of the programme (made by hand, with points) gets no second
        card on entering VIP; the card is its own: still active after leaving VIP."""
        partner = self.make_buyer("Loyalty own card", [0, 5, 10])
        card = self.env["loyalty.card"].create(
            {"partner_id": partner.id, "program_id": self.vip_club.id, "points": 30}
        )
        self.run_on(20)
        self.assertEqual(self.val(partner).crm_tier_id, self.tier_vip)
        self.assertEqual(self.cards_of(partner), card)
        self.assertFalse(self.val(partner).crm_tier_loyalty_program_id)
        self.assertFalse(self.tier_events(partner).new_loyalty_program_id)
        self.run_on(380)
        self.assertEqual(self.val(partner).crm_tier_id, self.tier_standard)
        self.assertEqual((self.cards_of(partner), card.active, card.points), (card, True, 30))

    def test_archived_card_reactivated(self):
        """A customer whose own card was archived gets it back, with its points, on entering
        VIP, not a second one; the tier enrolled it, so leaving archives it again."""
        partner = self.make_buyer("Loyalty archived", [0, 5, 10])
        card = self.env["loyalty.card"].create(
            {"partner_id": partner.id, "program_id": self.vip_club.id, "points": 7}
        )
        card.active = False
        benefits = self.apply(partner, self.tier_standard, self.tier_vip)
        self.assertEqual(benefits[partner.id]["new_loyalty_program_id"], self.vip_club.id, benefits)
        self.assertEqual((self.cards_of(partner), card.active, card.points), (card, True, 7))
        self.apply(partner, self.tier_vip, self.tier_standard)
        self.assertEqual((self.cards_of(partner), card.active, card.points), (card, False, 7))

    def test_programme_of_the_company(self):
        """The tier's programme is a loyalty-card programme of the company it is set in."""
        other = self.env["res.company"].create({"name": "Loyalty Other Co"})
        tier = self.tier_vip.with_company(self.vc)
        with self.assertRaisesRegex(
            ValidationError,
            r"The benefits of tier VIP in Value Test Co must belong to that company: Other Club\.",
        ):
            tier.loyalty_program_id = self.make_loyalty_program("Other Club", other)
        with self.assertRaisesRegex(
            ValidationError,
            r"The loyalty program of tier VIP must be a program of loyalty cards: Welcome "
            r"Coupons is not\.",
        ):
            tier.loyalty_program_id = self.make_loyalty_program(
                "Welcome Coupons", self.vc, "coupons"
            )
        # a programme shared by all companies may be the benefit of any
        shared = self.env["loyalty.program"].create(
            {
                "name": "Shared Club",
                "program_type": "loyalty",
                "company_id": False,
                "currency_id": self.usd.id,
            }
        )
        tier.loyalty_program_id = shared
        self.assertEqual(tier.loyalty_program_id, shared)

    def test_entitlement_summary(self):
        """The programme's name is in the summary of the tier's entitlement, in its company."""
        summary = self.tier_vip.with_company(self.vc).with_user(self.tier_user).entitlement_summary
        self.assertIn("Loyalty program: VIP Club", summary)
        self.assertNotIn(
            "VIP Club", self.tier_vip.with_company(self.env.company).entitlement_summary
        )

    def test_access(self):
        """Salespeople read the tier's programme; they set neither it nor a customer's
        enrolment."""
        partner = self.make_buyer("Loyalty access", [0, 5, 10])
        self.run_on(20)
        tier = self.tier_vip.with_user(self.tier_user).with_company(self.vc)
        self.assertEqual(tier.loyalty_program_id, self.vip_club)
        with self.assertRaisesRegex(AccessError, "not allowed to modify"):
            tier.write({"loyalty_program_id": False})
        as_user = self.val(partner).with_user(self.tier_user)
        self.assertEqual(as_user.crm_tier_loyalty_program_id, self.vip_club)
        with self.assertRaisesRegex(AccessError, "by hand"):
            as_user.write({"crm_tier_loyalty_program_id": False})

    def test_programme_shared_by_companies(self):
        """VIP gives a programme shared by two companies in both: one card; leaving VIP in one
        company keeps it active while the other's VIP still grants it."""
        other = self.env["res.company"].create({"name": "Loyalty Shared Co"})
        shared = self.env["loyalty.program"].create(
            {
                "name": "Shared Club",
                "program_type": "loyalty",
                "company_id": False,
                "currency_id": self.usd.id,
            }
        )
        companies = (self.vc, other)
        for company in companies:
            self.tier_vip.with_company(company).loyalty_program_id = shared
        partner = self.make_customer("Loyalty shared")
        for company in companies:
            self.apply(partner, self.tier_standard.browse(), self.tier_vip, company)
            self.assertEqual(self.val(partner, company).crm_tier_loyalty_program_id, shared)
        card = self.cards_of(partner, shared)
        self.assertEqual((len(card), card.active), (1, True))
        self.apply(partner, self.tier_vip, self.tier_standard)
        self.assertFalse(self.val(partner).crm_tier_loyalty_program_id)
        self.assertTrue(card.active)
        self.apply(partner, self.tier_vip, self.tier_standard, other)
        self.assertEqual((self.cards_of(partner, shared), card.active), (card, False))
