from odoo import api, models

from .complaint_data import PRIORITY_NORMAL


class CrmCustomerTier(models.Model):
    _inherit = "crm.customer.tier"

    @api.depends("followup_interval_days")
    def _compute_entitlement_summary(self):
        return super()._compute_entitlement_summary()

    def _get_entitlement_parts(self):
        """Adds the complaint deadlines of the tier (the SLA policy a complaint of normal
        priority without a category of its customers gets in the current company) and the
        follow-up interval."""
        parts = super()._get_entitlement_parts()
        company = self.env.company
        policy = (
            self.env["crm.complaint.sla"]
            .sudo()
            ._get_policy(company, self, PRIORITY_NORMAL, self.env["crm.complaint.category"])
        )
        if policy:
            parts.append(
                self.env._(
                    "Complaints: answered within %(ack)s h, resolved within %(resolve)s h",
                    ack=f"{policy.ack_hours:g}",
                    resolve=f"{policy.resolve_hours:g}",
                )
            )
        if self.followup_interval_days:
            parts.append(
                self.env._("Follow-up every %(days)s days", days=self.followup_interval_days)
            )
        return parts
