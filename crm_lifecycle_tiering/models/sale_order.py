from odoo import api, models


class SaleOrder(models.Model):
    _name = "sale.order"
    _inherit = ["sale.order", "crm.tier.document.mixin"]

    @api.model
    def _crm_tier_open_domain(self):
        return [("state", "in", ("draft", "sent"))]

    def _crm_enqueue_value_refresh(self):
        self.env["crm.value.queue"].sudo()._enqueue(
            (order.partner_id.commercial_partner_id.id, order.company_id.id) for order in self
        )

    def _action_confirm(self):
        result = super()._action_confirm()
        self._crm_enqueue_value_refresh()
        self.env["crm.referral.reward"]._reward_first_orders(self)
        return result

    def _action_cancel(self):
        confirmed = self.filtered(lambda o: o.state == "sale")
        result = super()._action_cancel()
        confirmed._crm_enqueue_value_refresh()
        return result
