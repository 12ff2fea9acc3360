from odoo import fields, models, tools
from odoo.tools import SQL

from odoo.addons.crm_lifecycle_tiering.models.lifecycle_data import EVENT_STAGE, STAGE_CHURNED

from ..models.churn_data import STATE_LOST

SOURCE_WARNING = "warning"
SOURCE_CHURN = "churn"
LOST_SOURCES = [(SOURCE_WARNING, "Lost warning"), (SOURCE_CHURN, "Churned customer")]


class CrmChurnLostReport(models.Model):
    """Losses by reason, tier and month: the churn warnings closed lost (on their outcome
    date, in the tier of the warning) and the churns of customers (the stage changes to
    Churned of their history, on their date, in the tier the customer had then, with the
    customer's salesperson and the first sales team of theirs in the company). A churned
    customer who came back keeps its churn here. A loss without reason shows as such."""

    _name = "crm.churn.lost.report"
    _description = "Churn Losses by Reason"
    _auto = False
    _order = "date desc, id desc"
    # flushed before the report is read
    _depends = {
        "crm.churn.warning": [
            "state",
            "partner_id",
            "lost_reason_id",
            "tier_id",
            "outcome_date",
            "date",
            "company_id",
            "user_id",
            "team_id",
            "is_control",
        ],
        "crm.lifecycle.event": [
            "kind",
            "new_stage",
            "partner_id",
            "churn_lost_reason_id",
            "old_tier_id",
            "new_tier_id",
            "date",
            "company_id",
        ],
        "res.partner": ["user_id", "crm_revenue_total"],
    }

    source = fields.Selection(LOST_SOURCES, readonly=True)
    warning_id = fields.Many2one("crm.churn.warning", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    lost_reason_id = fields.Many2one("crm.churn.lost.reason", string="Reason", readonly=True)
    tier_id = fields.Many2one("crm.customer.tier", readonly=True)
    date = fields.Date(string="Lost on", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    team_id = fields.Many2one("crm.team", string="Sales Team", readonly=True)
    is_control = fields.Boolean(string="Control Group", readonly=True)
    revenue_total = fields.Float(
        string="Revenue",
        readonly=True,
        help="The customer's revenue of all time in the company, in its currency: what the "
        "customer had brought before the loss.",
    )

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                """
                CREATE OR REPLACE VIEW %(table)s AS
                SELECT 2 * w.id AS id,
                       %(warning)s AS source,
                       w.id AS warning_id,
                       w.partner_id,
                       w.lost_reason_id,
                       w.tier_id,
                       COALESCE(w.outcome_date, w.date) AS date,
                       w.company_id,
                       w.user_id,
                       w.team_id,
                       COALESCE(w.is_control, FALSE) AS is_control,
                       COALESCE((p.crm_revenue_total ->> w.company_id::text)::float8, 0)
                           AS revenue_total
                  FROM crm_churn_warning w
                  JOIN res_partner p ON p.id = w.partner_id
                 WHERE w.state = %(lost)s
                UNION ALL
                SELECT 2 * e.id + 1,
                       %(churn)s,
                       NULL,
                       e.partner_id,
                       e.churn_lost_reason_id,
                       COALESCE(e.old_tier_id, e.new_tier_id),
                       e.date,
                       e.company_id,
                       p.user_id,
                       team.id,
                       FALSE,
                       COALESCE((p.crm_revenue_total ->> e.company_id::text)::float8, 0)
                  FROM crm_lifecycle_event e
                  JOIN res_partner p ON p.id = e.partner_id
                  LEFT JOIN LATERAL (
                       SELECT t.id
                         FROM crm_team_member m
                         JOIN crm_team t ON t.id = m.crm_team_id
                        WHERE m.user_id = p.user_id
                          AND m.active
                          AND (t.company_id IS NULL OR t.company_id = e.company_id)
                        ORDER BY m.id
                        LIMIT 1
                  ) team ON TRUE
                 WHERE e.kind = %(stage_event)s
                   AND e.new_stage = %(churned)s
                """,
                table=SQL.identifier(self._table),
                warning=SOURCE_WARNING,
                churn=SOURCE_CHURN,
                lost=STATE_LOST,
                stage_event=EVENT_STAGE,
                churned=STAGE_CHURNED,
            )
        )
