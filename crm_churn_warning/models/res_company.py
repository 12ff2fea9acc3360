from odoo import api, fields, models
from odoo.exceptions import ValidationError

from odoo.addons.crm_lifecycle_tiering.models.lifecycle_data import MAX_PERIOD_DAYS

from .churn_data import (
    DEFAULT_BACKTEST_HORIZON,
    DEFAULT_CLV_DISCOUNT,
    DEFAULT_CONTROL_SHARE,
    DEFAULT_LEVEL_HIGH,
    DEFAULT_LEVEL_LOW,
    DEFAULT_LEVEL_MEDIUM,
    DEFAULT_MODEL_MIN_CUSTOMERS,
    DEFAULT_REFIT_DAYS,
    DEFAULT_SHARE_HIGH,
    DEFAULT_SHARE_LOW,
    DEFAULT_SHARE_MEDIUM,
    DEFAULT_SNOOZE_DAYS,
    DEFAULT_WARNING_CAPACITY,
    DEFAULT_WIN_BACK_DAYS,
    LEVEL_BASES,
    LEVEL_BASIS_SHARE,
    LEVEL_MEDIUM,
    MAX_CONTROL_SHARE,
    SCORE_LEARNED,
    SCORE_METHODS,
    WARNING_LEVELS,
)


