"""What a tier gives its customers, per company where the tier is shared: a pricelist, payment
terms, a membership of a loyalty programme, a dedicated account manager and a key-account team.

The value engine and the tier lock apply the pricelist and the payment terms when customers
enter or leave a tier (``_apply_benefits``), set-based: the customers are grouped by the value
they get and each group is written once through the ORM. Values set by hand are kept: the
customer keeps, per company, what its tier applied (``crm_tier_pricelist_id``,
``crm_tier_payment_term_id``); a tier replaces only the default value or the value the previous
tier applied (the company's "tier pricelist overrides" setting replaces any pricelist), and a
customer leaving a tier for one without the benefit gets the default back only when it still
has what the tier applied. The account manager and team stay on the tier: the customer's own
salesperson is not changed (``_get_account_manager``, ``_get_account_team``); new complaints,
follow-ups and churn activities of the tier's customers go to the account manager, else the
team's leader, before the general routing (``_get_dedicated_user``).

The loyalty programme is a membership: customers entering the tier get a card in the programme
(an archived card of theirs is reactivated with its points, never a second card); customers
leaving it keep their card archived, points and all (``loyalty.card._crm_tier_enrol``,
``_crm_tier_release``). A card the customer held without the tier is its own: kept either way.

What a tier entitles its customers to, in one line, where staff meet the customer.

The line is built, in the reader's language and for the current company, from the tier's
benefits (each addon adds its own parts by extending ``_get_entitlement_parts``) and ends with
the first line of the tier's free service policy."""

import re
import textwrap
from dataclasses import dataclass

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools.mail import html_to_inner_content

# the parts of the line are joined by this separator
ENTITLEMENT_SEPARATOR = " · "
# the service policy's first line is cut to this many characters
ENTITLEMENT_POLICY_WIDTH = 80
# where a line of an Html text ends
HTML_LINE_END = re.compile(r"<br\s*/?>|</(?:p|div|li|h[1-6]|tr|blockquote|pre)>", re.IGNORECASE)


@dataclass(frozen=True)
class Benefit:
    """A benefit the tier applies to its customers' own values, or a membership."""

    tier_field: str  # the tier's value (company-dependent)
    # the customer's own value, which the tier sets (company-dependent); none for a membership:
    # a card in the tier's loyalty programme
    own_field: str | None
    shown_field: str  # the customer's value as staff see it, for the history and the chatter
    applied_field: str  # the customer's value the tier applied (company-dependent, engine-owned)
    override_setting: str | None  # the company's setting by which the tier replaces any value
    event_fields: tuple  # the history event's (previous value, new value)


BENEFITS = (
    # the customer's own pricelist is what property_product_pricelist's inverse stores; empty,
    # the customer has the default pricelist (of its country, or the first one)
    Benefit(
        "pricelist_id",
        "specific_property_product_pricelist",
        "property_product_pricelist",
        "crm_tier_pricelist_id",
        "crm_tier_pricelist_override",
        ("old_pricelist_id", "new_pricelist_id"),
    ),
    Benefit(
        "payment_term_id",
        "property_payment_term_id",
        "property_payment_term_id",
        "crm_tier_payment_term_id",
        None,
        ("old_payment_term_id", "new_payment_term_id"),
    ),
    # the customer's card in the tier's loyalty programme: what staff see is the programme the
    # tier enrolled the customer in
    Benefit(
        "loyalty_program_id",
        None,
        "crm_tier_loyalty_program_id",
        "crm_tier_loyalty_program_id",
        None,
        ("old_loyalty_program_id", "new_loyalty_program_id"),
    ),
)
# the customers' fields the history and the chatter show for the benefits
BENEFIT_SHOWN_FIELDS = tuple(benefit.shown_field for benefit in BENEFITS)


def _add_write(writes, field, value, partner):
    """Adds ``partner`` to those of ``writes`` ({(field, value id): partners}) that get ``value``
    in ``field``."""
    key = (field, value.id or False)
    writes[key] = writes.get(key, partner.browse()) | partner


