from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..models.lifecycle_data import EVENT_TIER, ORIGIN_MANUAL, dump_reason


class CrmTierLockWizard(models.TransientModel):
    """A manager pins customers' tier, with a reason and an optional expiry; the nightly
    evaluation keeps it and releases it when it expires."""

    _name = "crm.tier.lock.wizard"
    _description = "Lock Customer Tier"
    _check_company_auto = True

    partner_ids = fields.Many2many("res.partner", string="Customers", required=True)
    company_id = fields.Many2one("res.company", default=lambda self: self.env.company)
    tier_id = fields.Many2one(
        "crm.customer.tier",
        required=True,
        domain="[('company_id', 'in', [company_id, False])]",
        check_company=True,
    )
    reason = fields.Char(required=True)
    until = fields.Date(string="Locked Until", help="Leave empty to lock until unlocked.")

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        if self.env.context.get("active_model") == "res.partner":
            partners = self.env["res.partner"].browse(self.env.context.get("active_ids", []))
            values["partner_ids"] = [fields.Command.set(partners.commercial_partner_id.ids)]
            if len(partners) == 1 and partners.commercial_partner_id.crm_tier_id:
                values["tier_id"] = partners.commercial_partner_id.crm_tier_id.id
        return values

    @api.constrains("until")
    def _check_until(self):
        for wizard in self:
            today = (wizard.company_id or self.env.company)._crm_today()
            if wizard.until and wizard.until < today:
                raise ValidationError(self.env._("A tier lock cannot expire in the past."))

    def action_lock(self):
        self.ensure_one()
        if not self.env.user.has_group("crm_lifecycle_tiering.crm_lifecycle_tiering_group_manager"):
            raise UserError(self.env._("Only customer value managers can lock tiers."))
        company = self.company_id
        company._crm_check_user_company()
        # the customers are locked as the system: the manager must see each of them
        self.partner_ids.check_access("read")
        today = company._crm_today()
        partners = self.partner_ids.commercial_partner_id.with_company(company).sudo()
        reason = self.env["crm.value.engine"]._lock_reason(
            self.env.user.id, self.until and self.until.isoformat(), self.reason
        )
        events = []
        for partner in partners:
            old_tier = partner.crm_tier_id
            values = {
                "crm_tier_locked": True,
                "crm_tier_lock_reason": self.reason,
                "crm_tier_lock_until": self.until,
                "crm_tier_lock_user_id": self.env.user.id,
                "crm_tier_reason": dump_reason(reason),
                "crm_tier_rule_id": False,
                "crm_tier_grace_since": False,
            }
            if old_tier != self.tier_id:
                values.update(crm_tier_id=self.tier_id.id, crm_tier_since=today)
                events.append(
                    {
                        "partner_id": partner.id,
                        "company_id": company.id,
                        "date": today,
                        "kind": EVENT_TIER,
                        "old_tier_id": old_tier.id,
                        "new_tier_id": self.tier_id.id,
                        "old_stage": partner.crm_lifecycle_stage,
                        "new_stage": partner.crm_lifecycle_stage,
                        "reason": dump_reason(reason),
                        "origin": ORIGIN_MANUAL,
                        "user_id": self.env.user.id,
                    }
                )
            # the tier and the lock are tracked: the chatter tells the change, its author and
            # reason, and each reader reads it in the reader's language
            partner.write(values)
        # the benefits of the new tier, in the events and the customers' chatter
        benefits = self.env["crm.customer.tier"]._apply_benefits(
            company, [(ev["partner_id"], ev["old_tier_id"], ev["new_tier_id"]) for ev in events]
        )
        Event = self.env["crm.lifecycle.event"].sudo()
        Event.create([{**ev, **benefits.get(ev["partner_id"], {})} for ev in events])
        Event._log_benefits(partners, benefits)
        return {"type": "ir.actions.act_window_close"}
