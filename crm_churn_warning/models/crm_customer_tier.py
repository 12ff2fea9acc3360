from odoo import api, models
from odoo.exceptions import UserError


class CrmCustomerTier(models.Model):
    _inherit = "crm.customer.tier"

    @api.ondelete(at_uninstall=False)
    def _unlink_except_used_by_playbook(self):
        """A playbook without tiers applies to customers of every tier: deleting the only tier
        of a playbook would silently widen it to everybody."""
        playbooks = (
            self.env["crm.churn.playbook"]
            .sudo()
            .with_context(active_test=False)
            .search([("tier_ids", "in", self.ids)])
        )
        for tier in self:
            used_by = playbooks.filtered(
                lambda playbook, tier=tier: tier
                in playbook.with_context(active_test=False).tier_ids
            )
            if used_by:
                raise UserError(
                    self.env._(
                        "Tier %(tier)s cannot be deleted: the retention playbooks %(playbooks)s "
                        "are restricted to it. Remove the tier from them first, or archive it.",
                        tier=tier.display_name,
                        playbooks=", ".join(used_by.mapped("display_name")),
                    )
                )
