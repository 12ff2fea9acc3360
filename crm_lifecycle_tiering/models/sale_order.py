from odoo import models


class SaleOrder(models.Model):
    _inherit = "sale.order"

    def _crm_enqueue_value_refresh(self):
        self.env["crm.value.queue"].sudo()._enqueue(
            (order.partner_id.commercial_partner_id.id, order.company_id.id) for order in self
        )

    def _action_confirm(self):
        result = super()._action_confirm()
        self._crm_enqueue_value_refresh()
        return result

    def _action_cancel(self):
        confirmed = self.filtered(lambda o: o.state == "sale")
        result = super()._action_cancel()
        confirmed._crm_enqueue_value_refresh()
        return result
