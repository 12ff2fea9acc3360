"""res.config.settings extended by the three features of this addon: satisfaction surveys,
complaints and follow-up visits."""

from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    crm_survey_fatigue_days = fields.Integer(
        related="company_id.crm_survey_fatigue_days", readonly=False
    )
    crm_satisfaction_window_days = fields.Integer(
        related="company_id.crm_satisfaction_window_days", readonly=False
    )
    crm_satisfaction_create_activity = fields.Boolean(
        related="company_id.crm_satisfaction_create_activity", readonly=False
    )
    crm_satisfaction_open_complaint = fields.Boolean(
        related="company_id.crm_satisfaction_open_complaint", readonly=False
    )

    crm_complaint_sla_risk_percent = fields.Integer(
        related="company_id.crm_complaint_sla_risk_percent", readonly=False
    )
    crm_complaint_escalation_hours = fields.Float(
        related="company_id.crm_complaint_escalation_hours", readonly=False
    )
    crm_complaint_window_days = fields.Integer(
        related="company_id.crm_complaint_window_days", readonly=False
    )

    crm_followup_first_days = fields.Integer(
        related="company_id.crm_followup_first_days", readonly=False
    )
    crm_followup_horizon_days = fields.Integer(
        related="company_id.crm_followup_horizon_days", readonly=False
    )
