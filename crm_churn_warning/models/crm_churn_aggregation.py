"""The churn scoring engine's first step: what one run reads, aggregated once into temporary
tables keyed by commercial partner (see crm.churn.engine for the whole run).

Orders (or posted invoices net of refunds) per day, complaints, satisfaction responses and
engagement (messages, activities, meetings, visits), each reading only what is dated on or before
the run's date, so that a past date replays the past. The transaction days are read once into
numpy arrays (churn_features.TransactionDays), which give the orders signals' figures and the
learned risk's features; the other tables are joined by the batches.
"""

from datetime import timedelta

import numpy as np

from odoo import models
from odoo.tools import SQL

from ..tools import churn_features
from .churn_data import SIGNAL_COMPLAINTS, SIGNAL_FREQUENCY_DROP, SIGNAL_SPEND_DROP

DEFAULT_PERIOD_DAYS = 90  # the drop periods aggregated when their signal is switched off
# the engine's table of the orders figures per customer (TransactionDays.order_figures)
ORDERS_COLUMNS = {
    "partner_id": "int4",
    "first_day": "date",
    "last_day": "date",
    "day_count": "int4",
    "order_count": "float8",
    "amount_total": "float8",
    "first_amount": "float8",
    "spend_recent": "float8",
    "spend_before": "float8",
    "count_recent": "float8",
    "count_before": "float8",
}
TEMP_TABLES = (
    "crm_churn_days",
    "crm_churn_scope",
    "crm_churn_orders",
    "crm_churn_complaints",
    "crm_churn_satisfaction",
    "crm_churn_engagement",
)


