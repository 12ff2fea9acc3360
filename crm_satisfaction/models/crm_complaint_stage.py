from odoo import fields, models

from .complaint_data import SLA_STEPS


class CrmComplaintStage(models.Model):
    _name = "crm.complaint.stage"
    _description = "Complaint Stage"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    fold = fields.Boolean(string="Folded in Kanban")
    is_closed = fields.Boolean(
        string="Closing Stage", help="Complaints in this stage are closed (resolved or rejected)."
    )
    is_waiting = fields.Boolean(
        string="Waiting for Customer",
        help="The SLA clock stops while a complaint waits in this stage for the customer.",
    )
    sla_step = fields.Selection(
        SLA_STEPS,
        string="SLA Step",
        required=True,
        default="acknowledged",
        help="Reaching this stage acknowledges the complaint, or resolves it, for the SLA.",
    )
    template_id = fields.Many2one(
        "mail.template",
        string="Customer Notification",
        domain="[('model', '=', 'crm.complaint')]",
        help="E-mail sent to the customer when a complaint reaches this stage.",
    )
    description = fields.Text(translate=True)
