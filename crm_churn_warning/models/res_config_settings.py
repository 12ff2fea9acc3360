from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    crm_churn_score_method = fields.Selection(
        related="company_id.crm_churn_score_method", readonly=False
    )
    crm_churn_level_basis = fields.Selection(
        related="company_id.crm_churn_level_basis", readonly=False
    )
    crm_churn_share_high = fields.Float(related="company_id.crm_churn_share_high", readonly=False)
    crm_churn_share_medium = fields.Float(
        related="company_id.crm_churn_share_medium", readonly=False
    )
    crm_churn_share_low = fields.Float(related="company_id.crm_churn_share_low", readonly=False)
    crm_churn_level_low = fields.Float(related="company_id.crm_churn_level_low", readonly=False)
    crm_churn_level_medium = fields.Float(
        related="company_id.crm_churn_level_medium", readonly=False
    )
    crm_churn_level_high = fields.Float(related="company_id.crm_churn_level_high", readonly=False)
    crm_churn_warning_level = fields.Selection(
        related="company_id.crm_churn_warning_level", readonly=False
    )
    crm_churn_warning_capacity = fields.Integer(
        related="company_id.crm_churn_warning_capacity", readonly=False
    )
    crm_churn_control_share = fields.Float(
        related="company_id.crm_churn_control_share", readonly=False
    )
    crm_churn_snooze_days = fields.Integer(
        related="company_id.crm_churn_snooze_days", readonly=False
    )
    crm_churn_win_back_days = fields.Integer(
        related="company_id.crm_churn_win_back_days", readonly=False
    )
    crm_churn_refit_days = fields.Integer(related="company_id.crm_churn_refit_days", readonly=False)
    crm_churn_model_min_customers = fields.Integer(
        related="company_id.crm_churn_model_min_customers", readonly=False
    )
    crm_churn_clv_discount = fields.Float(
        related="company_id.crm_churn_clv_discount", readonly=False
    )
    crm_churn_backtest_horizon = fields.Integer(
        related="company_id.crm_churn_backtest_horizon", readonly=False
    )
