from odoo import api, fields, models

from .lifecycle_data import EVENT_KINDS, EVENT_ORIGINS, LIFECYCLE_STAGES


class CrmLifecycleEvent(models.Model):
    """Immutable history of tier and stage changes, one row per change (written by the engine)."""

    _name = "crm.lifecycle.event"
    _description = "Customer Lifecycle Event"
    _order = "date desc, id desc"
    _check_company_auto = True

    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one("res.company", required=True, index=True)
    date = fields.Date(required=True, index=True, default=fields.Date.context_today)
    kind = fields.Selection(EVENT_KINDS, required=True)
    old_tier_id = fields.Many2one("crm.customer.tier", string="Previous Tier", ondelete="set null")
    new_tier_id = fields.Many2one("crm.customer.tier", ondelete="set null")
    old_stage = fields.Selection(LIFECYCLE_STAGES, string="Previous Stage")
    new_stage = fields.Selection(LIFECYCLE_STAGES)
    is_reactivation = fields.Boolean(string="Reactivation", help="A churned customer bought again.")
    rule_id = fields.Many2one("crm.tier.rule", ondelete="set null")
    # the reason as a code and its figures (JSON, see REASON_* in lifecycle_data), put into words
    # in the reader's language by reason_text; a text written by hand is shown as written
    reason = fields.Text(string="Reason Code")
    reason_text = fields.Text(string="Reason", compute="_compute_reason_text")
    origin = fields.Selection(EVENT_ORIGINS, required=True, default="cron")
    user_id = fields.Many2one("res.users", string="By", default=lambda self: self.env.user)

    _partner_company_date_idx = models.Index("(partner_id, company_id, date)")

    @api.depends_context("lang")
    @api.depends("reason")
    def _compute_reason_text(self):
        texts = self.env["crm.value.engine"]._render_reasons([event.reason for event in self])
        for event, text in zip(self, texts, strict=True):
            event.reason_text = text
