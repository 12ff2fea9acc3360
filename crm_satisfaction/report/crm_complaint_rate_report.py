from odoo import api, fields, models, tools
from odoo.tools import SQL

from odoo.addons.crm_lifecycle_tiering.models.lifecycle_data import local_date_sql

from ..models.complaint_data import CHANNELS


class CrmComplaintRateReport(models.Model):
    """Complaints per 100 active customers, per company and month, split by category, customer
    tier, team and channel.

    A customer is active in a month when it has a confirmed sales order (or a posted invoice,
    when the company values its customers by invoices) in the twelve months up to that month's
    end, days and months in the company's time zone. One row holds the complaints of one
    company, month, category, tier, team and channel, and the active customers of its company
    and month (the same on every row of that company and month). Its rate is its complaints per
    100 of those customers, so the rates of a month's rows add up to the month's rate, and over
    several months the sum is the complaints per 100 active customers of the period, each month
    weighed on its own customers. The rate is meant per company: rates of several companies do
    not add up."""

    _name = "crm.complaint.rate.report"
    _description = "Complaint Rate"
    _auto = False
    _order = "month desc, id"
    _depends = {
        "crm.complaint": [
            "company_id",
            "reported_date",
            "category_id",
            "tier_id",
            "team_id",
            "channel",
        ],
        "sale.order": ["company_id", "state", "date_order", "partner_id"],
        "account.move": ["company_id", "state", "move_type", "invoice_date", "partner_id"],
        "res.partner": ["commercial_partner_id", "tz"],
        "res.company": ["crm_value_source"],
    }

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
        # the rows are a query (_table_query), read with each company's settings of the day
        tools.drop_view_if_exists(self.env.cr, self._table)

    @property
    def _table_query(self):
        companies = (
            self.env["res.company"].sudo().with_context(active_test=False).search([], order="id")
        )
        return SQL(
            """
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
                   k.active_customer_count,
                   CASE WHEN k.active_customer_count > 0
                        THEN 100.0 * k.complaint_count / k.active_customer_count
                        ELSE 0 END::float8 AS complaint_rate
              FROM (%s) k
            """,
            SQL(" UNION ALL ").join(self._get_company_query(company) for company in companies),
        )

    @api.model
    def _get_company_query(self, company):
        """The rows of one company: its complaints by month of their report in the company's
        time zone, and its active customers of each month, counted on the transactions it
        values its customers by (orders or invoices, crm.customer.data) on their local days."""
        # the twelve months up to the month's end, on the company's local days
        transactions = self.env["crm.customer.data"]._get_transactions_query(
            company,
            date_from=SQL("mon.month + interval '1 month' - interval '12 months'"),
            date_to=SQL("mon.month + interval '1 month' - interval '1 day'"),
        )
        return SQL(
            """
            (WITH counts AS (
                SELECT c.company_id,
                       date_trunc('month', %(reported_day)s)::date AS month,
                       c.category_id,
                       c.tier_id,
                       c.team_id,
                       c.channel,
                       count(*) AS complaint_count
                  FROM crm_complaint c
                 WHERE c.company_id = %(company)s
                 GROUP BY 1, 2, 3, 4, 5, 6
            )
            SELECT counts.*, b.active_customer_count
              FROM counts
              JOIN (
                    SELECT mon.month, a.active_customer_count
                      FROM (SELECT DISTINCT month FROM counts) mon
                      CROSS JOIN LATERAL (
                           SELECT count(DISTINCT t.partner_id) AS active_customer_count
                             FROM (%(transactions)s) t
                            WHERE t.orders > 0
                      ) a
                   ) b USING (month))
            """,
            reported_day=local_date_sql(SQL("c.reported_date"), company._crm_tz()),
            company=company.id,
            transactions=transactions,
        )
