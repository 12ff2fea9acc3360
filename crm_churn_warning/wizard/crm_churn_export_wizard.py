from odoo import models


class CrmChurnExportWizard(models.TransientModel):
    _name = "crm.churn.export.wizard"
    _description = "Export the At-risk Customers"
