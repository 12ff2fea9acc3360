from odoo import fields, models

from .churn_data import SIGNAL_CODES


class CrmChurnSignal(models.Model):
    _name = "crm.churn.signal"
    _description = "Churn Signal"
    _order = "sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    code = fields.Selection(SIGNAL_CODES, required=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    weight = fields.Float(
        default=1.0,
        help="Share of the churn score this signal carries when it triggers, relative to the "
        "weights of the other active signals.",
    )
    description = fields.Text(translate=True)
    company_id = fields.Many2one(
        "res.company",
        help="Leave empty to use the signal in every company.",
    )

    _weight_positive = models.Constraint(
        "CHECK(weight > 0)",
        "A signal's weight must be greater than zero; archive the signal to switch it off.",
    )
    _code_company_uniq = models.UniqueIndex(
        "(code, COALESCE(company_id, 0))",
        "Each signal can be configured once per company.",
    )
