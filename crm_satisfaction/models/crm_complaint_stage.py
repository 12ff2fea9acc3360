from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.fields import Domain

from .complaint_data import SLA_STEP_ACKNOWLEDGED, SLA_STEP_RESOLVED, SLA_STEPS

# the stages the complaint actions move complaints to: (domain, order) per action
STAGE_ACKNOWLEDGE = "acknowledge"
STAGE_REOPEN = "reopen"
STAGE_CONFIRM = "confirm"
WORKFLOW_STAGES = {
    STAGE_ACKNOWLEDGE: (
        [
            ("sla_step", "=", SLA_STEP_ACKNOWLEDGED),
            ("is_waiting", "=", False),
            ("is_closed", "=", False),
        ],
        "sequence, id",
    ),
    STAGE_REOPEN: (
        [("sla_step", "=", SLA_STEP_ACKNOWLEDGED), ("is_closed", "=", False)],
        "sequence desc, id desc",
    ),
    STAGE_CONFIRM: (
        [("is_closed", "=", True), ("sla_step", "=", SLA_STEP_RESOLVED)],
        "sequence, id",
    ),
}
# the fields that decide whether a stage serves an action
WORKFLOW_FIELDS = {"active", "sla_step", "is_closed", "is_waiting"}


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
        default=SLA_STEP_ACKNOWLEDGED,
        help="Reaching this stage acknowledges the complaint, or resolves it, for the SLA.",
    )
    template_id = fields.Many2one(
        "mail.template",
        string="Customer Notification",
        domain="[('model', '=', 'crm.complaint')]",
        help="E-mail sent to the customer when a complaint reaches this stage.",
    )
    description = fields.Text(translate=True)

    # ------------------------------------------------------------------ workflow stages
    @api.model
    def _workflow_need(self, action):
        """Why the workflow needs a stage for ``action``, a sentence for the messages."""
        if action == STAGE_CONFIRM:
            return self.env._(
                "Confirming the resolution of complaints needs an active closing stage of SLA "
                "step Resolved."
            )
        return self.env._(
            "Acknowledging and reopening complaints need an active stage of SLA step "
            "Acknowledged that neither waits for the customer nor is a closing stage."
        )

    @api.model
    def _get_workflow_stage(self, action):
        """The active stage the complaint ``action`` (STAGE_ACKNOWLEDGE, STAGE_REOPEN,
        STAGE_CONFIRM) moves complaints to; a clear refusal when there is none."""
        domain, order = WORKFLOW_STAGES[action]
        # active stages only, whatever the caller's context says; one that waits for the
        # customer (and stops the SLA clock) only when no other will do
        stages = self.with_context(active_test=True).search(domain, order=order)
        stage = stages.sorted(lambda stage: stage.is_waiting)[:1]
        if not stage:
            raise UserError(
                self.env._(
                    "%(need)s Unarchive such a stage or set one up among the complaint stages.",
                    need=self._workflow_need(action),
                )
            )
        return stage

    @api.model
    def _get_served_actions(self, excluded=None):
        """The complaint actions an active stage (other than ``excluded``) serves."""
        excluded = Domain("id", "not in", excluded.ids) if excluded else Domain.TRUE
        stages = self.with_context(active_test=True)
        return {
            action
            for action, (domain, _order) in WORKFLOW_STAGES.items()
            if stages.search_count(Domain(domain) & excluded, limit=1)
        }

    def _check_workflow_served(self, served, excluded=None):
        """Refuses a change of these stages after which an action served before (``served``)
        has no stage any more."""
        lost = served - self._get_served_actions(excluded)
        if lost:
            raise ValidationError(
                self.env._(
                    "%(stages)s cannot be archived, deleted or changed this way. %(need)s",
                    stages=", ".join(self.mapped("name")),
                    need=self._workflow_need(sorted(lost)[0]),
                )
            )

    def write(self, vals):
        if not WORKFLOW_FIELDS & vals.keys():
            return super().write(vals)
        served = self._get_served_actions()
        result = super().write(vals)
        self._check_workflow_served(served)
        return result

    @api.ondelete(at_uninstall=False)
    def _unlink_except_workflow_stage(self):
        self._check_workflow_served(self._get_served_actions(), excluded=self)
