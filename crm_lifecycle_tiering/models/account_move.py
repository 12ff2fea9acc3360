from odoo import api, models


class AccountMove(models.Model):
    _name = "account.move"
    _inherit = ["account.move", "crm.tier.document.mixin"]

    @api.depends("move_type")
    def _compute_crm_tier_id(self):
        return super()._compute_crm_tier_id()

    def _crm_tier_applies(self):
        return self.is_sale_document()

    @api.model
    def _crm_tier_open_domain(self):
        return [("state", "=", "draft"), ("move_type", "in", ("out_invoice", "out_refund"))]

    def _crm_enqueue_value_refresh(self):
        customer_moves = self.filtered(lambda m: m.move_type in ("out_invoice", "out_refund"))
        if customer_moves:
            self.env["crm.value.queue"].sudo()._enqueue(
                (move.commercial_partner_id.id, move.company_id.id) for move in customer_moves
            )

    def _post(self, soft=True):
        posted = super()._post(soft=soft)
        posted._crm_enqueue_value_refresh()
        return posted

    def button_draft(self):
        posted = self.filtered(lambda m: m.state == "posted")
        result = super().button_draft()
        posted._crm_enqueue_value_refresh()
        return result
