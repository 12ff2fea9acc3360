from odoo import fields, models

from .churn_data import CHURN_LEVELS


class CrmChurnBacktestLine(models.Model):
    """One risk level of a backtest: how many customers of the population the replay put at
    that level and how many of them actually churned within the horizon (the confusion matrix
    read level by level)."""

    _name = "crm.churn.backtest.line"
    _description = "Churn Backtest Level"
    _order = "backtest_id, sequence desc, id"

    backtest_id = fields.Many2one(
        "crm.churn.backtest", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="backtest_id.company_id", store=True)
    level = fields.Selection(CHURN_LEVELS, string="Churn Risk", required=True)
    sequence = fields.Integer(help="Rank of the level: 0 for no risk, 3 for high.")
    flagged = fields.Boolean(
        help="Customers at this level count as predicted to churn (the level is at or above "
        "the backtest's warning level).",
    )
    customer_count = fields.Integer(string="Customers")
    churned_count = fields.Integer(
        string="Churned", help="Customers of this level without any order within the horizon."
    )
    retained_count = fields.Integer(
        string="Not Churned",
        help="Customers of this level who ordered again within the horizon.",
    )
    churn_rate = fields.Float(
        digits=(5, 4), help="Share of the customers of this level who churned."
    )
    share = fields.Float(
        string="Share of Customers",
        digits=(5, 4),
        help="Share of the backtest's customers the replay put at this level.",
    )
    average_score = fields.Float(digits=(5, 1))
