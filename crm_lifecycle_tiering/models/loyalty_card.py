"""The cards of the loyalty programmes that tiers enrol their customers in
(crm_customer_tier_benefit): enrolled once, archived on leaving, reactivated on coming back."""

from odoo import api, models


class LoyaltyCard(models.Model):
    _inherit = "loyalty.card"

    # ------------------------------------------------------------------ tier memberships
    @api.model
    def _crm_tier_cards(self, partners, programs):
        """The cards, archived ones too, of ``partners`` in ``programs``, oldest first."""
        if not partners or not programs:
            return self.browse()
        return (
            self.sudo()
            .with_context(active_test=False)
            .search(
                [("partner_id", "in", partners.ids), ("program_id", "in", programs.ids)],
                order="id",
            )
        )

    @api.model
    def _crm_tier_pair_cards(self, pairs):
        """{(partner id, programme id): cards} of the cards of ``pairs``, archived ones too."""
        Partner, Program = self.env["res.partner"], self.env["loyalty.program"]
        cards = self._crm_tier_cards(
            Partner.browse({pair[0] for pair in pairs}), Program.browse({pair[1] for pair in pairs})
        )
        by_pair = {}
        for card in cards:
            key = (card.partner_id.id, card.program_id.id)
            if key in pairs:
                by_pair[key] = by_pair.get(key, self.browse()) | card
        return by_pair

    @api.model
    def _crm_tier_enrol(self, pairs):
        """Gives each partner of ``pairs`` {(partner id, programme id)} an active card in the
        programme: the partner's card there if it has one (an archived one is reactivated, with
        its points), else a new card, created for all at once. Never a second card: the
        partners' rows are locked first, and the tier engine writes them in the same
        transaction, so a concurrent run fails (and is retried) instead of enrolling them
        twice. Silent: the programme's mails are not sent (a first night enrols thousands)."""
        if not pairs:
            return self.browse()
        self.env["res.partner"].browse({pair[0] for pair in pairs}).lock_for_update(
            allow_referencing=True
        )
        Card = self.sudo().with_context(
            tracking_disable=True, mail_create_nolog=True, loyalty_no_mail=True
        )
        by_pair = Card._crm_tier_pair_cards(pairs)
        reactivate = Card.browse()
        create = []
        for partner_id, program_id in sorted(pairs):
            cards = by_pair.get((partner_id, program_id))
            if not cards:
                create.append({"partner_id": partner_id, "program_id": program_id, "points": 0})
            elif not any(cards.mapped("active")):
                # the latest card the partner had in the programme
                reactivate |= cards[-1]
        reactivate.write({"active": True})
        return reactivate | Card.create(create)

    @api.model
    def _crm_tier_release(self, pairs):
        """Archives the active cards of ``pairs`` {(partner id, programme id)}: the partners are
        no longer members, and the cards keep their points for a return."""
        cards = self.browse()
        for group in self._crm_tier_pair_cards(pairs).values():
            cards |= group
        cards = cards.filtered("active")
        cards.with_context(tracking_disable=True, loyalty_no_mail=True).write({"active": False})
        return cards
