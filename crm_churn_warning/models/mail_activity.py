from odoo import models


class MailActivity(models.Model):
    _inherit = "mail.activity"
