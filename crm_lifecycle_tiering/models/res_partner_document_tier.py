from odoo import api, models

# the documents that show their customer's tier (crm.tier.document.mixin)
TIER_DOCUMENT_MODELS = ("sale.order", "account.move", "crm.lead")


class ResPartner(models.Model):
    _inherit = "res.partner"

    @api.model
    def _crm_refresh_document_tiers(self, partners, company):
        """Puts the current tier of these commercial partners in `company` on their open
        documents (quotations, draft customer invoices, open leads); closed ones keep theirs.
        Called by whatever changes tiers: the value engine, a manual change."""
        if not partners:
            return
        for model_name in TIER_DOCUMENT_MODELS:
            self.env[model_name]._crm_refresh_tiers(partners, company)

    def write(self, vals):
        result = super().write(vals)
        if "crm_tier_id" in vals:
            self._crm_refresh_document_tiers(self.commercial_partner_id, self.env.company)
        return result
