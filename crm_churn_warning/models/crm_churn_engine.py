"""Scores every customer's churn risk, set-based and in batches.

One run for one company and one date (as_of):
1. one aggregate query per data source fills a temporary table keyed by commercial partner:
   orders (or posted invoices net of refunds) per day, complaints, satisfaction responses and
   engagement (messages, activities, meetings), each reading only what is dated on or before
   as_of, so that a past date replays the past;
2. the company's signals (a company's own signal replaces the shared one of the same code), its
   median interval between orders and the statistical model's predictions are read once;
3. batches of customers in id order: every signal evaluated in Python from the temporary tables,
   the score (the purchase model's drop-out probability, with the weighted strength of the
   triggered signals for the rest; see _compute_score) and level derived, only changed rows
   written with one UPDATE per batch, then the batch handed to the warnings. What a signal
   found is kept as reason codes with their figures (see REASON_FIGURES in churn_data), not
   as sentences: crm.churn.reason writes them in the reader's language when they are shown.
A resumable run records its cursor after each committed batch, so a run cut short resumes where
it stopped and never scores a customer twice; values are absolute, so re-running the same day
writes nothing.
"""

import json
import logging
from dataclasses import dataclass
from datetime import timedelta

import numpy as np

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL

from odoo.addons.crm_lifecycle_tiering.models.lifecycle_data import (
    STAGE_CHURNED,
    STAGE_FIRST_PURCHASE,
    STAGE_LOYAL,
    STAGE_REPEAT,
)
from odoo.addons.crm_satisfaction.models.complaint_data import PRIORITY_URGENT, SLA_BREACHED
from odoo.addons.crm_satisfaction.models.satisfaction_data import (
    NPS_DETRACTOR,
    TREND_DAYS,
    TREND_THRESHOLD,
)

from .churn_data import (
    LEVEL_CHURNED,
    LEVEL_HIGH,
    LEVEL_LOW,
    LEVEL_MEDIUM,
    LEVEL_NONE,
    REASON_COMPLAINTS_OPEN,
    REASON_COMPLAINTS_RECENT,
    REASON_CSAT,
    REASON_ENGAGEMENT_NEVER,
    REASON_FREQUENCY_DROP,
    REASON_NO_ENGAGEMENT,
    REASON_NPS,
    REASON_OVERDUE,
    REASON_OVERDUE_MEDIAN,
    REASON_P_ALIVE,
    REASON_SPEND_DROP,
    REASON_TREND,
    SIGNAL_COMPLAINTS,
    SIGNAL_FREQUENCY_DROP,
    SIGNAL_LOW_SATISFACTION,
    SIGNAL_NO_ENGAGEMENT,
    SIGNAL_OVERDUE,
    SIGNAL_P_ALIVE,
    SIGNAL_SPEND_DROP,
)

_logger = logging.getLogger(__name__)

BATCH_SIZE = 10000
DEFAULT_PERIOD_DAYS = 90  # the drop periods aggregated when their signal is switched off
CURSOR_PARAM = "crm_churn_warning.score_cursor.%s"

# company-dependent partner columns the engine writes: (column, SQL type). Stored float values
# must never be JSON null (Odoo reads them with a plain jsonb cast); text and dates may.
SCORE_COLUMNS = [
    ("crm_churn_score", "float8"),
    ("crm_churn_level", "text"),
    ("crm_churn_reason_data", "text"),  # the reason document as JSON text
    ("crm_churn_scored_date", "text"),
    ("crm_p_alive", "float8"),
    ("crm_expected_purchases", "float8"),
    ("crm_predicted_clv", "float8"),
]
SCORE_NAMES = tuple(col for col, _type in SCORE_COLUMNS)
# what a partner who is no longer a customer as of the run's date keeps
CLEARED_VALUES = {
    "crm_churn_score": 0.0,
    "crm_churn_level": None,
    "crm_churn_reason_data": None,
    "crm_churn_scored_date": None,
    "crm_p_alive": 0.0,
    "crm_expected_purchases": 0.0,
    "crm_predicted_clv": 0.0,
}
ACTIVE_STAGES = (STAGE_FIRST_PURCHASE, STAGE_REPEAT, STAGE_LOYAL)
TEMP_TABLES = (
    "crm_churn_scope",
    "crm_churn_orders",
    "crm_churn_complaints",
    "crm_churn_satisfaction",
    "crm_churn_engagement",
)


