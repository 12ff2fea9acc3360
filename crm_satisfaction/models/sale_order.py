from odoo import models


class SaleOrder(models.Model):
    _inherit = "sale.order"

    def action_crm_new_complaint(self):
        self.ensure_one()
        return self.partner_id._crm_action_new_complaint(
            self, self.env._("About %(document)s", document=self.name), sale_order_id=self.id
        )
