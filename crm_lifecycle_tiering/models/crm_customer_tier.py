from odoo import api, fields, models


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

    _code_company_uniq = models.UniqueIndex(
        "(code, COALESCE(company_id, 0))",
        "A tier code must be unique per company.",
    )

    @api.depends("name", "code")
    def _compute_display_name(self):
        for tier in self:
            tier.display_name = tier.name or tier.code
