from odoo import fields, models, tools
from odoo.tools import SQL

from ..models.lifecycle_data import LIFECYCLE_PATTERNS, LIFECYCLE_STAGES


class CrmLifecyclePatternReport(models.Model):
    """Customers by the path their history shows: lost before a repeat purchase (early abort),
    lost from repeat (mid-way abort), lost after becoming loyal (early exit), loyal and active
    (long-term). Where the history does not reach back far enough, the order count tells."""

    _name = "crm.lifecycle.pattern.report"
    _description = "Customer Lifecycle Patterns"
    _auto = False
    _order = "partner_id"

    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    country_id = fields.Many2one("res.country", readonly=True)
    tier_id = fields.Many2one("crm.customer.tier", readonly=True)
    stage = fields.Selection(LIFECYCLE_STAGES, string="Lifecycle Stage", readonly=True)
    pattern = fields.Selection(LIFECYCLE_PATTERNS, readonly=True)
    order_count = fields.Integer(string="Orders", readonly=True)
    revenue_total = fields.Float(string="Revenue (all time)", readonly=True)

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                """
                CREATE OR REPLACE VIEW %(table)s AS
                SELECT row_number() OVER (ORDER BY p.id, c.id) AS id,
                       p.id AS partner_id,
                       c.id AS company_id,
                       p.user_id,
                       p.country_id,
                       (p.crm_tier_id ->> c.id::text)::int AS tier_id,
                       p.crm_lifecycle_stage ->> c.id::text AS stage,
                       COALESCE((p.crm_order_count ->> c.id::text)::int, 0) AS order_count,
                       COALESCE((p.crm_revenue_total ->> c.id::text)::float8, 0) AS revenue_total,
                       CASE p.crm_lifecycle_stage ->> c.id::text
                           WHEN 'churned' THEN CASE
                               WHEN h.loyal OR (h.known IS NULL AND
                                   COALESCE((p.crm_order_count ->> c.id::text)::int, 0)
                                       >= c.crm_loyal_min_orders)
                                   THEN 'early_exit'
                               WHEN h.repeat OR (h.known IS NULL AND
                                   COALESCE((p.crm_order_count ->> c.id::text)::int, 0) >= 2)
                                   THEN 'midway_abort'
                               ELSE 'early_abort' END
                           WHEN 'loyal' THEN 'long_term'
                           WHEN 'prospect' THEN 'prospect'
                           ELSE 'growing'
                       END AS pattern
                  FROM res_partner p
                  JOIN res_company c ON p.crm_lifecycle_stage ? c.id::text
                  LEFT JOIN LATERAL (
                       SELECT bool_or(e.new_stage = 'loyal') AS loyal,
                              bool_or(e.new_stage IN ('repeat', 'loyal')) AS repeat,
                              bool_or(TRUE) AS known
                         FROM crm_lifecycle_event e
                        WHERE e.partner_id = p.id
                          AND e.company_id = c.id
                          AND e.kind = 'stage'
                          AND e.new_stage IN ('first_purchase', 'repeat', 'loyal')
                          AND e.date <= (SELECT max(l.date) FROM crm_lifecycle_event l
                                          WHERE l.partner_id = p.id AND l.company_id = c.id
                                            AND l.kind = 'stage' AND l.new_stage = 'churned')
                  ) h ON TRUE
                 WHERE p.crm_lifecycle_stage ->> c.id::text IS NOT NULL
                """,
                table=SQL.identifier(self._table),
            )
        )