class ResCompany(models.Model):
    _inherit = "res.company"

    crm_churn_score_method = fields.Selection(
        SCORE_METHODS,
        string="Churn Score",
        default=SCORE_LEARNED,
        required=True,
        help="Weighted rules: the score adds up the warning signs the signals find. Learned from "
        "history: the score is the probability (0-100) that the customer places no order within "
        "the backtest horizon, learned each refit period from the company's own orders; while "
        "the history is too short to learn from, the weighted rules stand in.",
    )
    crm_churn_level_low = fields.Float(
        string="Low Risk From",
        default=DEFAULT_LEVEL_LOW,
        help="Churn score (0-100) from which a customer is at low risk.",
    )
    crm_churn_level_medium = fields.Float(
        string="Medium Risk From",
        default=DEFAULT_LEVEL_MEDIUM,
        help="Churn score (0-100) from which a customer is at medium risk.",
    )
    crm_churn_level_high = fields.Float(
        string="High Risk From",
        default=DEFAULT_LEVEL_HIGH,
        help="Churn score (0-100) from which a customer is at high risk.",
    )
    crm_churn_level_basis = fields.Selection(
        LEVEL_BASES,
        string="Risk Levels By",
        default=LEVEL_BASIS_SHARE,
        required=True,
        help="Score thresholds: a customer's level follows the score, from the thresholds "
        "below. Shares of customers (with the learned score): each night the given share of "
        "the customers most at risk are at high risk, the next ones at medium and low risk, "
        "whatever the probabilities; with the weighted rules the thresholds apply.",
    )
    crm_churn_share_high = fields.Float(
        string="High Risk: Top (%)",
        default=DEFAULT_SHARE_HIGH,
        help="With levels by shares: the percentage of customers most at risk who are at high "
        "risk.",
    )
    crm_churn_share_medium = fields.Float(
        string="Medium Risk or Above: Top (%)",
        default=DEFAULT_SHARE_MEDIUM,
        help="With levels by shares: the percentage of customers most at risk who are at medium "
        "risk or above.",
    )
    crm_churn_share_low = fields.Float(
        string="Low Risk or Above: Top (%)",
        default=DEFAULT_SHARE_LOW,
        help="With levels by shares: the percentage of customers most at risk who are at low "
        "risk or above.",
    )
    crm_churn_warning_level = fields.Selection(
        WARNING_LEVELS,
        string="Warn From Level",
        default=LEVEL_MEDIUM,
        required=True,
        help="Customers at this risk level or above get a churn warning.",
    )
    crm_churn_warning_capacity = fields.Integer(
        string="New Warnings per Salesperson a Day",
        default=DEFAULT_WARNING_CAPACITY,
        help="At most this many new churn warnings (each with its retention activity) a day "
        "for each salesperson, the customers at highest risk first. The other customers keep "
        "their churn score and are considered again the next night. Customers without a "
        "salesperson share one such allowance for the whole company. Escalations of open "
        "warnings are not limited. 0: no limit.",
    )
    crm_churn_control_share = fields.Float(
        string="Control Group (%)",
        default=DEFAULT_CONTROL_SHARE,
        digits=(4, 1),
        help="This percentage of the new churn warnings, drawn at random within each risk "
        "level, forms a control group: no playbook, no activity, no e-mail and no notification, "
        "hidden from the salespeople, so that the Playbook Uplift report can measure what the "
        "playbooks retain. The cost: the customers of the control group get no follow-up. "
        "0: no control group; at most 50.",
    )
    crm_churn_snooze_days = fields.Integer(
        string="Snooze (days)",
        default=DEFAULT_SNOOZE_DAYS,
        help="A dismissed warning keeps the customer from being warned again for this many days.",
    )
    crm_churn_win_back_days = fields.Integer(
        string="Win-back Horizon (days)",
        default=DEFAULT_WIN_BACK_DAYS,
        help="A win-back warning is lost when the churned customer has not ordered again this "
        "many days after it.",
    )
    crm_churn_refit_days = fields.Integer(
        string="Refit Model Every (days)",
        default=DEFAULT_REFIT_DAYS,
        help="The nightly run refits the purchase model when the last fit is this old.",
    )
    crm_churn_model_min_customers = fields.Integer(
        string="Minimum Customers for the Model",
        default=DEFAULT_MODEL_MIN_CUSTOMERS,
        help="Below this many customers with orders, no statistical model is fitted.",
    )
    crm_churn_clv_discount = fields.Float(
        string="Monthly Discount Rate",
        default=DEFAULT_CLV_DISCOUNT,
        digits=(6, 4),
        help="Monthly rate at which future revenue is discounted in the predicted customer "
        "lifetime value (0.01 = 1% a month).",
    )
    crm_churn_backtest_horizon = fields.Integer(
        string="Backtest Horizon (days)",
        default=DEFAULT_BACKTEST_HORIZON,
        help="A customer counts as churned in a backtest when no order follows within this "
        "many days.",
    )

    _crm_churn_levels_ordered = models.Constraint(
        "CHECK(0 <= crm_churn_level_low AND crm_churn_level_low <= crm_churn_level_medium"
        " AND crm_churn_level_medium <= crm_churn_level_high AND crm_churn_level_high <= 100)",
        "Churn levels must rise from low to medium to high, between 0 and 100.",
    )
    # not _crm_churn_days_positive: that name is crm_lifecycle_tiering's check of crm_churn_days,
    # which a constraint of the same name here would replace
    _crm_churn_warning_days_positive = models.Constraint(
        "CHECK(crm_churn_snooze_days >= 0 AND crm_churn_win_back_days > 0"
        " AND crm_churn_refit_days > 0 AND crm_churn_model_min_customers > 0"
        " AND crm_churn_backtest_horizon > 0)",
        "Churn warning periods and the model's minimum must be positive.",
    )
    _crm_churn_warning_days_max = models.Constraint(
        f"CHECK(crm_churn_snooze_days <= {MAX_PERIOD_DAYS}"
        f" AND crm_churn_win_back_days <= {MAX_PERIOD_DAYS}"
        f" AND crm_churn_refit_days <= {MAX_PERIOD_DAYS}"
        f" AND crm_churn_backtest_horizon <= {MAX_PERIOD_DAYS})",
        "The snooze, the win-back horizon, the refit period and the backtest horizon cannot "
        "exceed 3650 days (ten years).",
    )
    _crm_churn_shares_ordered = models.Constraint(
        "CHECK(0 < crm_churn_share_high AND crm_churn_share_high <= crm_churn_share_medium"
        " AND crm_churn_share_medium <= crm_churn_share_low AND crm_churn_share_low <= 100)",
        "The shares of customers at high, medium and low risk must grow from high to low, "
        "above 0 and at most 100%.",
    )
    _crm_churn_warning_capacity_range = models.Constraint(
        "CHECK(crm_churn_warning_capacity >= 0 AND crm_churn_warning_capacity <= 1000)",
        "The new churn warnings per salesperson a day lie between 0 (no limit) and 1000.",
    )
    _crm_churn_control_share_range = models.Constraint(
        f"CHECK(crm_churn_control_share >= 0 AND crm_churn_control_share <= {MAX_CONTROL_SHARE})",
        "The control group's share of the new churn warnings lies between 0 and 50%.",
    )
    _crm_churn_clv_discount_range = models.Constraint(
        "CHECK(crm_churn_clv_discount >= 0 AND crm_churn_clv_discount < 1)",
        "The monthly discount rate lies between 0 and 1.",
    )

    @api.constrains("crm_churn_control_share")
    def _check_crm_churn_control_share(self):
        for company in self:
            if not 0 <= company.crm_churn_control_share <= MAX_CONTROL_SHARE:
                raise ValidationError(
                    self.env._(
                        "The control group of %(company)s cannot hold %(share)s%% of the new "
                        "churn warnings: choose between 0 (no control group) and %(max)s%%. "
                        "Above half, most customers at risk would get no follow-up.",
                        company=company.name,
                        share=f"{company.crm_churn_control_share:g}",
                        max=f"{MAX_CONTROL_SHARE:g}",
                    )
                )

    @api.model
    def _crm_load_churn_demo(self):
        """Demo data (demo/crm_churn_demo.xml): five months of churn scoring replayed. The
        generator is imported here only, so that it loads with demo data alone."""
        from ..demo.crm_churn_demo import CrmChurnDemo

        CrmChurnDemo(self.env)._load_demo_history()
