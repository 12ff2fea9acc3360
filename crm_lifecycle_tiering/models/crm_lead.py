from odoo import api, models


class CrmLead(models.Model):
    _name = "crm.lead"
    _inherit = ["crm.lead", "crm.tier.document.mixin"]

    @api.model
    def _crm_tier_open_domain(self):
        return [("active", "=", True), ("won_status", "=", "pending")]
