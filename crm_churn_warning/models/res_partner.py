from odoo import fields, models

from .churn_data import CHURN_LEVELS


class ResPartner(models.Model):
    _inherit = "res.partner"

    # written set-wise by crm.churn.engine, per company (jsonb keyed by company id); stored
    # integer/float values must never be JSON null
    crm_churn_score = fields.Float(
        string="Churn Score",
        company_dependent=True,
        readonly=True,
        digits=(5, 1),
        help="Weighted share (0-100) of the churn signals the customer triggered in the last "
        "scoring.",
    )
    crm_churn_level = fields.Selection(
        CHURN_LEVELS,
        string="Churn Risk",
        company_dependent=True,
        readonly=True,
        help="Risk level from the churn score and the company's thresholds.",
    )
    crm_churn_reasons = fields.Text(
        string="Churn Reasons",
        company_dependent=True,
        readonly=True,
        help="Each signal the customer triggered, in words and with its figures.",
    )
    crm_churn_scored_date = fields.Date(
        string="Churn Scored On",
        company_dependent=True,
        readonly=True,
    )
    crm_p_alive = fields.Float(
        string="Probability Alive",
        company_dependent=True,
        readonly=True,
        digits=(4, 3),
        help="Probability that the customer still buys from us, from the company's BG/NBD model "
        "of purchases (0 when no model is fitted).",
    )
    crm_expected_purchases = fields.Float(
        string="Expected Purchases (90 days)",
        company_dependent=True,
        readonly=True,
        digits=(8, 2),
        help="Orders the customer is expected to place in the next 90 days (BG/NBD).",
    )
    crm_predicted_clv = fields.Float(
        string="Predicted Value (12 months)",
        company_dependent=True,
        readonly=True,
        digits=(16, 2),
        help="Revenue expected from the customer in the next 12 months, discounted (BG/NBD with "
        "a Gamma-Gamma spend model).",
    )
