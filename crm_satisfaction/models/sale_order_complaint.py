from odoo import models


class SaleOrder(models.Model):
    _inherit = "sale.order"

    def action_crm_new_complaint(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "crm.complaint",
            "view_mode": "form",
            "target": "current",
            "name": self.env._("New Complaint"),
            "context": {
                "default_partner_id": self.partner_id.id,
                "default_sale_order_id": self.id,
                "default_company_id": self.company_id.id,
                "default_name": self.env._("About %(order)s", order=self.name),
            },
        }


class AccountMove(models.Model):
    _inherit = "account.move"

    def action_crm_new_complaint(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "crm.complaint",
            "view_mode": "form",
            "target": "current",
            "name": self.env._("New Complaint"),
            "context": {
                "default_partner_id": self.partner_id.id,
                "default_invoice_id": self.id,
                "default_company_id": self.company_id.id,
                "default_name": self.env._("About %(invoice)s", invoice=self.name),
            },
        }
