from odoo import fields, models

from .churn_data import MODEL_STATES


class CrmChurnModel(models.Model):
    _name = "crm.churn.model"
    _description = "Churn Purchase Model"
    _order = "company_id"

    company_id = fields.Many2one("res.company", required=True, index=True)
    state = fields.Selection(MODEL_STATES, readonly=True)
