"""res.company extended by the three features of this addon: satisfaction surveys,
complaints and follow-up visits."""

from odoo import api, fields, models

from odoo.addons.crm_lifecycle_tiering.models.lifecycle_data import MAX_PERIOD_DAYS

from .complaint_data import ESCALATION_MAX_HOURS
from .followup_data import FOLLOWUP_FIRST_DAYS, FOLLOWUP_HORIZON_DAYS
from .satisfaction_data import DEFAULT_FATIGUE_DAYS, DEFAULT_WINDOW_DAYS


class ResCompany(models.Model):
    _inherit = "res.company"

    crm_survey_fatigue_days = fields.Integer(
        string="Survey Fatigue (days)",
        default=DEFAULT_FATIGUE_DAYS,
        help="A customer is invited to no satisfaction survey within this many days of the last "
        "invitation, whatever the campaign.",
    )
    crm_satisfaction_window_days = fields.Integer(
        string="Satisfaction Window (days)",
        default=DEFAULT_WINDOW_DAYS,
        help="Customers' average CSAT is taken over the answers of this many last days.",
    )
    crm_satisfaction_create_activity = fields.Boolean(
        string="Follow Up Unhappy Customers",
        default=True,
        help="A detractor or a CSAT of 1 or 2 gives the salesperson an activity.",
    )
    crm_satisfaction_open_complaint = fields.Boolean(
        string="Open a Complaint for Unhappy Customers",
        help="A detractor or a CSAT of 1 or 2 also opens a complaint.",
    )

    _crm_survey_fatigue_days_positive = models.Constraint(
        "CHECK(crm_survey_fatigue_days >= 0)",
        "The survey fatigue period cannot be negative.",
    )
    _crm_satisfaction_window_days_positive = models.Constraint(
        "CHECK(crm_satisfaction_window_days > 0)",
        "The satisfaction window must be positive.",
    )

    crm_complaint_sla_risk_percent = fields.Integer(
        string="SLA At Risk From (%)",
        default=75,
        help="A complaint is at risk once this share of the time allowed for its current step "
        "is used.",
    )
    crm_complaint_escalation_hours = fields.Float(
        string="Escalate to Manager After (hours)",
        default=4,
        help="Hours a complaint may stay breached before the escalation manager is notified.",
    )
    crm_complaint_window_days = fields.Integer(string="Complaint Count Window (days)", default=365)

    _crm_complaint_sla_risk_percent_valid = models.Constraint(
        "CHECK(crm_complaint_sla_risk_percent > 0 AND crm_complaint_sla_risk_percent < 100)",
        "The SLA risk threshold must be between 1 and 99 percent.",
    )
    _crm_complaint_escalation_hours_valid = models.Constraint(
        "CHECK(crm_complaint_escalation_hours >= 0 AND crm_complaint_window_days > 0)",
        "The escalation delay cannot be negative and the complaint window must be positive.",
    )

    crm_followup_first_days = fields.Integer(
        string="First Follow-up After (days)",
        default=FOLLOWUP_FIRST_DAYS,
        help="Days after a customer's first purchase when the first follow-up is due.",
    )
    crm_followup_horizon_days = fields.Integer(
        string="Schedule Follow-ups Ahead (days)",
        default=FOLLOWUP_HORIZON_DAYS,
        help="Follow-up activities are scheduled for customers whose next follow-up is due "
        "within this many days.",
    )

    _crm_followup_first_days_not_negative = models.Constraint(
        "CHECK(crm_followup_first_days >= 0)",
        "The delay of the first follow-up cannot be negative.",
    )
    _crm_followup_horizon_days_not_negative = models.Constraint(
        "CHECK(crm_followup_horizon_days >= 0)",
        "The follow-up scheduling horizon cannot be negative.",
    )
    # upper bounds; they also refuse NaN and infinity, which PostgreSQL sorts above every number
    _crm_satisfaction_days_max = models.Constraint(
        f"CHECK(crm_survey_fatigue_days <= {MAX_PERIOD_DAYS}"
        f" AND crm_satisfaction_window_days <= {MAX_PERIOD_DAYS}"
        f" AND crm_complaint_window_days <= {MAX_PERIOD_DAYS}"
        f" AND crm_followup_first_days <= {MAX_PERIOD_DAYS}"
        f" AND crm_followup_horizon_days <= {MAX_PERIOD_DAYS})",
        "The survey fatigue period, the satisfaction and complaint windows and the follow-up "
        "delays cannot exceed 3650 days (ten years).",
    )
    _crm_complaint_escalation_hours_max = models.Constraint(
        f"CHECK(crm_complaint_escalation_hours <= {ESCALATION_MAX_HOURS})",
        "The delay before a breached complaint is escalated to the manager cannot exceed 8760 "
        "hours (a year).",
    )

    def write(self, vals):
        result = super().write(vals)
        if {"crm_followup_first_days", "crm_start_date"} & set(vals):
            # the customers' first follow-up dates move: let the scheduler recompute them
            cron = self.env.ref("crm_satisfaction.ir_cron_crm_followup_schedule", False)
            if cron:
                cron._trigger()
        return result

    # demo data: the generators are imported here only, so that they load with demo data alone
    @api.model
    def _crm_load_complaint_demo(self):
        """Demo data (demo/crm_complaint_demo.xml): a year of complaints and the open ones."""
        from ..demo.crm_complaint_demo import CrmComplaintDemo

        CrmComplaintDemo(self.env)._load_demo_complaints()

    @api.model
    def _crm_load_survey_demo(self):
        """Demo data (demo/crm_satisfaction_survey_demo.xml): the answers to the demo
        campaigns."""
        from ..demo.crm_satisfaction_demo import CrmSatisfactionDemo

        CrmSatisfactionDemo(self.env)._load_demo_survey_answers()

    @api.model
    def _crm_load_followup_demo(self):
        """Demo data (demo/crm_followup_demo.xml): the follow-ups of the buying customers."""
        from ..demo.crm_satisfaction_demo import CrmSatisfactionDemo

        CrmSatisfactionDemo(self.env)._load_demo_followups()
