"""Scores every customer's churn risk, set-based and in batches.

One run for one company and one date (as_of):
1. one aggregate query per data source fills a temporary table keyed by commercial partner
   (crm.churn.aggregation):
   orders (or posted invoices net of refunds) per day, complaints, satisfaction responses and
   engagement (messages, activities, meetings), each reading only what is dated on or before
   as_of, so that a past date replays the past;
2. the company's signals (a company's own signal replaces the shared one of the same code), its
   median interval between orders and the statistical model's predictions are read once;
3. batches of customers in id order: every signal evaluated in Python from the temporary tables
   (by crm.churn.signal, which knows what each kind of signal finds and how strongly it counts),
   the score (the purchase model's drop-out probability, with the weighted strength of the
   triggered signals for the rest; see _compute_score) and level derived, only changed rows
   written to crm.churn.partner.score (one UPDATE per batch, rows updated in place), then the
   batch handed to the warnings. What a signal found is kept as reason codes with their
   figures (see REASON_FIGURES in churn_data), not as sentences: crm.churn.reason writes them
   in the reader's language when they are shown.
A resumable run records its cursor after each committed batch, so a run cut short resumes where
it stopped and never scores a customer twice (crm.engine.mixin); values are absolute, so
re-running the same day writes nothing.
"""

import logging
from dataclasses import dataclass

import numpy as np

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL

from odoo.addons.crm_lifecycle_tiering.models.lifecycle_data import (
    ACTIVE_STAGES,
    STAGE_CHURNED,
    STAGE_FIRST_PURCHASE,
    STAGE_REPEAT,
    company_value_sql,
)

from .churn_data import (
    LEVEL_BASIS_SHARE,
    LEVEL_CHURNED,
    LEVEL_HIGH,
    LEVEL_LOW,
    LEVEL_MEDIUM,
    LEVEL_NONE,
    SCORE_LEARNED,
    SIGNAL_P_ALIVE,
    reason_json,
)

_logger = logging.getLogger(__name__)

BATCH_SIZE = 10000
CURSOR_PARAM = "crm_churn_warning.score_cursor.%s"

# the columns of crm.churn.partner.score the engine writes: (column, SQL type). The floats are
# stored as 0.0, never NULL, as the ORM shows them
SCORE_COLUMNS = [
    ("score", "float8"),
    ("level", "varchar"),
    ("reason_data", "text"),  # the reason document as JSON text
    ("scored_date", "date"),
    ("p_alive", "float8"),
    ("expected_purchases", "float8"),
    ("predicted_clv", "float8"),
]
SCORE_NAMES = tuple(col for col, _type in SCORE_COLUMNS)
# what a partner who is no longer a customer as of the run's date keeps
CLEARED_VALUES = {
    "score": 0.0,
    "level": None,
    "reason_data": None,
    "scored_date": None,
    "p_alive": 0.0,
    "expected_purchases": 0.0,
    "predicted_clv": 0.0,
}


@dataclass
class ScoreChanges:
    """What a batch writes: [(score row id, values)] to update, [(partner id, values)] to insert
    (customers without a row in the company yet), [(partner id, score row id)] links to set on
    partners (a row inserted by a run cut short before its link was written)."""

    updates: list
    inserts: list
    links: list


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
    evaluators: dict  # code -> crm.churn.signal's method evaluating it for one customer
    strengths: dict  # code -> crm.churn.signal's method measuring how strongly it triggered
    currency_id: int  # the currency of the amounts of the reasons: the company's
    method: str  # the company's score method (SCORE_METHODS)
    # partner id -> (churn probability, {feature: what it adds}) of the learned risk; empty
    # with the rules, or while the company has too little history to learn from
    learned: dict
    dry_run: bool  # computing only (a backtest, a preview): nothing is written
    signal_model: object  # crm.churn.signal, evaluating the signals of each customer
    risk_model: object  # crm.churn.risk.model, ranking the reasons of a learned score
    days: object = None  # the run's transaction days (churn_features.TransactionDays)


