from odoo import fields, models


class CrmChurnPlaybook(models.Model):
    _name = "crm.churn.playbook"
    _description = "Churn Retention Playbook"

    name = fields.Char(required=True, translate=True)
