from odoo import fields, models


class SurveyUserInput(models.Model):
    _inherit = "survey.user_input"

    crm_campaign_id = fields.Many2one(
        "crm.satisfaction.campaign",
        string="Satisfaction Campaign",
        index="btree_not_null",
        ondelete="set null",
        readonly=True,
    )
    crm_company_id = fields.Many2one(
        "res.company",
        string="Satisfaction Company",
        default=lambda self: self.env.company,
        readonly=True,
        help="The company whose satisfaction indicators this answer feeds.",
    )
    crm_sale_order_id = fields.Many2one(
        "sale.order",
        string="Surveyed Order",
        index="btree_not_null",
        ondelete="set null",
        readonly=True,
    )
    # the complaint model lives in this addon's complaint part; only its id is kept here
    crm_complaint_res_id = fields.Integer(string="Surveyed Complaint", readonly=True)
    crm_reminder_date = fields.Datetime(string="Reminder Sent", readonly=True, copy=False)

    def _mark_done(self):
        res = super()._mark_done()
        self.env["crm.satisfaction.response"]._create_from_user_inputs(self)
        return res