class CrmChurnEngine(models.AbstractModel):
    _name = "crm.churn.engine"
    _inherit = ["crm.engine.mixin", "crm.churn.aggregation"]
    _description = "Churn Scoring Engine"

    # ------------------------------------------------------------------ entry points
    @api.model
    def _cron_score(self):
        """Nightly: refit the purchase model and retrain the learned churn risk when due, score
        every customer of every company (resumable), then close the warnings whose outcome is
        known."""
        for company in self.env["res.company"].search([], order="id"):
            today = fields.Date.context_today(self.with_context(tz=company._crm_tz()))
            self.env["crm.churn.model"]._fit_if_due(company, today)
            self.env["crm.churn.risk.model"]._train_if_due(company, today)
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
        cursor = (CURSOR_PARAM % company.id, as_of.isoformat()) if resumable else None
        start_after = self._get_batch_cursor(*cursor) if cursor else 0
        ctx = self._prepare(company, as_of, dry_run)
        self._aggregate(ctx, partners)
        ctx.median_interval = self._get_median_interval()
        if ctx.params is not None:
            ctx.predictions = self.env["crm.churn.model"]._predict(
                company, as_of, ctx.params, summary=self._get_summary(as_of)
            )
        if ctx.method == SCORE_LEARNED:
            ctx.learned = self.env["crm.churn.risk.model"]._get_learned(
                company, as_of, dry_run, days=ctx.days
            )
            if ctx.learned and company.crm_churn_level_basis == LEVEL_BASIS_SHARE:
                ctx.levels = self._get_share_levels(company, ctx.learned)
        result = {
            "done": True,
            "scored": 0,
            "written": 0,
            "results": [],
            # whether the scores are the learned risk's (else the weighted rules')
            "learned": bool(ctx.learned),
        }

        def run_batch(batch):
            rows, changes = self._compute_batch(ctx, batch)
            result["scored"] += len(rows)
            if dry_run:
                result["results"].extend(rows)
            else:
                result["written"] += self._write_batch(ctx, changes)
                if rows:
                    self.env["crm.churn.warning"]._sync_scores(company, as_of, rows)

        remaining, batches = self._get_id_batches(
            "crm_churn_scope", "partner_id", BATCH_SIZE, start_after
        )
        # only a resumable run commits: a dry run, or the scoring of a few customers, stays in
        # the caller's transaction
        result["done"] = self._run_batches(
            batches, run_batch, remaining, commit=resumable, cursor=cursor
        )
        if not result["done"]:
            return result
        self._drop_tables()
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
        Signal = self.env["crm.churn.signal"]
        signals = Signal._get_signals(company, with_model=params is not None)
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
            evaluators=Signal._get_evaluators(),
            strengths=Signal._get_strengths(),
            currency_id=company.currency_id.id,
            method=company.crm_churn_score_method,
            learned={},
            dry_run=dry_run,
            signal_model=Signal,
            risk_model=self.env["crm.churn.risk.model"],
        )

    # ------------------------------------------------------------------ 3. per batch
    def _fetch_batch(self, ctx, batch):
        company = ctx.company
        old_columns = SQL(", ").join(
            SQL("cs.%s AS %s", SQL.identifier(col), SQL.identifier(f"old_{col}"))
            for col in SCORE_NAMES
        )
        self.env.cr.execute(
            SQL(
                """
                SELECT s.partner_id, s.is_customer,
                       o.first_day, o.last_day, o.day_count, o.order_count,
                       o.spend_recent, o.spend_before, o.count_recent, o.count_before,
                       c.open_critical, c.complaints_recent,
                       sat.csat_last, sat.nps_last, sat.nps_category, sat.recent_avg,
                       sat.previous_avg, e.last_day AS engaged_day,
                       p.user_id, %(tier_id)s AS tier_id, %(stage)s AS stored_stage,
                       cs.id AS score_id, %(link)s AS score_link, %(old_columns)s
                  FROM crm_churn_scope s
                  JOIN res_partner p ON p.id = s.partner_id
                  LEFT JOIN crm_churn_orders o ON o.partner_id = s.partner_id
                  LEFT JOIN crm_churn_complaints c ON c.partner_id = s.partner_id
                  LEFT JOIN crm_churn_satisfaction sat ON sat.partner_id = s.partner_id
                  LEFT JOIN crm_churn_engagement e ON e.partner_id = s.partner_id
                  LEFT JOIN crm_churn_partner_score cs
                         ON cs.partner_id = s.partner_id AND cs.company_id = %(company_id)s
                 WHERE s.partner_id = ANY(%(batch)s)
                   AND s.partner_id BETWEEN %(first)s AND %(last)s
                   AND p.id BETWEEN %(first)s AND %(last)s
                 ORDER BY s.partner_id
                """,
                tier_id=company_value_sql("p", "crm_tier_id", company, "int"),
                stage=company_value_sql("p", "crm_lifecycle_stage", company),
                link=company_value_sql("p", "crm_churn_score_id", company, "int"),
                old_columns=old_columns,
                company_id=company.id,
                batch=batch,
                first=min(batch, default=0),
                last=max(batch, default=0),
            )
        )
        names = [column.name for column in self.env.cr.description]
        return [dict(zip(names, row, strict=True)) for row in self.env.cr.fetchall()]

    def _compute_batch(self, ctx, batch):
        """Returns the scored rows of the batch's customers, and the changes to write
        (ScoreChanges): only the values that differ from the stored ones."""
        rows = []
        changes = ScoreChanges(updates=[], inserts=[], links=[])
        scored_date = ctx.as_of.isoformat()
        for data in self._fetch_batch(ctx, batch):
            old = {col: data[f"old_{col}"] for col in SCORE_NAMES}
            old["scored_date"] = old["scored_date"] and old["scored_date"].isoformat()
            for col, col_type in SCORE_COLUMNS:
                if col_type == "float8" and old[col] is None:
                    old[col] = 0.0
            if not data["is_customer"]:
                new = dict(CLEARED_VALUES)
            else:
                row = self._score_row(ctx, data)
                rows.append(row)
                new = {
                    "score": row["score"],
                    "level": self._partner_level(row),
                    "reason_data": reason_json(row["reason_data"]),
                    "scored_date": scored_date,
                    "p_alive": row["p_alive"] or 0.0,
                    "expected_purchases": row["expected_purchases"] or 0.0,
                    "predicted_clv": row["predicted_clv"] or 0.0,
                }
            score_id = data["score_id"]
            if not score_id:
                if data["is_customer"]:
                    changes.inserts.append((data["partner_id"], new))
                continue
            if new != old:
                changes.updates.append((score_id, new))
            if data["score_link"] != score_id:
                changes.links.append((data["partner_id"], score_id))
        return rows, changes

    def _score_row(self, ctx, data):
        """One customer's row: every counting signal evaluated, the score and the level."""
        reasons = ctx.signal_model._evaluate(ctx, data)
        prediction = ctx.predictions.get(data["partner_id"]) if ctx.has_model else None
        p_alive, expected, clv = prediction or (None, None, None)
        learned = ctx.learned.get(data["partner_id"])
        # the weighted rules' score: the score without a learned one; beside it only in a dry
        # run (a backtest ranks by both), as nothing else reads it
        rule_score = None
        if not learned or ctx.dry_run:
            rule_score = self._compute_score(ctx, data, reasons, p_alive)
        if learned:
            probability, points = learned
            score = round(100.0 * probability, 1)
            reasons = ctx.risk_model._rank_reasons(ctx, data, reasons, points)
        else:
            score = rule_score
        last_day = data["last_day"]
        return {
            "partner_id": data["partner_id"],
            "score": score,
            "rule_score": rule_score,
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
    def _get_share_levels(self, company, learned):
        """The score thresholds (low, medium, high) that put the company's shares of the
        customers most at risk at each level: the scores of the learned risk ranked, the
        threshold of a level is the lowest score of its share (customers tied on it share
        its level)."""
        scores = np.sort(np.round(100.0 * learned.probabilities, 1))[::-1]

        def threshold(share):
            count = max(1, int(np.ceil(len(scores) * share / 100.0)))
            return float(scores[min(count, len(scores)) - 1])

        return (
            threshold(company.crm_churn_share_low),
            threshold(company.crm_churn_share_medium),
            threshold(company.crm_churn_share_high),
        )

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
            full = ctx.signal_model._strength_full
            signs = (
                sum(
                    signal["weight"] * ctx.strengths.get(code, full)(ctx, signal, data)
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

    # ------------------------------------------------------------------ writing
    def _write_batch(self, ctx, changes):
        """Writes a batch's ScoreChanges: updates the changed rows, inserts the new customers'
        rows and links the partners to them; returns the number of rows written."""
        company = ctx.company
        return self._write_scores(company, changes.updates, changes.inserts, changes.links)

    @api.model
    def _write_scores(self, company, updates=(), inserts=(), links=()):
        """Writes customers' churn values in the company, by SQL (engine-owned values).

        :param updates: [(crm.churn.partner.score id, {column: value})]
        :param inserts: [(partner id, {column: value})] of partners without a row in the company
            (a row another run inserted in the meantime is not doubled: its commit makes this
            transaction fail, and the cron retries the batch)
        :param links: [(partner id, crm.churn.partner.score id)] to set on partners besides the
            inserted rows'
        :return: the number of rows written
        """
        cr = self.env.cr
        Score = self.env["crm.churn.partner.score"]
        Score.flush_model()
        links = list(links)

        def values(rows):
            return self._json_rows_sql(SCORE_COLUMNS, rows, key="key")

        columns = SQL(", ").join(SQL.identifier(col) for col in SCORE_NAMES)
        if updates:
            cr.execute(
                SQL(
                    "UPDATE %(table)s cs SET %(sets)s FROM %(values)s"
                    " WHERE cs.id = v.key AND cs.id BETWEEN %(first)s AND %(last)s",
                    table=SQL.identifier(Score._table),
                    first=min(key for key, _vals in updates),
                    last=max(key for key, _vals in updates),
                    sets=SQL(", ").join(
                        SQL("%s = v.%s", SQL.identifier(col), SQL.identifier(col))
                        for col in SCORE_NAMES
                    ),
                    values=values(updates),
                )
            )
        if inserts:
            cr.execute(
                SQL(
                    """
                    INSERT INTO %(table)s (partner_id, company_id, %(columns)s)
                    SELECT v.key, %(company_id)s, %(v_columns)s FROM %(values)s
                    ON CONFLICT (partner_id, company_id) DO NOTHING
                    RETURNING partner_id, id
                    """,
                    table=SQL.identifier(Score._table),
                    columns=columns,
                    v_columns=SQL(", ").join(
                        SQL("v.%s", SQL.identifier(col)) for col in SCORE_NAMES
                    ),
                    company_id=company.id,
                    values=values(inserts),
                )
            )
            links.extend(cr.fetchall())
        if links:
            self._write_company_values(
                company,
                [("crm_churn_score_id", "int")],
                [(partner_id, {"crm_churn_score_id": score_id}) for partner_id, score_id in links],
            )
        Score.invalidate_model()
        self.env["res.partner"].invalidate_model()
        return len(updates) + len(inserts)
