from odoo import api, fields, models
from odoo.exceptions import UserError

from odoo.addons.crm_lifecycle_tiering.models.lifecycle_data import MAX_PERIOD_DAYS

from .complaint_data import PRIORITIES, PRIORITY_NORMAL


class CrmCustomerTier(models.Model):
    _inherit = "crm.customer.tier"

    complaint_priority = fields.Selection(
        PRIORITIES,
        string="Default Complaint Priority",
        help="The priority a new complaint of the tier's customers starts with (staff can "
        "change it); empty: Normal.",
    )

    followup_interval_days = fields.Integer(
        string="Follow-up Every (days)",
        default=0,
        help="Days between two follow-up visits of a customer of this tier; 0: no regular "
        "follow-up.",
    )

    survey_interval_days = fields.Integer(
        string="Survey Every (days)",
        default=0,
        help="Days before a periodic satisfaction campaign invites a customer of this tier "
        "again; 0: the campaign's own interval.",
    )

    _survey_interval_days_valid = models.Constraint(
        f"CHECK(survey_interval_days >= 0 AND survey_interval_days <= {MAX_PERIOD_DAYS})",
        "The survey interval of a tier must be between 0 and 3650 days (ten years).",
    )
    _followup_interval_days_not_negative = models.Constraint(
        "CHECK(followup_interval_days >= 0)",
        "The follow-up interval of a tier cannot be negative.",
    )
    _followup_interval_days_max = models.Constraint(
        f"CHECK(followup_interval_days <= {MAX_PERIOD_DAYS})",
        "The follow-up interval of a tier cannot exceed 3650 days (ten years).",
    )

    @api.ondelete(at_uninstall=False)
    def _unlink_except_used_by_sla(self):
        """An SLA policy without tiers applies to customers of every tier: deleting the only
        tier of a policy would silently widen it to everybody."""
        policies = (
            self.env["crm.complaint.sla"]
            .sudo()
            .with_context(active_test=False)
            .search([("tier_ids", "in", self.ids)])
        )
        for tier in self:
            used_by = policies.filtered(
                lambda sla, tier=tier: tier in sla.with_context(active_test=False).tier_ids
            )
            if used_by:
                raise UserError(
                    self.env._(
                        "Tier %(tier)s cannot be deleted: the SLA policies %(policies)s are "
                        "restricted to it. Remove the tier from them first, or archive it.",
                        tier=tier.display_name,
                        policies=", ".join(used_by.mapped("display_name")),
                    )
                )

    def write(self, vals):
        result = super().write(vals)
        if "followup_interval_days" in vals:
            # the customers' next follow-up dates move: let the scheduler recompute them
            cron = self.env.ref("crm_satisfaction.ir_cron_crm_followup_schedule", False)
            if cron:
                cron._trigger()
        return result

    @api.depends("followup_interval_days", "complaint_priority", "survey_interval_days")
    def _compute_entitlement_summary(self):
        return super()._compute_entitlement_summary()

    def _get_entitlement_parts(self):
        """Adds the complaints' default priority and deadlines of the tier (the SLA policy a
        complaint of its customers without a category gets in the current company, at the
        tier's default priority) and the follow-up interval."""
        parts = super()._get_entitlement_parts()
        company = self.env.company
        policy = (
            self.env["crm.complaint.sla"]
            .sudo()
            ._get_policy(
                company,
                self,
                self.complaint_priority or PRIORITY_NORMAL,
                self.env["crm.complaint.category"],
            )
        )
        priority = self.complaint_priority and dict(
            self._fields["complaint_priority"]._description_selection(self.env)
        ).get(self.complaint_priority)
        if policy and priority:
            parts.append(
                self.env._(
                    "Complaints: %(priority)s priority, answered within %(ack)s h, resolved "
                    "within %(resolve)s h",
                    priority=priority,
                    ack=f"{policy.ack_hours:g}",
                    resolve=f"{policy.resolve_hours:g}",
                )
            )
        elif policy:
            parts.append(
                self.env._(
                    "Complaints: answered within %(ack)s h, resolved within %(resolve)s h",
                    ack=f"{policy.ack_hours:g}",
                    resolve=f"{policy.resolve_hours:g}",
                )
            )
        elif priority:
            parts.append(self.env._("Complaints: %(priority)s priority", priority=priority))
        if self.followup_interval_days:
            parts.append(
                self.env._("Follow-up every %(days)s days", days=self.followup_interval_days)
            )
        if self.survey_interval_days:
            parts.append(
                self.env._(
                    "Satisfaction survey every %(days)s days", days=self.survey_interval_days
                )
            )
        return parts
