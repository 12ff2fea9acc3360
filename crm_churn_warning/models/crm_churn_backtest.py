from odoo import fields, models


class CrmChurnBacktest(models.Model):
    _name = "crm.churn.backtest"
    _description = "Churn Backtest"

    name = fields.Char()
