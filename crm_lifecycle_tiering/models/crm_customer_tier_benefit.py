"""What a tier gives its customers, per company where the tier is shared: a pricelist, payment
terms, a dedicated account manager and a key-account team.

The value engine and the tier lock apply the pricelist and the payment terms when customers
enter or leave a tier (``_apply_benefits``), set-based: the customers are grouped by the value
they get and each group is written once through the ORM. Values set by hand are kept: the
customer keeps, per company, what its tier applied (``crm_tier_pricelist_id``,
``crm_tier_payment_term_id``); a tier replaces only the default value or the value the previous
tier applied (the company's "tier pricelist overrides" setting replaces any pricelist), and a
customer leaving a tier for one without the benefit gets the default back only when it still
has what the tier applied. The account manager and team stay on the tier: the customer's own
salesperson is not changed (``_get_account_manager``, ``_get_account_team``)."""

from dataclasses import dataclass

from odoo import api, fields, models
from odoo.exceptions import ValidationError


@dataclass(frozen=True)
class Benefit:
    """A benefit the tier applies to its customers' own values."""

    tier_field: str  # the tier's value (company-dependent)
    own_field: str  # the customer's own value, which the tier sets (company-dependent)
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
)
# the customers' fields the history and the chatter show for the benefits
BENEFIT_SHOWN_FIELDS = tuple(benefit.shown_field for benefit in BENEFITS)


class CrmCustomerTier(models.Model):
    _inherit = "crm.customer.tier"

    pricelist_id = fields.Many2one(
        "product.pricelist",
        string="Pricelist",
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
        string="Account Manager",
        company_dependent=True,
        domain=lambda self: [("share", "=", False), ("company_ids", "in", self.env.company.id)],
        help="The dedicated account manager of the tier's customers in this company. The "
        "customers' own salesperson is kept.",
    )
    account_team_id = fields.Many2one(
        "crm.team",
        string="Key-Account Team",
        company_dependent=True,
        domain=lambda self: [("company_id", "in", [self.env.company.id, False])],
        help="The key-account team of the tier's customers in this company. The customers' "
        "own sales team is kept.",
    )

    @api.constrains("pricelist_id", "payment_term_id", "account_manager_id", "account_team_id")
    def _check_benefits_company(self):
        """A tier's benefits are those of the company they are set in (the current one)."""
        company = self.env.company
        for tier in self:
            wrong = [
                record.display_name
                for record in (tier.pricelist_id, tier.payment_term_id, tier.account_team_id)
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
                if field == benefit.own_field:
                    changed |= group
        # what staff see before, of the customers whose values change only (a run without
        # benefits to apply reads nothing more)
        shown_before = {
            partner.id: {field: partner[field] for field in BENEFIT_SHOWN_FIELDS}
            for partner in changed
        }
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
        default = partners._fields[benefit.own_field].get_company_dependent_fallback(partners)
        override = bool(benefit.override_setting and company[benefit.override_setting])
        writes = {}

        def add(field, value, partner):
            key = (field, value.id or False)
            writes[key] = writes.get(key, partner.browse()) | partner

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
                add(benefit.own_field, target, partner)
            if now_applied != applied:
                add(benefit.applied_field, now_applied, partner)
        return writes
