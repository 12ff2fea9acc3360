from odoo import api, fields, models
from odoo.exceptions import UserError


class CrmCustomerTier(models.Model):
    _name = "crm.customer.tier"
    _description = "Customer Tier"
    _order = "sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    code = fields.Char(
        required=True,
        help="Stable key used by rules, SLAs and playbooks (e.g. vip, key, standard).",
    )
    sequence = fields.Integer(
        string="Rank",
        default=10,
        help="Tiers are ranked top-down: the first is the best. A customer gets the "
        "highest-ranked tier whose rule matches, else the lowest-ranked tier.",
    )
    color = fields.Integer()
    active = fields.Boolean(default=True)
    service_policy = fields.Html(
        translate=True,
        help="What customers of this tier are entitled to (channel, response time, terms).",
    )
    company_id = fields.Many2one(
        "res.company",
        help="Leave empty to share the tier between all companies.",
    )

    rule_ids = fields.One2many("crm.tier.rule", "tier_id", string="Rules")
    rule_count = fields.Integer(compute="_compute_rule_count", string="Rules Count")
    customer_count = fields.Integer(compute="_compute_customer_count", string="Customers")

    _code_company_uniq = models.UniqueIndex(
        "(code, COALESCE(company_id, 0))",
        "A tier code must be unique per company.",
    )

    @api.ondelete(at_uninstall=False)
    def _unlink_except_with_rules(self):
        """A tier is a key other records are restricted to; they must not silently lose it.
        Here its rules (archived ones included) would go with it; the addons that restrict
        records to tiers guard them the same way."""
        rules = (
            self.env["crm.tier.rule"]
            .sudo()
            .with_context(active_test=False)
            .search([("tier_id", "in", self.ids)])
        )
        for tier in self:
            tier_rules = rules.filtered(lambda rule, tier=tier: rule.tier_id == tier)
            if tier_rules:
                raise UserError(
                    self.env._(
                        "Tier %(tier)s cannot be deleted: its rules %(rules)s would be deleted "
                        "with it. Delete them or move them to another tier first, or archive "
                        "the tier.",
                        tier=tier.display_name,
                        rules=", ".join(tier_rules.mapped("display_name")),
                    )
                )

    @api.depends("rule_ids")
    def _compute_rule_count(self):
        for tier in self:
            tier.rule_count = len(tier.rule_ids)

    @api.depends_context("company")
    def _compute_customer_count(self):
        counts = dict(
            self.env["res.partner"]
            .with_context(active_test=False)
            ._read_group([("crm_tier_id", "in", self.ids)], ["crm_tier_id"], ["__count"])
        )
        for tier in self:
            tier.customer_count = counts.get(tier, 0)

    def action_open_customers(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_lifecycle_tiering.res_partner_action_customer_value"
        )
        action["domain"] = [("crm_tier_id", "=", self.id)]
        action["context"] = {}
        return action

    @api.depends("name", "code")
    def _compute_display_name(self):
        for tier in self:
            tier.display_name = tier.name or tier.code