class CrmChurnAggregation(models.AbstractModel):
    _name = "crm.churn.aggregation"
    _description = "Churn Scoring Aggregation"

    # ------------------------------------------------------------------ 2. aggregation
    def _aggregate(self, ctx, partners):
        company, as_of, cr = ctx.company, ctx.as_of, self.env.cr
        cr.execute("SET LOCAL work_mem = '64MB'")
        self._drop_tables()

        def period(code):
            signal = ctx.signals.get(code)
            return signal["period_days"] if signal else DEFAULT_PERIOD_DAYS

        spend_days, frequency_days = period(SIGNAL_SPEND_DROP), period(SIGNAL_FREQUENCY_DROP)
        # the transaction days of every customer of the company (the median interval is the
        # company's), kept for the learned risk's features (_get_learned). The planner
        # underestimates the rows of the days query and would scan and sort the orders in one
        # process; cheaper parallel costs let it split the scan, join and per-day grouping
        # between workers (the source tables are regular ones). Grouped by hashing, a million
        # order days overflow the work memory and spill to disk; sorted in the workers and
        # grouped in order, they take a quarter less time and come out in the order the
        # learned features read them. For this query only.
        settings = ("parallel_setup_cost", "parallel_tuple_cost", "enable_hashagg")
        cr.execute(
            SQL("SELECT %s", SQL(", ").join(SQL("current_setting(%s)", name) for name in settings))
        )
        saved = cr.fetchone()
        cr.execute("SET LOCAL parallel_setup_cost = 100")
        cr.execute("SET LOCAL parallel_tuple_cost = 0.01")
        cr.execute("SET LOCAL enable_hashagg = off")
        cr.execute(
            SQL(
                "CREATE TEMP TABLE crm_churn_days ON COMMIT PRESERVE ROWS AS %s",
                self.env["crm.customer.data"]._get_days_query(company, as_of),
            )
        )
        cr.execute(
            SQL(
                "SELECT %s",
                SQL(", ").join(
                    SQL("set_config(%s, %s, TRUE)", name, value)
                    for name, value in zip(settings, saved, strict=True)
                ),
            )
        )
        # per customer: the figures of the orders signals, from the days read once (the
        # learned risk's features read the same arrays, see _run)
        ctx.days = churn_features.read_days(cr, SQL("SELECT * FROM crm_churn_days"))
        figures = ctx.days.order_figures(as_of.toordinal(), spend_days, frequency_days)
        cr.execute(
            """
            CREATE TEMP TABLE crm_churn_orders (
                partner_id int4, first_day date, last_day date, day_count int4,
                order_count float8, amount_total float8, first_amount float8,
                spend_recent float8, spend_before float8, count_recent float8,
                count_before float8
            ) ON COMMIT PRESERVE ROWS
            """
        )
        churn_features.copy_rows(
            cr,
            "crm_churn_orders",
            [(name, ORDERS_COLUMNS[name], values) for name, values in figures.items()],
        )
        cr.execute("CREATE UNIQUE INDEX ON crm_churn_orders (partner_id)")
        # the run's customers, and partners scored before who are no longer customers as of
        # this date (their scores are cleared)
        partner_filter = SQL()
        if partners is not None:
            partner_filter = SQL("WHERE s.partner_id = ANY(%s)", partners.commercial_partner_id.ids)
        cr.execute(
            SQL(
                """
                CREATE TEMP TABLE crm_churn_scope ON COMMIT PRESERVE ROWS AS
                SELECT s.partner_id, s.is_customer FROM (
                    SELECT partner_id, TRUE AS is_customer FROM crm_churn_orders
                    UNION ALL
                    SELECT cs.partner_id, FALSE FROM crm_churn_partner_score cs
                     WHERE cs.company_id = %(company_id)s AND cs.level IS NOT NULL
                       AND NOT EXISTS (
                           SELECT 1 FROM crm_churn_orders o WHERE o.partner_id = cs.partner_id
                       )
                ) s %(partner_filter)s
                """,
                company_id=company.id,
                partner_filter=partner_filter,
            )
        )
        cr.execute("CREATE UNIQUE INDEX ON crm_churn_scope (partner_id)")
        # complaints and satisfaction answers, as crm_satisfaction gives their facts
        scope = SQL("SELECT partner_id FROM crm_churn_scope")
        cr.execute(
            SQL(
                """
                CREATE TEMP TABLE crm_churn_complaints ON COMMIT PRESERVE ROWS AS
                SELECT f.partner_id, f.open_critical, f.complaints_recent FROM (%s) f
                """,
                self.env["crm.complaint"]._get_complaint_facts_query(
                    company, as_of, period(SIGNAL_COMPLAINTS), partner_ids=scope
                ),
            )
        )
        cr.execute("CREATE UNIQUE INDEX ON crm_churn_complaints (partner_id)")
        # satisfaction: the last CSAT and recommendation answers, and the trend as the
        # satisfaction addon defines it (average score of the last TREND_DAYS days against the
        # TREND_DAYS days before)
        cr.execute(
            SQL(
                """
                CREATE TEMP TABLE crm_churn_satisfaction ON COMMIT PRESERVE ROWS AS
                SELECT f.partner_id, f.csat_last, f.nps_last, f.nps_category, f.recent_avg,
                       f.previous_avg
                  FROM (%s) f
                """,
                self.env["crm.satisfaction.response"]._get_satisfaction_facts_query(
                    company, as_of, partner_ids=scope
                ),
            )
        )
        cr.execute("CREATE UNIQUE INDEX ON crm_churn_satisfaction (partner_id)")
        cr.execute(
            SQL(
                """
                CREATE TEMP TABLE crm_churn_engagement ON COMMIT PRESERVE ROWS AS
                SELECT p.commercial_partner_id AS partner_id, MAX(e.day) AS last_day
                  FROM (%(sources)s) e
                  JOIN res_partner p ON p.id = e.partner_id
                  JOIN crm_churn_scope s ON s.partner_id = p.commercial_partner_id
                 GROUP BY p.commercial_partner_id
                """,
                sources=SQL(" UNION ALL ").join(self._get_engagement_queries(as_of)),
            )
        )
        cr.execute("CREATE UNIQUE INDEX ON crm_churn_engagement (partner_id)")
        # the tables the batches join (the days are only read whole, by _get_learned)
        for table in TEMP_TABLES:
            if table != "crm_churn_days":
                cr.execute(SQL("ANALYZE %s", SQL.identifier(table)))

    def _drop_tables(self):
        for table in TEMP_TABLES:
            self.env.cr.execute(SQL("DROP TABLE IF EXISTS %s", SQL.identifier(table)))

    def _get_engagement_queries(self, as_of):
        """(partner_id, day) of each contact with a partner or one of its contacts on or before
        as_of: emails and comments not written by OdooBot (notifications and tracking are not
        contact), activities done (on their done date) or planned by a person (on their creation
        date) on the partner, activities done on its churn warnings, and meetings the partner
        attends (on their start), and follow-up visits recorded (on their date), whether they
        were recorded from an activity or by hand."""
        end = as_of + timedelta(days=1)
        bot_partner = self.env.ref("base.partner_root").id
        bot_user = self.env.ref("base.user_root").id
        queries = [
            SQL(
                """
                SELECT m.res_id AS partner_id, MAX(m.date)::date AS day
                  FROM mail_message m
                 WHERE m.model = 'res.partner'
                   AND m.message_type IN ('email', 'comment')
                   AND m.author_id IS DISTINCT FROM %(bot)s
                   AND m.date < %(end)s
                 GROUP BY m.res_id
                """,
                bot=bot_partner,
                end=end,
            ),
            SQL(
                """
                SELECT a.res_id, MAX(COALESCE(a.date_done, a.create_date::date))
                  FROM mail_activity a
                 WHERE a.res_model = 'res.partner'
                   AND (a.date_done IS NOT NULL OR a.create_uid IS DISTINCT FROM %(bot)s)
                   AND COALESCE(a.date_done, a.create_date::date) <= %(as_of)s
                 GROUP BY a.res_id
                """,
                bot=bot_user,
                as_of=as_of,
            ),
        ]
        # retention work: activities done on the customer's churn warnings
        queries.append(
            SQL(
                """
                SELECT w.partner_id, MAX(a.date_done)
                  FROM mail_activity a
                  JOIN %(warnings)s w ON w.id = a.res_id
                 WHERE a.res_model = %(model)s
                   AND a.date_done <= %(as_of)s
                 GROUP BY w.partner_id
                """,
                warnings=SQL.identifier(self.env["crm.churn.warning"]._table),
                model="crm.churn.warning",
                as_of=as_of,
            )
        )
        # follow-up visits (crm_satisfaction)
        queries.append(self.env["crm.followup"]._get_last_visit_query(as_of))
        if "calendar.event" in self.env:
            queries.append(
                SQL(
                    """
                    SELECT rel.res_partner_id, MAX(ev.start)::date
                      FROM calendar_event_res_partner_rel rel
                      JOIN calendar_event ev ON ev.id = rel.calendar_event_id
                     WHERE ev.active AND ev.start < %(end)s
                     GROUP BY rel.res_partner_id
                    """,
                    end=end,
                )
            )
        return queries

    def _get_summary(self, as_of):
        """The purchase summary crm.churn.model._predict reads (see its _get_summary), from the
        run's order table instead of a second pass over the orders."""
        self.env.cr.execute(
            """
            SELECT partner_id, day_count - 1, last_day - first_day, %s::date - first_day,
                   amount_total, first_amount
              FROM crm_churn_orders ORDER BY partner_id
            """,
            [as_of],
        )
        rows = self.env.cr.fetchall()
        data = np.array(rows, dtype=float).reshape(-1, 6)
        x = data[:, 1]
        repeat_value = np.maximum(data[:, 4] - data[:, 5], 0.0)
        return {
            "partner_id": data[:, 0].astype(np.int64),
            "x": x,
            "t_x": data[:, 2] / 7.0,
            "T": data[:, 3] / 7.0,
            "m": np.divide(repeat_value, x, out=np.zeros_like(x), where=x > 0),
        }

    def _get_median_interval(self):
        """Median of the mean intervals (days) between order days of the customers who ordered
        on at least two days; None when there is none."""
        self.env.cr.execute(
            """
            SELECT percentile_cont(0.5) WITHIN GROUP (
                       ORDER BY (last_day - first_day)::float8 / (day_count - 1))
              FROM crm_churn_orders WHERE day_count > 1
            """
        )
        return self.env.cr.fetchone()[0]