@dataclass
class ScoreContext:
    company: object
    as_of: object
    env: object  # environment of the company
    signals: dict  # code -> {"id", "weight", "factor", "period_days", "threshold", "min_count"}
    total_weight: float  # of the rule signals: the counting ones but the statistical one
    levels: tuple  # score thresholds (low, medium, high)
    churn_days: int
    median_interval: object  # float, or None without customers of several orders
    params: object  # the purchase model's parameters, None without a fitted model
    predictions: dict  # partner id -> (p_alive, expected purchases, predicted CLV)
    has_model: bool
    evaluators: dict  # code -> method evaluating the signal for one customer
    currency_id: int  # the currency of the amounts of the reasons: the company's


class CrmChurnEngine(models.AbstractModel):
    _name = "crm.churn.engine"
    _description = "Churn Scoring Engine"

    # ------------------------------------------------------------------ entry points
    @api.model
    def _cron_score(self):
        """Nightly: refit the purchase model when due, score every customer of every company
        (resumable), then close the warnings whose outcome is known."""
        for company in self.env["res.company"].search([], order="id"):
            today = fields.Date.context_today(self.with_context(tz=company._crm_tz()))
            self.env["crm.churn.model"]._fit_if_due(company, today)
            result = self._score_company(company, as_of=today, resumable=True)
            if not result["done"]:
                return  # out of time: the cron is re-triggered and resumes
            self.env["crm.churn.warning"]._close_outcomes(company, today)

    @api.model
    def action_score_now(self):
        if not self.env.user.has_group("crm_churn_warning.crm_churn_warning_group_manager"):
            raise AccessError(self.env._("Only churn warning managers can score customers."))
        self.env.ref("crm_churn_warning.ir_cron_crm_churn_score")._trigger()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "info",
                "title": self.env._("Churn scoring"),
                "message": self.env._(
                    "Every customer's churn risk is being scored in the background; warnings "
                    "and activities follow. On large databases this takes a few minutes."
                ),
                "sticky": False,
            },
        }

    @api.model
    def _score_company(self, company, as_of=None, partners=None, dry_run=False, resumable=False):
        """Scores the company's customers as of a date.

        :param partners: only these (commercial) partners; None for every customer
        :param dry_run: compute only, write nothing; the rows come back in "results" and the
            statistical model is fitted as of `as_of` without being stored
        :param resumable: record a cursor after each committed batch and resume from it
        :return: {"done", "scored", "written", "results"}
        """
        today = fields.Date.context_today(self.with_context(tz=company._crm_tz()))
        return self.sudo()._run(
            company,
            fields.Date.to_date(as_of) or today,
            partners=partners,
            dry_run=dry_run,
            resumable=resumable and partners is None and not dry_run,
        )

    # ------------------------------------------------------------------ the run
    def _run(self, company, as_of, partners=None, dry_run=False, resumable=False):
        self.env.flush_all()
        cursor_key = CURSOR_PARAM % company.id
        config = self.env["ir.config_parameter"].sudo()
        start_after = 0
        if resumable:
            saved = (config.get_param(cursor_key) or "").split(":")
            if len(saved) == 2 and saved[0] == as_of.isoformat():
                start_after = int(saved[1])
        ctx = self._prepare(company, as_of, dry_run)
        self._aggregate(ctx, partners)
        ctx.median_interval = self._get_median_interval()
        if ctx.params is not None:
            ctx.predictions = self.env["crm.churn.model"]._predict(
                company, as_of, ctx.params, summary=self._get_summary(as_of)
            )
        result = {"done": True, "scored": 0, "written": 0, "results": []}
        cr = self.env.cr
        cr.execute("SELECT count(*) FROM crm_churn_scope WHERE partner_id > %s", [start_after])
        remaining = cr.fetchone()[0]
        last_id = start_after
        while True:
            cr.execute(
                "SELECT partner_id FROM crm_churn_scope WHERE partner_id > %s"
                " ORDER BY partner_id LIMIT %s",
                [last_id, BATCH_SIZE],
            )
            batch = [r[0] for r in cr.fetchall()]
            if not batch:
                break
            rows, changes = self._compute_batch(ctx, batch)
            result["scored"] += len(rows)
            if dry_run:
                result["results"].extend(rows)
            else:
                result["written"] += self._write_batch(ctx, changes)
                if rows:
                    self.env["crm.churn.warning"]._sync_scores(company, as_of, rows)
            last_id = batch[-1]
            remaining -= len(batch)
            if resumable:
                config.set_param(cursor_key, f"{as_of.isoformat()}:{last_id}")
                if not self.env["ir.cron"]._commit_progress(len(batch), remaining=remaining):
                    result["done"] = remaining == 0
                    if not result["done"]:
                        return result
        if resumable:
            config.search([("key", "=", cursor_key)]).unlink()
        for table in TEMP_TABLES:
            cr.execute(SQL("DROP TABLE IF EXISTS %s", SQL.identifier(table)))
        if not dry_run:
            _logger.info(
                "Churn scores of %s as of %s: %d customers scored, %d rows written",
                company.name,
                as_of,
                result["scored"],
                result["written"],
            )
        return result

    # ------------------------------------------------------------------ 1. settings
    def _prepare(self, company, as_of, dry_run):
        env = self.with_company(company).env
        Model = self.env["crm.churn.model"]
        params = Model._fit_params(company, as_of)[0] if dry_run else Model._get_params(company)
        signals = self._get_signals(company, with_model=params is not None)
        return ScoreContext(
            company=company,
            as_of=as_of,
            env=env,
            signals=signals,
            total_weight=sum(
                signal["weight"] for code, signal in signals.items() if code != SIGNAL_P_ALIVE
            ),
            levels=(
                company.crm_churn_level_low,
                company.crm_churn_level_medium,
                company.crm_churn_level_high,
            ),
            churn_days=company.crm_churn_days,
            median_interval=None,
            params=params,
            predictions={},
            has_model=params is not None,
            evaluators=self._get_evaluators(),
            currency_id=company.currency_id.id,
        )

    @api.model
    def _get_signals(self, company, with_model=True):
        """The signals that count in the company, by code: a company's own signal replaces the
        shared one of the same code (an archived one switches the code off in that company).
        Without a fitted model the statistical signal does not count."""
        found = (
            self.env["crm.churn.signal"]
            .sudo()
            .with_context(active_test=False)
            .search([("company_id", "in", [company.id, False])])
        )
        chosen = {}
        for signal in found.sorted(lambda s: (bool(s.company_id), s.id)):
            chosen[signal.code] = signal  # the company's own comes last and wins
        chosen = dict(sorted(chosen.items(), key=lambda item: (item[1].sequence, item[1].id)))
        return {
            code: {
                "id": signal.id,
                "code": code,
                "weight": signal.weight,
                "factor": signal.factor,
                "period_days": signal.period_days,
                "threshold": signal.threshold,
                "min_count": signal.min_count,
            }
            for code, signal in chosen.items()
            if signal.active and (with_model or code != SIGNAL_P_ALIVE)
        }

    # ------------------------------------------------------------------ 2. aggregation
    def _aggregate(self, ctx, partners):
        company, as_of, cr = ctx.company, ctx.as_of, self.env.cr
        end = as_of + timedelta(days=1)
        cid = str(company.id)
        cr.execute("SET LOCAL work_mem = '64MB'")
        for table in TEMP_TABLES:
            cr.execute(SQL("DROP TABLE IF EXISTS %s", SQL.identifier(table)))

        def period(code):
            signal = ctx.signals.get(code)
            return signal["period_days"] if signal else DEFAULT_PERIOD_DAYS

        spend_days, frequency_days = period(SIGNAL_SPEND_DROP), period(SIGNAL_FREQUENCY_DROP)
        # orders: every customer of the company (the median interval is the company's). The
        # planner underestimates the rows of the days query and would scan and sort the orders
        # in one process; cheaper parallel costs let it split the scan, join and per-day
        # grouping between workers (the source tables are regular ones), for this query only.
        cr.execute(
            "SELECT current_setting('parallel_setup_cost'), current_setting('parallel_tuple_cost')"
        )
        parallel_costs = cr.fetchone()
        cr.execute("SET LOCAL parallel_setup_cost = 100")
        cr.execute("SET LOCAL parallel_tuple_cost = 0.01")
        cr.execute(
            SQL(
                """
                CREATE TEMP TABLE crm_churn_orders ON COMMIT PRESERVE ROWS AS
                SELECT d.partner_id,
                       MIN(d.day) FILTER (WHERE d.orders > 0) AS first_day,
                       MAX(d.day) FILTER (WHERE d.orders > 0) AS last_day,
                       COUNT(*) FILTER (WHERE d.orders > 0) AS day_count,
                       SUM(d.orders) AS order_count,
                       SUM(d.amount) AS amount_total,
                       (array_agg(d.amount ORDER BY d.day) FILTER (WHERE d.orders > 0))[1]
                           AS first_amount,
                       COALESCE(SUM(d.amount) FILTER (WHERE d.day > %(spend_recent)s), 0)
                           AS spend_recent,
                       COALESCE(SUM(d.amount) FILTER (WHERE d.day > %(spend_before)s
                                                        AND d.day <= %(spend_recent)s), 0)
                           AS spend_before,
                       COALESCE(SUM(d.orders) FILTER (WHERE d.day > %(freq_recent)s), 0)
                           AS count_recent,
                       COALESCE(SUM(d.orders) FILTER (WHERE d.day > %(freq_before)s
                                                        AND d.day <= %(freq_recent)s), 0)
                           AS count_before
                  FROM (%(days)s) d
                 GROUP BY d.partner_id
                HAVING SUM(d.orders) > 0
                """,
                days=self.env["crm.churn.model"]._get_days_query(company, as_of),
                spend_recent=as_of - timedelta(days=spend_days),
                spend_before=as_of - timedelta(days=2 * spend_days),
                freq_recent=as_of - timedelta(days=frequency_days),
                freq_before=as_of - timedelta(days=2 * frequency_days),
            )
        )
        cr.execute(
            "SELECT set_config('parallel_setup_cost', %s, TRUE),"
            " set_config('parallel_tuple_cost', %s, TRUE)",
            parallel_costs,
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
                    SELECT p.id, FALSE FROM res_partner p
                     WHERE p.crm_churn_level ->> %(cid)s IS NOT NULL
                       AND NOT EXISTS (SELECT 1 FROM crm_churn_orders o WHERE o.partner_id = p.id)
                ) s %(partner_filter)s
                """,
                cid=cid,
                partner_filter=partner_filter,
            )
        )
        cr.execute("CREATE UNIQUE INDEX ON crm_churn_scope (partner_id)")
        complaint_days = period(SIGNAL_COMPLAINTS)
        cr.execute(
            SQL(
                """
                CREATE TEMP TABLE crm_churn_complaints ON COMMIT PRESERVE ROWS AS
                SELECT c.commercial_partner_id AS partner_id,
                       COUNT(*) FILTER (
                           WHERE ((c.closed_date IS NULL AND NOT COALESCE(c.is_closed, FALSE))
                                  OR c.closed_date >= %(end)s)
                             AND (c.priority = %(urgent)s
                                  OR (c.sla_status = %(breached)s
                                      AND c.sla_breached_date < %(end)s))
                       ) AS open_critical,
                       COUNT(*) FILTER (WHERE c.reported_date >= %(since)s) AS recent
                  FROM crm_complaint c
                  JOIN crm_churn_scope s ON s.partner_id = c.commercial_partner_id
                 WHERE c.company_id = %(company)s
                   AND c.reported_date < %(end)s
                 GROUP BY c.commercial_partner_id
                """,
                end=end,
                since=end - timedelta(days=complaint_days),
                urgent=PRIORITY_URGENT,
                breached=SLA_BREACHED,
                company=company.id,
            )
        )
        cr.execute("CREATE UNIQUE INDEX ON crm_churn_complaints (partner_id)")
        # satisfaction: the last CSAT and recommendation answers, and the trend as the
        # satisfaction addon defines it (average score of the last TREND_DAYS days against the
        # TREND_DAYS days before)
        recent_start = as_of - timedelta(days=TREND_DAYS)
        cr.execute(
            SQL(
                """
                CREATE TEMP TABLE crm_churn_satisfaction ON COMMIT PRESERVE ROWS AS
                SELECT p.commercial_partner_id AS partner_id,
                       (array_agg(r.csat ORDER BY r.date DESC, r.id DESC)
                            FILTER (WHERE r.csat IS NOT NULL))[1] AS csat_last,
                       (array_agg(r.nps ORDER BY r.date DESC, r.id DESC)
                            FILTER (WHERE r.nps_category IS NOT NULL))[1] AS nps_last,
                       (array_agg(r.nps_category ORDER BY r.date DESC, r.id DESC)
                            FILTER (WHERE r.nps_category IS NOT NULL))[1] AS nps_category,
                       AVG(r.satisfaction_score) FILTER (WHERE r.date > %(recent_start)s)::float8
                           AS recent_avg,
                       AVG(r.satisfaction_score) FILTER (WHERE r.date > %(previous_start)s
                                                           AND r.date <= %(recent_start)s)::float8
                           AS previous_avg
                  FROM crm_satisfaction_response r
                  JOIN res_partner p ON p.id = r.partner_id
                  JOIN crm_churn_scope s ON s.partner_id = p.commercial_partner_id
                 WHERE r.company_id = %(company)s
                   AND r.date <= %(as_of)s
                 GROUP BY p.commercial_partner_id
                """,
                recent_start=recent_start,
                previous_start=recent_start - timedelta(days=TREND_DAYS),
                company=company.id,
                as_of=as_of,
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
        for table in TEMP_TABLES:
            cr.execute(SQL("ANALYZE %s", SQL.identifier(table)))

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
        queries.append(
            SQL(
                """
                SELECT f.partner_id, MAX(f.date)
                  FROM %(followups)s f
                 WHERE f.date <= %(as_of)s
                 GROUP BY f.partner_id
                """,
                followups=SQL.identifier(self.env["crm.followup"]._table),
                as_of=as_of,
            )
        )
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

    # ------------------------------------------------------------------ 3. per batch
    def _fetch_batch(self, ctx, batch):
        cid = str(ctx.company.id)
        old_columns = SQL(", ").join(
            SQL(
                "(p.%s ->> %s)::%s AS %s",
                SQL.identifier(col),
                cid,
                SQL(col_type),
                SQL.identifier(col),
            )
            for col, col_type in SCORE_COLUMNS
        )
        self.env.cr.execute(
            SQL(
                """
                SELECT s.partner_id, s.is_customer,
                       o.first_day, o.last_day, o.day_count, o.order_count,
                       o.spend_recent, o.spend_before, o.count_recent, o.count_before,
                       c.open_critical, c.recent AS complaints_recent,
                       sat.csat_last, sat.nps_last, sat.nps_category, sat.recent_avg,
                       sat.previous_avg, e.last_day AS engaged_day,
                       p.user_id, (p.crm_tier_id ->> %(cid)s)::int AS tier_id,
                       p.crm_lifecycle_stage ->> %(cid)s AS stored_stage,
                       %(old_columns)s
                  FROM crm_churn_scope s
                  JOIN res_partner p ON p.id = s.partner_id
                  LEFT JOIN crm_churn_orders o ON o.partner_id = s.partner_id
                  LEFT JOIN crm_churn_complaints c ON c.partner_id = s.partner_id
                  LEFT JOIN crm_churn_satisfaction sat ON sat.partner_id = s.partner_id
                  LEFT JOIN crm_churn_engagement e ON e.partner_id = s.partner_id
                 WHERE s.partner_id = ANY(%(batch)s)
                   AND s.partner_id BETWEEN %(first)s AND %(last)s
                   AND p.id BETWEEN %(first)s AND %(last)s
                 ORDER BY s.partner_id
                """,
                cid=cid,
                old_columns=old_columns,
                batch=batch,
                first=min(batch, default=0),
                last=max(batch, default=0),
            )
        )
        names = [column.name for column in self.env.cr.description]
        return [dict(zip(names, row, strict=True)) for row in self.env.cr.fetchall()]

    def _compute_batch(self, ctx, batch):
        """Returns the scored rows of the batch's customers, and the changes to write:
        [(partner id, new values)] for the partners whose stored values differ."""
        rows, changes = [], []
        scored_date = ctx.as_of.isoformat()
        for data in self._fetch_batch(ctx, batch):
            old = {col: data[col] for col in SCORE_NAMES}
            for col, col_type in SCORE_COLUMNS:
                if col_type == "float8" and old[col] is None:
                    old[col] = 0.0
            if not data["is_customer"]:
                new = dict(CLEARED_VALUES)
            else:
                row = self._score_row(ctx, data)
                rows.append(row)
                new = {
                    "crm_churn_score": row["score"],
                    "crm_churn_level": self._partner_level(row),
                    "crm_churn_reason_data": (
                        json.dumps(row["reason_data"], separators=(",", ":"))
                        if row["reason_data"]
                        else None
                    ),
                    "crm_churn_scored_date": scored_date,
                    "crm_p_alive": row["p_alive"] or 0.0,
                    "crm_expected_purchases": row["expected_purchases"] or 0.0,
                    "crm_predicted_clv": row["predicted_clv"] or 0.0,
                }
            if new != old:
                changes.append((data["partner_id"], new))
        return rows, changes

    def _score_row(self, ctx, data):
        """One customer's row: every counting signal evaluated, the score and the level."""
        reasons = []
        for code, signal in ctx.signals.items():
            found = ctx.evaluators[code](ctx, signal, data)
            if found:
                value, details = found
                reasons.append(
                    {
                        "signal_id": signal["id"],
                        "code": code,
                        "value": value,
                        "details": details,
                        "weight": signal["weight"],
                    }
                )
        prediction = ctx.predictions.get(data["partner_id"]) if ctx.has_model else None
        p_alive, expected, clv = prediction or (None, None, None)
        score = self._compute_score(ctx, data, reasons, p_alive)
        last_day = data["last_day"]
        return {
            "partner_id": data["partner_id"],
            "score": score,
            "level": self._level(ctx, score),
            "reasons": reasons,
            "reason_data": [[reason["code"], reason["details"]] for reason in reasons],
            "p_alive": None if p_alive is None else round(float(p_alive), 3),
            "expected_purchases": None if expected is None else round(float(expected), 2),
            "predicted_clv": None if clv is None else round(float(clv), 2),
            "user_id": data["user_id"],
            "tier_id": data["tier_id"],
            "stage": self._stage(ctx, data),
            "last_order_date": last_day,
        }

    @api.model
    def _partner_level(self, row):
        """The band the customer shows: win-back once churned (the lifecycle stage as of the
        run's date), else the risk level of the score."""
        return LEVEL_CHURNED if row["stage"] == STAGE_CHURNED else row["level"]

    @api.model
    def _level(self, ctx, score):
        low, medium, high = ctx.levels
        if score <= 0 or score < low:
            return LEVEL_NONE
        if score >= high:
            return LEVEL_HIGH
        if score >= medium:
            return LEVEL_MEDIUM
        return LEVEL_LOW

    def _compute_score(self, ctx, data, reasons, p_alive):
        """The churn score (0-100): the probability that the customer stopped buying, with
        the warning signs of the rule signals for the rest.

        risk = (1 - P(alive)) + P(alive) * signs: the purchase model's probability that the
        customer has already dropped out, plus, for the chance that they are still active, the
        weighted strength of the rule signals they trigger (signs, 0-1: each triggered signal's
        weight times its strength, over the weights of every counting rule signal). The score
        is never below the model's drop-out probability, so a customer the model gives up on
        cannot show a low risk; it moves with P(alive) and with how far past its threshold a
        signal is, so customers rank. Without a fitted model, or with the statistical signal
        archived, the score is the signs alone."""
        if ctx.total_weight:
            triggered = {reason["code"] for reason in reasons} - {SIGNAL_P_ALIVE}
            strength = self._get_strengths()
            signs = (
                sum(
                    signal["weight"] * strength.get(code, self._strength_full)(ctx, signal, data)
                    for code, signal in ctx.signals.items()
                    if code in triggered
                )
                / ctx.total_weight
            )
        else:
            signs = 0.0
        if p_alive is not None and SIGNAL_P_ALIVE in ctx.signals:
            alive = min(max(float(p_alive), 0.0), 1.0)
            risk = (1.0 - alive) + alive * signs
        else:
            risk = signs
        return round(100.0 * min(max(risk, 0.0), 1.0), 1)

    def _get_strengths(self):
        """{signal code: method(ctx, signal, data) -> strength 0-1 of a triggered signal}; a
        code without one counts fully when it triggers."""
        return {
            SIGNAL_OVERDUE: self._strength_overdue,
            SIGNAL_SPEND_DROP: self._strength_drop,
            SIGNAL_FREQUENCY_DROP: self._strength_drop,
            SIGNAL_NO_ENGAGEMENT: self._strength_no_engagement,
        }

    @api.model
    def _strength_full(self, ctx, signal, data):
        return 1.0

    @api.model
    def _strength_overdue(self, ctx, signal, data):
        """Days without an order over the usual interval (the customer's own, else the
        company's median) times the signal's factor: two thirds just past the factor, full at
        twice it."""
        days = (ctx.as_of - data["last_day"]).days
        if data["day_count"] > 1:
            interval = (data["last_day"] - data["first_day"]).days / (data["day_count"] - 1)
        else:
            interval = ctx.median_interval
        if not interval:
            return 1.0
        return min(1.0, (1.0 + days / interval / signal["factor"]) / 3.0)

    @api.model
    def _strength_drop(self, ctx, signal, data):
        """The drop in spend or orders: two thirds at the signal's threshold, full when nothing
        is left."""
        if signal["code"] == SIGNAL_SPEND_DROP:
            recent, before = data["spend_recent"], data["spend_before"]
        else:
            recent, before = data["count_recent"], data["count_before"]
        threshold = signal["threshold"] / 100.0
        if not before or before <= 0 or threshold >= 1.0:
            return 1.0
        drop = float(before - recent) / float(before)
        return min(1.0, max(0.0, 2.0 / 3.0 + (drop - threshold) / (1.0 - threshold) / 3.0))

    @api.model
    def _strength_no_engagement(self, ctx, signal, data):
        """Days without contact over the signal's period: two thirds just past it, full at
        twice it."""
        engaged, first = data["engaged_day"], data["first_day"]
        since = engaged if engaged and engaged >= first else first
        if signal["period_days"] <= 0:
            return 1.0
        return min(1.0, (1.0 + (ctx.as_of - since).days / signal["period_days"]) / 3.0)

    @api.model
    def _stage(self, ctx, data):
        """The lifecycle stage as of the run's date: churned after the company's days without
        an order, else the stored stage (or, when the stored one is not an active stage, the
        one the order count gives)."""
        if (ctx.as_of - data["last_day"]).days > ctx.churn_days:
            return STAGE_CHURNED
        if data["stored_stage"] in ACTIVE_STAGES:
            return data["stored_stage"]
        return STAGE_REPEAT if data["order_count"] > 1 else STAGE_FIRST_PURCHASE

    def _get_evaluators(self):
        """{signal code: method(ctx, signal, data) -> (value, parts) or None}, the parts being
        the [reason code, {figure: value}] pairs of what the signal found (see REASON_FIGURES);
        a module adding a code adds its method here."""
        return {
            SIGNAL_OVERDUE: self._evaluate_overdue,
            SIGNAL_SPEND_DROP: self._evaluate_drop,
            SIGNAL_FREQUENCY_DROP: self._evaluate_drop,
            SIGNAL_COMPLAINTS: self._evaluate_complaints,
            SIGNAL_LOW_SATISFACTION: self._evaluate_low_satisfaction,
            SIGNAL_NO_ENGAGEMENT: self._evaluate_no_engagement,
            SIGNAL_P_ALIVE: self._evaluate_p_alive,
        }

    def _evaluate_overdue(self, ctx, signal, data):
        """Days since the last order against the customer's mean interval between order days,
        or the company's median interval for a customer who ordered on one day only."""
        days = (ctx.as_of - data["last_day"]).days
        if data["day_count"] > 1:
            interval = (data["last_day"] - data["first_day"]).days / (data["day_count"] - 1)
            code = REASON_OVERDUE
        else:
            interval = ctx.median_interval
            code = REASON_OVERDUE_MEDIAN
        if not interval or days <= signal["factor"] * interval:
            return None
        return float(days), [[code, {"days": days, "interval": round(float(interval), 2)}]]

    def _evaluate_drop(self, ctx, signal, data):
        """Spend or number of orders of the last N days against the N days before, in percent
        of the earlier figure (a customer without anything before cannot drop)."""
        if signal["code"] == SIGNAL_SPEND_DROP:
            recent, before = float(data["spend_recent"]), float(data["spend_before"])
            code, extra = REASON_SPEND_DROP, {"currency_id": ctx.currency_id}
        else:
            recent, before = float(data["count_recent"]), float(data["count_before"])
            code, extra = REASON_FREQUENCY_DROP, {}
        if before <= 0:
            return None
        drop = round(100.0 * (before - recent) / before, 1)
        if drop < signal["threshold"]:
            return None
        figures = {
            "drop": drop,
            "days": signal["period_days"],
            "recent": round(max(recent, 0.0), 2),
            "before": round(before, 2),
            **extra,
        }
        return drop, [[code, figures]]

    def _evaluate_complaints(self, ctx, signal, data):
        """Open complaints that are urgent or past their SLA, or at least K complaints reported
        in the last N days."""
        open_critical = int(data["open_critical"] or 0)
        recent = int(data["complaints_recent"] or 0)
        found = []
        if open_critical:
            found.append((open_critical, [REASON_COMPLAINTS_OPEN, {"count": open_critical}]))
        if recent >= signal["min_count"]:
            found.append(
                (
                    recent,
                    [REASON_COMPLAINTS_RECENT, {"count": recent, "days": signal["period_days"]}],
                )
            )
        return self._join(ctx, found)

    def _evaluate_low_satisfaction(self, ctx, signal, data):
        """Last CSAT at or below the threshold, last recommendation answer a detractor's, or a
        falling trend as crm_satisfaction defines it: the average satisfaction score (0-100)
        of the last TREND_DAYS days lower than that of the TREND_DAYS days before by more
        than TREND_THRESHOLD points."""
        found = []
        csat = data["csat_last"]
        if csat is not None and csat <= signal["threshold"]:
            found.append((csat, [REASON_CSAT, {"csat": csat}]))
        if data["nps_category"] == NPS_DETRACTOR:
            nps = data["nps_last"] or 0
            found.append((nps, [REASON_NPS, {"nps": nps}]))
        recent, previous = data["recent_avg"], data["previous_avg"]
        if recent is not None and previous is not None and previous - recent > TREND_THRESHOLD:
            found.append(
                (
                    round(previous - recent, 1),
                    [
                        REASON_TREND,
                        {
                            "recent": round(float(recent), 2),
                            "previous": round(float(previous), 2),
                            "days": TREND_DAYS,
                        },
                    ],
                )
            )
        return self._join(ctx, found)

    def _evaluate_no_engagement(self, ctx, signal, data):
        """More than N days since the last message, activity or meeting, counted from the
        first order when there was none since."""
        engaged, first = data["engaged_day"], data["first_day"]
        if engaged and engaged >= first:
            days, code = (ctx.as_of - engaged).days, REASON_NO_ENGAGEMENT
        else:
            days, code = (ctx.as_of - first).days, REASON_ENGAGEMENT_NEVER
        if days <= signal["period_days"]:
            return None
        return float(days), [[code, {"days": days}]]

    def _evaluate_p_alive(self, ctx, signal, data):
        """Probability alive from the company's BG/NBD model below the threshold."""
        prediction = ctx.predictions.get(data["partner_id"])
        if prediction is None:
            return None
        p_alive = float(prediction[0])
        if p_alive >= signal["threshold"]:
            return None
        figures = {"p": round(p_alive, 4), "threshold": signal["threshold"]}
        return round(p_alive, 3), [[REASON_P_ALIVE, figures]]

    @api.model
    def _join(self, ctx, found):
        """One reason from the parts of a signal that triggered: the first part's figure and
        every part."""
        if not found:
            return None
        return float(found[0][0]), [part for _value, part in found]

    # ------------------------------------------------------------------ writing
    def _write_batch(self, ctx, changes):
        if not changes:
            return 0
        cid = str(ctx.company.id)
        # the values travel as one JSON document (much cheaper to send and plan than one
        # array parameter per column); floats keep their exact value through JSON
        values = json.dumps(
            [[partner_id, *(new[col] for col in SCORE_NAMES)] for partner_id, new in changes]
        )
        columns = SQL(", ").join(
            SQL("(v.r ->> %s)::%s AS %s", index, SQL(col_type), SQL.identifier(col))
            for index, (col, col_type) in enumerate([("id", "int"), *SCORE_COLUMNS])
        )
        sets = SQL(", ").join(
            SQL(
                "%(col)s = COALESCE(p.%(col)s, '{}'::jsonb)"
                " || jsonb_build_object(%(cid)s, v.%(col)s)",
                col=SQL.identifier(col),
                cid=cid,
            )
            for col in SCORE_NAMES
        )
        ids = [partner_id for partner_id, _new in changes]
        # the id range lets the planner read only the batch's part of res_partner (batches
        # are consecutive ids) instead of hashing the whole table
        self.env.cr.execute(
            SQL(
                "UPDATE res_partner p SET %(sets)s"
                " FROM (SELECT %(columns)s FROM jsonb_array_elements(%(values)s::jsonb) v(r)) v"
                " WHERE p.id = v.id AND p.id BETWEEN %(first)s AND %(last)s",
                sets=sets,
                columns=columns,
                values=values,
                first=min(ids),
                last=max(ids),
            )
        )
        self.env["res.partner"].invalidate_model(list(SCORE_NAMES))
        return len(changes)
