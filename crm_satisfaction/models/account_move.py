from odoo import models


class AccountMove(models.Model):
    _inherit = "account.move"

    def action_crm_new_complaint(self):
        self.ensure_one()
        return self.partner_id._crm_action_new_complaint(
            self, self.env._("About %(document)s", document=self.name), invoice_id=self.id
        )
