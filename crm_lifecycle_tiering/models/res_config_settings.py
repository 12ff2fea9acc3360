from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    crm_start_date = fields.Date(related="company_id.crm_start_date", readonly=False)
    crm_value_source = fields.Selection(related="company_id.crm_value_source", readonly=False)
    crm_value_window_months = fields.Integer(
        related="company_id.crm_value_window_months", readonly=False
    )
    crm_tier_grace_days = fields.Integer(related="company_id.crm_tier_grace_days", readonly=False)
    crm_tier_pricelist_override = fields.Boolean(
        related="company_id.crm_tier_pricelist_override", readonly=False
    )
    crm_referral_program_id = fields.Many2one(
        related="company_id.crm_referral_program_id", readonly=False
    )
    crm_referral_points = fields.Float(related="company_id.crm_referral_points", readonly=False)
    crm_loyal_min_orders = fields.Integer(related="company_id.crm_loyal_min_orders", readonly=False)
    crm_loyal_min_tenure_days = fields.Integer(
        related="company_id.crm_loyal_min_tenure_days", readonly=False
    )
    crm_churn_days = fields.Integer(related="company_id.crm_churn_days", readonly=False)
    crm_score_weight_recency = fields.Float(
        related="company_id.crm_score_weight_recency", readonly=False
    )
    crm_score_weight_frequency = fields.Float(
        related="company_id.crm_score_weight_frequency", readonly=False
    )
    crm_score_weight_monetary = fields.Float(
        related="company_id.crm_score_weight_monetary", readonly=False
    )
    crm_score_weight_tenure = fields.Float(
        related="company_id.crm_score_weight_tenure", readonly=False
    )
    crm_score_weight_referral = fields.Float(
        related="company_id.crm_score_weight_referral", readonly=False
    )
    crm_score_weight_potential = fields.Float(
        related="company_id.crm_score_weight_potential", readonly=False
    )

    def action_crm_recompute_values(self):
        return self.env["crm.value.engine"].action_recompute_now()
