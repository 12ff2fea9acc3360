from odoo import fields, models


class CrmCustomerTier(models.Model):
    _inherit = "crm.customer.tier"

    followup_interval_days = fields.Integer(
        string="Follow-up Every (days)",
        default=0,
        help="Days between two follow-up visits of a customer of this tier; 0: no regular "
        "follow-up.",
    )

    _followup_interval_days_not_negative = models.Constraint(
        "CHECK(followup_interval_days >= 0)",
        "The follow-up interval of a tier cannot be negative.",
    )

    def write(self, vals):
        result = super().write(vals)
        if "followup_interval_days" in vals:
            # the customers' next follow-up dates move: let the scheduler recompute them
            cron = self.env.ref("crm_satisfaction.ir_cron_crm_followup_schedule", False)
            if cron:
                cron._trigger()
        return result
