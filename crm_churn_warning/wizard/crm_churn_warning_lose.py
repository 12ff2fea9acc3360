from markupsafe import Markup

from odoo import fields, models
from odoo.exceptions import UserError
from odoo.tools.mail import is_html_empty


class CrmChurnWarningLose(models.TransientModel):
    """The "Mark Lost" dialog of churn warnings: the reason of the loss and a closing note,
    posted in the warnings' chatter."""

    _name = "crm.churn.warning.lose"
    _description = "Mark Churn Warnings Lost"

    warning_ids = fields.Many2many("crm.churn.warning", string="Warnings", required=True)
    company_ids = fields.Many2many("res.company", compute="_compute_company_ids")
    lost_reason_id = fields.Many2one(
        "crm.churn.lost.reason",
        required=True,
        domain="['|', ('company_id', '=', False), ('company_id', 'in', company_ids)]",
    )
    lost_feedback = fields.Html(string="Closing Note", sanitize=True)

    def _compute_company_ids(self):
        for wizard in self:
            wizard.company_ids = wizard.warning_ids.sudo().company_id

    def action_lost_reason_apply(self):
        """Marks the warnings lost with the reason; the note goes to their chatter. Only on
        warnings of the companies the user works in, and that the user may write."""
        self.ensure_one()
        warnings = self.warning_ids
        foreign = warnings.sudo().filtered(lambda w: w.company_id not in self.env.companies)
        if foreign:
            raise UserError(
                self.env._(
                    "You can only mark lost the warnings of the companies you work in: %(names)s",
                    names=", ".join(foreign.mapped("name")),
                )
            )
        warnings.check_access("write")
        reason = self.lost_reason_id
        reason._check_offered_in(warnings.company_id)
        warnings.action_lose()
        warnings.write({"lost_reason_id": reason.id})
        if not is_html_empty(self.lost_feedback):
            body = Markup("<p>%s</p>%s") % (self.env._("Closing note:"), self.lost_feedback)
            warnings._message_log_batch(dict.fromkeys(warnings.ids, body))
        return {"type": "ir.actions.act_window_close"}
