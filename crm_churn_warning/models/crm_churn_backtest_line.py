from odoo import fields, models


class CrmChurnBacktestLine(models.Model):
    _name = "crm.churn.backtest.line"
    _description = "Churn Backtest Level"

    backtest_id = fields.Many2one("crm.churn.backtest", required=True, ondelete="cascade")
