"""A customer's churn values in a company, as the last scoring left them.

The nightly scoring rewrites nearly every customer's values (the scored date, the days in the
reasons and the probabilities move every day). They live in this narrow table of our own rather
than in company-dependent columns of res_partner: an update of a res_partner row rewrites the
entries of every index of that wide table, an update here is a heap-only update (the table
leaves room in its pages and its only indexes are on columns the scoring never changes). The
partner reaches its row through a company-dependent link, and shows the values as related
fields, which search, sort and group like stored ones (crm_churn_warning.models.res_partner).
"""

from odoo import fields, models
from odoo.tools import SQL

from .churn_data import PARTNER_CHURN_LEVELS

# free space left in each page of the table for the nightly updates (percent filled)
FILLFACTOR = 50


class CrmChurnPartnerScore(models.Model):
    _name = "crm.churn.partner.score"
    _description = "Customer Churn Score"
    _rec_name = "partner_id"
    _order = "id"
    # written by the scoring engine alone, by SQL: what it writes carries its own date
    _log_access = False

    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, readonly=True, ondelete="cascade"
    )
    company_id = fields.Many2one("res.company", required=True, readonly=True, ondelete="cascade")
    score = fields.Float(string="Churn Score", readonly=True, digits=(5, 1))
    level = fields.Selection(PARTNER_CHURN_LEVELS, string="Churn Risk", readonly=True)
    reason_data = fields.Text(string="Churn Reason Codes", readonly=True)
    scored_date = fields.Date(string="Churn Scored On", readonly=True)
    p_alive = fields.Float(string="Probability Alive", readonly=True, digits=(4, 3))
    expected_purchases = fields.Float(
        string="Expected Purchases (90 days)", readonly=True, digits=(8, 2)
    )
    predicted_clv = fields.Float(
        string="Predicted Value (12 months)", readonly=True, digits=(16, 2)
    )

    _partner_company_unique = models.Constraint(
        "UNIQUE(partner_id, company_id)",
        "A customer has one churn score per company.",
    )

    def init(self):
        self.env.cr.execute(
            SQL(
                "ALTER TABLE %s SET (fillfactor = %s)",
                SQL.identifier(self._table),
                SQL(str(FILLFACTOR)),
            )
        )
