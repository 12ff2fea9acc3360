from odoo import fields, models


class CrmChurnWarningLine(models.Model):
    _name = "crm.churn.warning.line"
    _description = "Churn Warning Reason"

    warning_id = fields.Many2one("crm.churn.warning", required=True, ondelete="cascade")
