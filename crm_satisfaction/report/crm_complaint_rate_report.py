from odoo import fields, models, tools
from odoo.tools import SQL

from ..models.complaint_data import CHANNELS


class CrmComplaintRateReport(models.Model):
    """Complaints per 100 active customers, per company and month, split by category, customer
    tier, team and channel.

    A customer is active in a month when it has a confirmed sales order in the twelve months up
    to that month's end. One row holds the complaints of one company, month, category, tier,
    team and channel, and the active customers of its company and month (the same on every row
    of that company and month). Its rate is its complaints per 100 of those customers, so the
    rates of a month's rows add up to the month's rate, and over several months the sum is the
    complaints per 100 active customers of the period, each month weighed on its own customers.
    The rate is meant per company: rates of several companies do not add up."""

    _name = "crm.complaint.rate.report"
    _description = "Complaint Rate"
    _auto = False
    _order = "month desc, id"

    company_id = fields.Many2one("res.company", readonly=True)
    month = fields.Date(readonly=True)
    category_id = fields.Many2one("crm.complaint.category", readonly=True)
    tier_id = fields.Many2one("crm.customer.tier", string="Customer Tier", readonly=True)
    team_id = fields.Many2one("crm.complaint.team", readonly=True)
    channel = fields.Selection(CHANNELS, readonly=True)
    complaint_count = fields.Integer(string="Complaints", readonly=True)
    active_customer_count = fields.Integer(
        string="Active Customers",
        readonly=True,
        aggregator="max",
        help="Customers of the company with a confirmed order in the twelve months up to the "
        "month's end. The same on every row of a company and month, so grouped rows show it "
        "once (their maximum), not summed.",
    )
    complaint_rate = fields.Float(
        string="Complaints per 100 Active Customers",
        readonly=True,
        aggregator="sum",
        digits=(16, 2),
        help="Complaints of the row per 100 active customers of its company and month. Summed: "
        "a month's categories, tiers, teams or channels add up to the month's rate, and months "
        "add up to the period's rate. Compare companies side by side, not summed.",
    )

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                """
                CREATE OR REPLACE VIEW %(table)s AS
                WITH counts AS (
                    SELECT c.company_id,
                           date_trunc('month', c.reported_date)::date AS month,
                           c.category_id,
                           c.tier_id,
                           c.team_id,
                           c.channel,
                           count(*) AS complaint_count
                      FROM crm_complaint c
                     GROUP BY 1, 2, 3, 4, 5, 6
                ),
                bases AS (
                    SELECT m.company_id, m.month, a.active_customer_count
                      FROM (SELECT DISTINCT company_id, month FROM counts) m
                      CROSS JOIN LATERAL (
                           SELECT count(DISTINCT p.commercial_partner_id) AS active_customer_count
                             FROM sale_order so
                             JOIN res_partner p ON p.id = so.partner_id
                            WHERE so.company_id = m.company_id
                              AND so.state = 'sale'
                              AND so.date_order >= m.month + interval '1 month'
                                                   - interval '12 months'
                              AND so.date_order < m.month + interval '1 month'
                      ) a
                )
                SELECT row_number() OVER (
                           ORDER BY k.company_id, k.month, k.category_id, k.tier_id,
                                    k.team_id, k.channel
                       ) AS id,
                       k.company_id,
                       k.month,
                       k.category_id,
                       k.tier_id,
                       k.team_id,
                       k.channel,
                       k.complaint_count,
                       b.active_customer_count,
                       CASE WHEN b.active_customer_count > 0
                            THEN 100.0 * k.complaint_count / b.active_customer_count
                            ELSE 0 END::float8 AS complaint_rate
                  FROM counts k
                  JOIN bases b ON b.company_id = k.company_id AND b.month = k.month
                """,
                table=SQL.identifier(self._table),
            )
        )
