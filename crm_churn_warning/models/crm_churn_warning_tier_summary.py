from odoo import models


class CrmChurnWarning(models.Model):
    """The entitlement line of the warning's customer tier, under its badge."""

    _name = "crm.churn.warning"
    _inherit = ["crm.churn.warning", "crm.tier.summary.mixin"]

    _crm_tier_field = "tier_id"
