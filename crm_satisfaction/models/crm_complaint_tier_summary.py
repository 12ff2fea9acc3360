from odoo import models


class CrmComplaint(models.Model):
    """The entitlement line of the complaint's customer tier, under its badge."""

    _name = "crm.complaint"
    _inherit = ["crm.complaint", "crm.tier.summary.mixin"]

    _crm_tier_field = "tier_id"
