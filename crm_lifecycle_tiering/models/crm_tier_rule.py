import ast

from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError
from odoo.fields import Domain

from . import lifecycle_data

# the fields that make a rule's conditions
CONDITION_FIELDS = (
    "min_revenue_period",
    "min_orders_period",
    "min_tenure_months",
    "min_referrals",
    "min_potential",
    "min_value_score",
    "rfm_segment_ids",
    "partner_domain",
)


class CrmTierRule(models.Model):
    _name = "crm.tier.rule"
    _description = "Customer Tier Rule"
    _order = "tier_sequence, sequence, id"
    _check_company_auto = True

    name = fields.Char(translate=True, help="Optional label; the conditions describe the rule.")
    tier_id = fields.Many2one(
        "crm.customer.tier", required=True, ondelete="cascade", index=True, check_company=True
    )
    tier_sequence = fields.Integer(related="tier_id.sequence", store=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company",
        help="Leave empty to apply the rule in every company.",
    )
    currency_id = fields.Many2one(
        "res.currency", compute="_compute_currency_id", help="Currency of the revenue threshold."
    )
    min_revenue_period = fields.Monetary(
        string="Minimum Revenue in Window",
        help="Revenue over the value window (settings), in the company currency. 0: not used.",
    )
    min_orders_period = fields.Integer(
        string="Minimum Orders in Window", help="Orders over the value window. 0: not used."
    )
    min_tenure_months = fields.Integer(
        string="Minimum Tenure (months)", help="Months since the first purchase. 0: not used."
    )
    min_referrals = fields.Integer(
        string="Minimum Referrals", help="Customers this one referred to us. 0: not used."
    )
    min_potential = fields.Selection(
        lifecycle_data.POTENTIALS,
        string="Minimum Potential",
        default=lifecycle_data.POTENTIAL_UNKNOWN,
        required=True,
    )
    min_value_score = fields.Float(string="Minimum Value Score", help="0 to 100. 0: not used.")
    rfm_segment_ids = fields.Many2many(
        "crm.rfm.segment",
        string="RFM Segments",
        help="The customer must be in one of these segments. Empty: not used.",
    )
    partner_domain = fields.Char(
        string="Customers",
        default="[]",
        help="Only customers matching this filter (country, tags, industry, salesperson…).",
    )
    summary = fields.Char(compute="_compute_summary")

    _thresholds_not_negative = models.Constraint(
        "CHECK(min_revenue_period >= 0 AND min_orders_period >= 0 AND min_tenure_months >= 0"
        " AND min_referrals >= 0 AND min_value_score >= 0 AND min_value_score <= 100)",
        "Rule thresholds cannot be negative, and the value score runs from 0 to 100.",
    )

    @api.depends("company_id")
    def _compute_currency_id(self):
        for rule in self:
            rule.currency_id = (rule.company_id or self.env.company).currency_id

    def _has_domain(self):
        self.ensure_one()
        return bool(self._get_partner_domain())

    def _get_partner_domain(self):
        self.ensure_one()
        try:
            # anything but a list of conditions (a number, a dict, None, a bad operator…)
            return Domain(ast.literal_eval(self.partner_domain or "[]"))
        except (ValueError, SyntaxError, TypeError, RecursionError, MemoryError) as exc:
            raise ValidationError(
                self.env._(
                    "The customer filter of rule “%(rule)s” is not a valid domain: %(error)s",
                    rule=self.display_name,
                    error=exc,
                )
            ) from exc

    def _check_partner_domain_access(self):
        """Raises an AccessError when the current user may not evaluate the customer filter of
        one of these rules: it reads data the user has no access to (e.g. sales orders)."""
        Partner = self.env["res.partner"].with_context(active_test=False)
        for rule in self:
            domain = rule._get_partner_domain()
            if domain.is_true():
                continue
            try:
                # building the query checks the access to every model and field it reads
                Partner._search(domain)
            except AccessError as exc:
                raise AccessError(
                    self.env._(
                        "The customer filter of rule “%(rule)s” reads data you have no access "
                        "to: %(error)s",
                        rule=rule.display_name,
                        error=exc.args[0],
                    )
                ) from exc

    def _conditions(self):
        """Enabled conditions as (key, threshold); the engine tests them in this order."""
        self.ensure_one()
        conditions = []
        if self.min_revenue_period:
            conditions.append((lifecycle_data.COND_REVENUE, self.min_revenue_period))
        if self.min_orders_period:
            conditions.append((lifecycle_data.COND_ORDERS, self.min_orders_period))
        if self.min_tenure_months:
            conditions.append((lifecycle_data.COND_TENURE, self.min_tenure_months))
        if self.min_referrals:
            conditions.append((lifecycle_data.COND_REFERRALS, self.min_referrals))
        if self.min_potential and self.min_potential != lifecycle_data.POTENTIAL_UNKNOWN:
            conditions.append((lifecycle_data.COND_POTENTIAL, int(self.min_potential)))
        if self.min_value_score:
            conditions.append((lifecycle_data.COND_SCORE, self.min_value_score))
        if self.rfm_segment_ids:
            conditions.append((lifecycle_data.COND_SEGMENT, set(self.rfm_segment_ids.ids)))
        return conditions

    # ------------------------------------------------------------------ tier matching
    @api.model
    def _match_tier(self, ctx, partner_id, metrics, in_domain):
        """Highest-ranked tier with a matching rule, else the lowest tier: (tier, rule, reason).

        ``ctx`` is the value engine's run (crm_value_engine.RunContext): its tiers with their
        rules compiled by _conditions, best first, and its settings; ``metrics`` the customer's
        figures by condition key; ``in_domain`` {rule id: ids of the batch's customers matching
        the rule's customer filter}."""
        for tier_id, rules in ctx.tiers:
            for rule_id, conditions, has_domain in rules:
                for key, threshold in conditions:
                    value = metrics[key]
                    if (
                        value not in threshold
                        if key == lifecycle_data.COND_SEGMENT
                        else value < threshold
                    ):
                        break
                else:
                    if has_domain and partner_id not in in_domain[rule_id]:
                        continue
                    met = [
                        self._condition_reason(ctx, key, metrics[key], t) for key, t in conditions
                    ]
                    if has_domain:
                        met.append({"code": lifecycle_data.COND_DOMAIN})
                    return (
                        tier_id,
                        rule_id,
                        {"code": lifecycle_data.REASON_RULE, "rule_id": rule_id, "conditions": met},
                    )
        lowest = ctx.tiers[-1][0]
        return lowest, None, {"code": lifecycle_data.REASON_DEFAULT, "tier_id": lowest}

    @api.model
    def _condition_reason(self, ctx, key, value, threshold):
        """A met condition of a rule, with the customer's figure and the rule's threshold."""
        if key == lifecycle_data.COND_SEGMENT:
            return {"code": key, "segment_id": value}
        reason = {"code": key, "value": value, "threshold": threshold}
        if key in (lifecycle_data.COND_REVENUE, lifecycle_data.COND_ORDERS):
            # figures of the rolling window, the revenue in the company's currency
            reason["months"] = ctx.settings["window"]
        if key == lifecycle_data.COND_REVENUE:
            reason.update(value=round(value, 2), currency_id=ctx.settings["currency_id"])
        return reason

    @api.constrains(*CONDITION_FIELDS, "tier_id", "company_id")
    def _check_rule(self):
        Partner = self.env["res.partner"].sudo()
        for rule in self:
            domain = rule._get_partner_domain()
            try:
                domain.validate(Partner)
            except Exception as exc:
                raise ValidationError(
                    self.env._(
                        "The customer filter of rule “%(rule)s” is not a valid domain: %(error)s",
                        rule=rule.display_name,
                        error=exc,
                    )
                ) from exc
            # the nightly run evaluates it as the system: its author (constraints run as the
            # system, for the same user) must be able to
            rule.sudo(False)._check_partner_domain_access()
            if not rule._conditions() and domain.is_true():
                raise ValidationError(
                    self.env._(
                        "Rule “%(rule)s” for tier %(tier)s has no condition: set at least one "
                        "threshold, segment or customer filter.",
                        rule=rule.display_name,
                        tier=rule.tier_id.name,
                    )
                )
            if rule.tier_id.company_id and rule.tier_id.company_id != rule.company_id:
                raise ValidationError(
                    self.env._(
                        "Tier %(tier)s belongs to %(tier_company)s: a rule for it must belong to "
                        "the same company.",
                        tier=rule.tier_id.name,
                        tier_company=rule.tier_id.company_id.name,
                    )
                )

    @api.depends("name", "tier_id", *CONDITION_FIELDS)
    def _compute_summary(self):
        potentials = dict(self._fields["min_potential"]._description_selection(self.env))
        for rule in self:
            parts = []
            for key, threshold in rule._conditions():
                if key == lifecycle_data.COND_REVENUE:
                    parts.append(
                        rule.env._(
                            "revenue ≥ %(amount)s",
                            amount=rule.currency_id.format(threshold).replace("\xa0", " "),
                        )
                    )
                elif key == lifecycle_data.COND_ORDERS:
                    parts.append(rule.env._("orders ≥ %(count)s", count=threshold))
                elif key == lifecycle_data.COND_TENURE:
                    parts.append(rule.env._("tenure ≥ %(months)s months", months=threshold))
                elif key == lifecycle_data.COND_REFERRALS:
                    parts.append(rule.env._("referrals ≥ %(count)s", count=threshold))
                elif key == lifecycle_data.COND_POTENTIAL:
                    parts.append(
                        rule.env._("potential ≥ %(level)s", level=potentials[rule.min_potential])
                    )
                elif key == lifecycle_data.COND_SCORE:
                    parts.append(rule.env._("value score ≥ %(score)s", score=threshold))
                elif key == lifecycle_data.COND_SEGMENT:
                    parts.append(
                        rule.env._(
                            "segment in %(names)s",
                            names=", ".join(rule.rfm_segment_ids.mapped("name")),
                        )
                    )
            try:
                if not rule._get_partner_domain().is_true():
                    parts.append(rule.env._("customer filter"))
            except ValidationError:
                parts.append(rule.env._("invalid customer filter"))
            rule.summary = rule.env._(" and ").join(parts)

    @api.depends("name", "summary", "tier_id")
    def _compute_display_name(self):
        for rule in self:
            rule.display_name = rule.name or f"{rule.tier_id.name}: {rule.summary}"