class CrmCustomerTier(models.Model):
    _inherit = "crm.customer.tier"

    pricelist_id = fields.Many2one(
        "product.pricelist",
        company_dependent=True,
        domain=lambda self: [("company_id", "in", [self.env.company.id, False])],
        help="Customers entering the tier get this pricelist in this company, unless their "
        "pricelist was set by hand (kept, unless the company's setting 'Tier pricelist "
        "overrides a customer's own' is on). Customers leaving the tier get the default "
        "pricelist back if they still have this one.",
    )
    payment_term_id = fields.Many2one(
        "account.payment.term",
        string="Payment Terms",
        company_dependent=True,
        domain=lambda self: [("company_id", "in", [self.env.company.id, False])],
        help="Customers entering the tier get these customer payment terms in this company, "
        "unless their terms were set by hand (kept). Customers leaving the tier get the "
        "default terms back if they still have these.",
    )
    account_manager_id = fields.Many2one(
        "res.users",
        company_dependent=True,
        domain=lambda self: [("share", "=", False), ("company_ids", "in", self.env.company.id)],
        help="The dedicated account manager of the tier's customers in this company: their new "
        "complaints, follow-ups and churn activities go to this person first. The customers' "
        "own salesperson is kept.",
    )
    account_team_id = fields.Many2one(
        "crm.team",
        string="Key-Account Team",
        company_dependent=True,
        domain=lambda self: [("company_id", "in", [self.env.company.id, False])],
        help="The key-account team of the tier's customers in this company: without an "
        "account manager, their new complaints, follow-ups and churn activities go to the "
        "team's leader first. The customers' own sales team is kept.",
    )
    loyalty_program_id = fields.Many2one(
        "loyalty.program",
        company_dependent=True,
        domain=lambda self: [
            ("program_type", "=", "loyalty"),
            ("company_id", "in", [self.env.company.id, False]),
        ],
        groups="crm_lifecycle_tiering.crm_lifecycle_tiering_group_user",
        help="Customers entering the tier get a card in this loyalty program in this company "
        "(a card of theirs archived earlier is reactivated with its points). Customers leaving "
        "the tier keep their card archived, with its points. A card a customer held before "
        "entering the tier is kept either way.",
    )

    @api.constrains(
        "pricelist_id",
        "payment_term_id",
        "account_manager_id",
        "account_team_id",
        "loyalty_program_id",
    )
    def _check_benefits_company(self):
        """A tier's benefits are those of the company they are set in (the current one); its
        loyalty programme is one of loyalty cards."""
        company = self.env.company
        for tier in self:
            program = tier.sudo().loyalty_program_id
            if program and program.program_type != "loyalty":
                raise ValidationError(
                    self.env._(
                        "The loyalty program of tier %(tier)s must be a program of loyalty "
                        "cards: %(program)s is not.",
                        tier=tier.display_name,
                        program=program.display_name,
                    )
                )
            wrong = [
                record.display_name
                for record in (
                    tier.pricelist_id,
                    tier.payment_term_id,
                    tier.account_team_id,
                    program,
                )
                if record.sudo().company_id not in (company, company.browse())
            ]
            manager = tier.account_manager_id
            if manager and company not in manager.sudo().company_ids:
                wrong.append(manager.display_name)
            if wrong:
                raise ValidationError(
                    self.env._(
                        "The benefits of tier %(tier)s in %(company)s must belong to that "
                        "company: %(records)s.",
                        tier=tier.display_name,
                        company=company.name,
                        records=", ".join(wrong),
                    )
                )

    # ------------------------------------------------------------------ account manager, team
    @api.model
    def _get_account_manager(self, partner, company):
        """The dedicated account manager of ``partner``'s tier in ``company`` (the tier is the
        commercial partner's), or no user."""
        return self._get_customer_tier(partner, company).account_manager_id.sudo(self.env.su)

    @api.model
    def _get_account_team(self, partner, company):
        """The key-account team of ``partner``'s tier in ``company``, or no team."""
        return self._get_customer_tier(partner, company).account_team_id.sudo(self.env.su)

    @api.model
    def _get_dedicated_user(self, partner, company):
        """The person new work on ``partner`` in ``company`` goes to before the general
        routing (complaints, follow-ups, churn activities): its tier's account manager, else
        the leader of its tier's key-account team; no user when neither is set, active and
        working in the company."""
        return self._get_customer_tier(partner, company)._get_tier_user(company)

    def _get_tier_user(self, company):
        """The dedicated user of the tier (``self``, at most one; none for no tier) in
        ``company``: see _get_dedicated_user."""
        tier = self.sudo().with_company(company)
        for user in (tier.account_manager_id, tier.account_team_id.user_id):
            if user.active and not user.share and company in user.company_ids:
                return user.sudo(self.env.su)
        return self.env["res.users"]

    @api.model
    def _get_customer_tier(self, partner, company):
        # sudo: routing asks whoever acts (a portal complaint, a cron); the tier's benefits are
        # read in the company
        return partner.commercial_partner_id.sudo().with_company(company).crm_tier_id

    # ------------------------------------------------------------------ applying the benefits
    @api.model
    def _apply_benefits(self, company, changes):
        """Applies the benefits of the tier changes ``changes`` [(partner id, previous tier id,
        new tier id)] of commercial partners in ``company``. Returns {partner id: {event field:
        id}}: what changed, the values as staff see them before and after, for the history (the
        fields of crm.lifecycle.event in BENEFITS)."""
        Partner = (
            self.env["res.partner"]
            .sudo()
            .with_company(company)
            .with_context(active_test=False, tracking_disable=True)
        )
        partners = Partner.browse([partner_id for partner_id, _old, _new in changes])
        partners = partners.filtered(lambda partner: partner.commercial_partner_id == partner)
        if not partners:
            return {}
        tiers = dict.fromkeys(partners.ids)
        for partner_id, old_tier, new_tier in changes:
            tiers[partner_id] = (old_tier, new_tier)
        Tier = self.sudo().with_company(company).with_context(active_test=False)
        plans = [
            (benefit, self._plan_benefit(benefit, company, partners, tiers, Tier))
            for benefit in BENEFITS
        ]
        changed = Partner.browse()
        for benefit, writes in plans:
            for (field, _value), group in writes.items():
                if field in (benefit.own_field, benefit.shown_field):
                    changed |= group
        # what staff see before, of the customers whose values change only (a run without
        # benefits to apply reads nothing more)
        shown_before = {
            partner.id: {field: partner[field] for field in BENEFIT_SHOWN_FIELDS}
            for partner in changed
        }
        for benefit, writes in plans:
            if not benefit.own_field:
                # the cards first: the writes change what the customers were enrolled in
                self._apply_memberships(benefit, company, partners, writes)
        for _benefit, writes in plans:
            for (field, value), group in writes.items():
                group.write({field: value})
        if not changed:
            return {}
        changed.invalidate_recordset()
        result = {}
        for partner in changed:
            values = {}
            for benefit in BENEFITS:
                before = shown_before[partner.id][benefit.shown_field]
                after = partner[benefit.shown_field]
                if before != after:
                    old_field, new_field = benefit.event_fields
                    values.update({old_field: before.id or None, new_field: after.id or None})
            if values:
                result[partner.id] = values
        return result

    @api.model
    def _plan_benefit(self, benefit, company, partners, tiers, Tier):
        """The writes that apply ``benefit`` to ``partners`` (their tiers {partner id: (previous,
        new tier id)}): {(field, value id): partners}, the own values and the applied ones."""
        if not benefit.own_field:
            return self._plan_membership(benefit, company, partners, tiers, Tier)
        default = partners._fields[benefit.own_field].get_company_dependent_fallback(partners)
        override = bool(benefit.override_setting and company[benefit.override_setting])
        writes = {}
        for partner in partners:
            new_value = Tier.browse(tiers[partner.id][1] or [])[benefit.tier_field]
            own, applied = partner[benefit.own_field], partner[benefit.applied_field]
            nothing = applied.browse()
            if new_value and (own == default or own == applied or override):
                # the default, or what the previous tier applied: the new tier's replaces it
                target, now_applied = new_value, new_value
            elif not new_value and applied and own == applied:
                # leaving for no such benefit: the default again
                target, now_applied = default, nothing
            else:
                # set by hand: kept, and no tier's any more
                target, now_applied = own, nothing
            if target != own:
                _add_write(writes, benefit.own_field, target, partner)
            if now_applied != applied:
                _add_write(writes, benefit.applied_field, now_applied, partner)
        return writes

    @api.model
    def _plan_membership(self, benefit, company, partners, tiers, Tier):
        """The writes that apply the membership ``benefit`` to ``partners`` (see _plan_benefit):
        {(applied field, programme id): partners}. A customer entering a tier with a programme
        is enrolled in it, unless it already holds an active card of the programme that no tier
        gave it (its own, kept as it is); leaving, it is no longer enrolled."""
        new_programs = {
            partner.id: Tier.browse(tiers[partner.id][1] or [])[benefit.tier_field]
            for partner in partners
        }
        programs = self.env["loyalty.program"].union(*new_programs.values())
        held = {
            (card.partner_id.id, card.program_id.id)
            for card in self.env["loyalty.card"]._crm_tier_cards(partners, programs)
            if card.active
        }
        elsewhere = self._get_memberships_elsewhere(benefit, company, partners, programs)
        writes = {}
        for partner in partners:
            new_program, applied = new_programs[partner.id], partner[benefit.applied_field]
            key = (partner.id, new_program.id)
            if new_program == applied:
                # enrolled already (a tier change applied again, two tiers sharing a programme)
                continue
            if new_program and (key not in held or key in elsewhere):
                target = new_program
            else:
                target = applied.browse()
            if target != applied:
                _add_write(writes, benefit.applied_field, target, partner)
        return writes

    @api.model
    def _apply_memberships(self, benefit, company, partners, writes):
        """The cards of the membership ``benefit`` as its ``writes`` (see _plan_membership) change
        it: the customers leaving a programme have their card archived, unless a tier of another
        company still enrols them in it (a programme shared by companies); those entering one
        get an active card."""
        release, enrol = set(), set()
        for (_field, program_id), group in writes.items():
            for partner in group:
                if partner[benefit.applied_field]:
                    release.add((partner.id, partner[benefit.applied_field].id))
                if program_id:
                    enrol.add((partner.id, program_id))
        Card = self.env["loyalty.card"]
        if release:
            programs = self.env["loyalty.program"].browse({pair[1] for pair in release})
            release -= self._get_memberships_elsewhere(benefit, company, partners, programs)
            Card._crm_tier_release(release)
        Card._crm_tier_enrol(enrol)

    @api.model
    def _get_memberships_elsewhere(self, benefit, company, partners, programs):
        """The (partner id, programme id) pairs of ``partners`` and ``programs`` in which a tier of
        another company than ``company`` enrolled them: only a programme shared by companies can
        be a benefit in two of them."""
        shared = programs.sudo().filtered(lambda program: not program.company_id)
        if not shared:
            return set()
        others = self.env["res.company"].sudo().search([("id", "!=", company.id)])
        return {
            (partner.id, partner[benefit.applied_field].id)
            for other in others
            for partner in partners.with_company(other)
            if partner[benefit.applied_field] in shared
        }

    entitlement_summary = fields.Char(
        compute="_compute_entitlement_summary",
        help="What customers of this tier are entitled to in the current company: its "
        "benefits and the first line of its service policy.",
    )

    @api.depends(
        "service_policy",
        "pricelist_id",
        "payment_term_id",
        "loyalty_program_id",
        "account_manager_id",
        "account_team_id",
    )
    @api.depends_context("company", "lang")
    def _compute_entitlement_summary(self):
        for tier in self:
            parts = [*tier._get_entitlement_parts(), tier._get_policy_first_line()]
            tier.entitlement_summary = ENTITLEMENT_SEPARATOR.join(filter(None, parts))

    def _get_entitlement_parts(self):
        """The benefits of the tier in the current company, each a short sentence in the
        reader's language, in the order they are shown. Addons extend this list."""
        self.ensure_one()
        # the reader may not read pricelists, terms, users or teams: only their names show
        # (a pricelist's name, not its display name with the currency)
        tier = self.sudo()
        parts = []
        # the benefit fields are company-dependent: read in the current company
        if tier.pricelist_id:
            parts.append(self.env._("Pricelist: %(pricelist)s", pricelist=tier.pricelist_id.name))
        if tier.payment_term_id:
            parts.append(self.env._("Payment terms: %(terms)s", terms=tier.payment_term_id.name))
        if tier.loyalty_program_id:
            parts.append(
                self.env._("Loyalty program: %(program)s", program=tier.loyalty_program_id.name)
            )
        if tier.account_manager_id:
            parts.append(self.env._("Account manager: %(user)s", user=tier.account_manager_id.name))
        if tier.account_team_id:
            parts.append(self.env._("Key-account team: %(team)s", team=tier.account_team_id.name))
        return parts

    def _get_policy_first_line(self):
        """The first non-empty line of the service policy, as plain text, shortened."""
        self.ensure_one()
        lines = (
            html_to_inner_content(part) for part in HTML_LINE_END.split(self.service_policy or "")
        )
        line = next((line for line in lines if line), "")
        return textwrap.shorten(line, width=ENTITLEMENT_POLICY_WIDTH, placeholder=" …")
