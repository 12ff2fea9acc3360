from odoo import fields, models, tools
from odoo.tools import SQL

from ..models.lifecycle_data import (
    ACTIVE_STAGES,
    EVENT_STAGE,
    LIFECYCLE_PATTERNS,
    LIFECYCLE_STAGES,
    PATTERN_EARLY_ABORT,
    PATTERN_EARLY_EXIT,
    PATTERN_GROWING,
    PATTERN_LONG_TERM,
    PATTERN_MIDWAY_ABORT,
    PATTERN_PROSPECT,
    STAGE_CHURNED,
    STAGE_LOYAL,
    STAGE_PROSPECT,
    STAGE_REPEAT,
)


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
                           WHEN %(churned)s THEN CASE
                               WHEN h.loyal OR (h.known IS NULL AND
                                   COALESCE((p.crm_order_count ->> c.id::text)::int, 0)
                                       >= c.crm_loyal_min_orders)
                                   THEN %(early_exit)s
                               WHEN h.repeat OR (h.known IS NULL AND
                                   COALESCE((p.crm_order_count ->> c.id::text)::int, 0) >= 2)
                                   THEN %(midway_abort)s
                               ELSE %(early_abort)s END
                           WHEN %(loyal)s THEN %(long_term)s
                           WHEN %(prospect)s THEN %(prospect_pattern)s
                           ELSE %(growing)s
                       END AS pattern
                  FROM res_partner p
                  JOIN res_company c ON p.crm_lifecycle_stage ? c.id::text
                  LEFT JOIN LATERAL (
                       SELECT bool_or(e.new_stage = %(loyal)s) AS loyal,
                              bool_or(e.new_stage IN %(repeat_or_loyal)s) AS repeat,
                              bool_or(TRUE) AS known
                         FROM crm_lifecycle_event e
                        WHERE e.partner_id = p.id
                          AND e.company_id = c.id
                          AND e.kind = %(stage_event)s
                          AND e.new_stage IN %(active)s
                          AND e.date <= (SELECT max(l.date) FROM crm_lifecycle_event l
                                          WHERE l.partner_id = p.id AND l.company_id = c.id
                                            AND l.kind = %(stage_event)s
                                            AND l.new_stage = %(churned)s)
                  ) h ON TRUE
                 WHERE p.crm_lifecycle_stage ->> c.id::text IS NOT NULL
                """,
                table=SQL.identifier(self._table),
                churned=STAGE_CHURNED,
                loyal=STAGE_LOYAL,
                prospect=STAGE_PROSPECT,
                repeat_or_loyal=(STAGE_REPEAT, STAGE_LOYAL),
                active=ACTIVE_STAGES,
                stage_event=EVENT_STAGE,
                early_exit=PATTERN_EARLY_EXIT,
                midway_abort=PATTERN_MIDWAY_ABORT,
                early_abort=PATTERN_EARLY_ABORT,
                long_term=PATTERN_LONG_TERM,
                prospect_pattern=PATTERN_PROSPECT,
                growing=PATTERN_GROWING,
            )
        )
