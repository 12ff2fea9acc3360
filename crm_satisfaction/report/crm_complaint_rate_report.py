from odoo import fields, models, tools
from odoo.tools import SQL


class CrmComplaintRateReport(models.Model):
    """Complaints per 100 active customers, per company and month. A customer is active in a
    month when it has a confirmed sales order in the twelve months up to that month's end."""

    _name = "crm.complaint.rate.report"
    _description = "Complaint Rate"
    _auto = False
    _order = "month desc"

    company_id = fields.Many2one("res.company", readonly=True)
    month = fields.Date(readonly=True)
    complaint_count = fields.Integer(string="Complaints", readonly=True)
    active_customer_count = fields.Integer(string="Active Customers", readonly=True)
    complaint_rate = fields.Float(
        string="Complaints per 100 Active Customers",
        readonly=True,
        aggregator="avg",
        digits=(16, 2),
    )

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                """
                CREATE OR REPLACE VIEW %(table)s AS
                WITH months AS (
                    SELECT c.company_id,
                           date_trunc('month', c.reported_date)::date AS month,
                           count(*) AS complaint_count
                      FROM crm_complaint c
                     GROUP BY 1, 2
                )
                SELECT row_number() OVER (ORDER BY m.company_id, m.month) AS id,
                       m.company_id,
                       m.month,
                       m.complaint_count,
                       a.active_customer_count,
                       CASE WHEN a.active_customer_count > 0
                            THEN round(100.0 * m.complaint_count / a.active_customer_count, 2)
                            ELSE 0 END::float8 AS complaint_rate
                  FROM months m
                  CROSS JOIN LATERAL (
                       SELECT count(DISTINCT p.commercial_partner_id) AS active_customer_count
                         FROM sale_order so
                         JOIN res_partner p ON p.id = so.partner_id
                        WHERE so.company_id = m.company_id
                          AND so.state = 'sale'
                          AND so.date_order >= m.month + interval '1 month' - interval '12 months'
                          AND so.date_order < m.month + interval '1 month'
                  ) a
                """,
                table=SQL.identifier(self._table),
            )
        )
