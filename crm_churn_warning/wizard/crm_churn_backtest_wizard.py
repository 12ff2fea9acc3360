from odoo import models


class CrmChurnBacktestWizard(models.TransientModel):
    _name = "crm.churn.backtest.wizard"
    _description = "Run a Churn Backtest"
