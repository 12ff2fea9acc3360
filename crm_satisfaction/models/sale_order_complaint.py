from odoo import models


class SaleOrder(models.Model):
    _inherit = "sale.order"

    def action_crm_new_complaint(self):
        self.ensure_one()
        return self.env["crm.complaint"]._action_new_about(
            self, self.env._("About %(document)s", document=self.name), sale_order_id=self.id
        )


class AccountMove(models.Model):
    _inherit = "account.move"

    def action_crm_new_complaint(self):
        self.ensure_one()
        return self.env["crm.complaint"]._action_new_about(
            self, self.env._("About %(document)s", document=self.name), invoice_id=self.id
        )
