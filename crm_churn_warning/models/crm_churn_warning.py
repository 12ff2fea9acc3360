from odoo import fields, models


class CrmChurnWarning(models.Model):
    _name = "crm.churn.warning"
    _description = "Churn Warning"

    partner_id = fields.Many2one("res.partner", required=True)
