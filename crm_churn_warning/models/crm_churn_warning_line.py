from odoo import api, fields, models

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
    details = fields.Json(
        string="Reason Codes",
        readonly=True,
        help="What the signal found, as reason codes with their figures.",
    )
    text = fields.Char(
        string="Reason",
        compute="_compute_text",
        help="What the signal found, in words and with its figures.",
    )

    @api.depends("details")
    @api.depends_context("lang")
    def _compute_text(self):
        """The reason in the reader's language."""
        render = self.env["crm.churn.reason"]._get_renderer()
        for line in self:
            line.text = render(line.details, line=True) or False
