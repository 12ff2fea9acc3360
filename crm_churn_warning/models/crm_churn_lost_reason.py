from odoo import fields, models
from odoo.exceptions import UserError


class CrmChurnLostReason(models.Model):
    """Why a customer was lost: chosen when a churn warning is marked lost and when a churned
    customer's churn is explained, as CRM's lost reasons are for leads."""

    _name = "crm.churn.lost.reason"
    _description = "Churn Lost Reason"
    _order = "sequence, name, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    active = fields.Boolean(default=True)
    sequence = fields.Integer(default=10)
    company_id = fields.Many2one(
        "res.company",
        index=True,
        help="Offered in this company only; empty: in every company.",
    )
    warning_count = fields.Integer(string="Lost Warnings", compute="_compute_warning_count")

    def _compute_warning_count(self):
        counts = dict(
            self.env["crm.churn.warning"]._read_group(
                [("lost_reason_id", "in", self.ids)], ["lost_reason_id"], ["__count"]
            )
        )
        for reason in self:
            reason.warning_count = counts.get(reason, 0)

    def _check_offered_in(self, companies):
        """Refuses a reason of another company than ``companies`` (a shared reason fits all)."""
        for reason in self:
            if reason.company_id and companies != reason.company_id:
                raise UserError(
                    self.env._(
                        "The reason %(reason)s belongs to another company.", reason=reason.name
                    )
                )

    def action_open_warnings(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_churn_warning.crm_churn_warning_action"
        )
        action["domain"] = [("lost_reason_id", "=", self.id)]
        action["context"] = {"create": False}
        return action
