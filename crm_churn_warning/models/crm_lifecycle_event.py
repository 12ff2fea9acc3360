from odoo import api, fields, models
from odoo.exceptions import ValidationError

from odoo.addons.crm_lifecycle_tiering.models.lifecycle_data import EVENT_STAGE, STAGE_CHURNED


class CrmLifecycleEvent(models.Model):
    """The churn of a customer (the stage event that turned it churned) takes the reason of
    the loss. The event stays when the customer is reactivated, reason included: the history
    of why customers left; a later churn is a new event, without reason until staff give one."""

    _inherit = "crm.lifecycle.event"

    churn_lost_reason_id = fields.Many2one(
        "crm.churn.lost.reason",
        string="Churn Reason",
        index="btree_not_null",
        check_company=True,
        ondelete="restrict",
    )

    @api.constrains("churn_lost_reason_id", "kind", "new_stage")
    def _check_churn_lost_reason_id(self):
        if any(
            event.churn_lost_reason_id
            and (event.kind != EVENT_STAGE or event.new_stage != STAGE_CHURNED)
            for event in self
        ):
            raise ValidationError(self.env._("Only the churn of a customer takes a churn reason."))

    @api.model
    def _get_churn_events(self, partners, company):
        """{partner: its latest churn event in ``company``} of ``partners``, in one query."""
        events = self.sudo().search(
            [
                ("partner_id", "in", partners.ids),
                ("company_id", "=", company.id),
                ("kind", "=", EVENT_STAGE),
                ("new_stage", "=", STAGE_CHURNED),
            ],
            order="date desc, id desc",
        )
        latest = {}
        for event in events:
            latest.setdefault(event.partner_id, event)
        return latest
