from odoo import api, models

from ..models.lifecycle_data import engine_write


class BasePartnerMergeAutomaticWizard(models.TransientModel):
    _inherit = "base.partner.merge.automatic.wizard"

    @api.model
    def _update_foreign_keys(self, src_partners, dst_partner):
        """A customer waits at most once per company in the value refresh queue: the entries of
        the merged customers would collide with the destination's (a unique violation that
        aborts the merge). They become entries of the destination before the records move."""
        Queue = self.env["crm.value.queue"].sudo()
        queued = Queue.search([("partner_id", "in", src_partners.ids)])
        if queued:
            companies = queued.company_id
            queued.unlink()
            Queue._enqueue(
                [(dst_partner.commercial_partner_id.id, company.id) for company in companies]
            )
        return super()._update_foreign_keys(src_partners, dst_partner)

    @api.model
    def _update_values(self, src_partners, dst_partner):
        """The merge carries the customers' values (engine-owned) over to the customer kept,
        as the engine would: the next refresh recomputes them."""
        return super()._update_values(src_partners, engine_write(dst_partner))
