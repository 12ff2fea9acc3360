from odoo import models


class CrmChurnEngine(models.AbstractModel):
    _name = "crm.churn.engine"
    _description = "Churn Scoring Engine"
