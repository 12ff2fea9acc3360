from odoo import fields, models

from .churn_data import SIGNAL_CODES


class CrmChurnWarningLine(models.Model):
    """One signal the customer triggered: why the warning was raised, with its figures."""

    _name = "crm.churn.warning.line"
    _description = "Churn Warning Reason"
    _order = "warning_id, weight desc, id"

    warning_id = fields.Many2one("crm.churn.warning", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="warning_id.company_id", store=True, index=True)
    signal_id = fields.Many2one("crm.churn.signal", ondelete="set null")
    code = fields.Selection(SIGNAL_CODES, string="Signal Code", required=True)
    value = fields.Float(digits=(16, 2), help="The signal's figure, e.g. days without an order.")
    weight = fields.Float(digits=(16, 2), help="The signal's share of the churn score.")
    text = fields.Char(string="Reason")
