"""Backtests of the churn score.

A backtest replays the current configuration (signals, weights, parameters, level thresholds)
as of a past date T through the nightly run's own code path, in dry-run mode, so the scores use
only what was known on T. It then looks at what happened in (T, T + horizon]: a customer churned
when they placed no confirmed order (or posted invoice, per the company's value source) in that
window. Predicted churn = a risk level at or above the backtest's warning level.

The population is every customer scored as of T who had not already churned on T (lifecycle
stage as of T other than churned): the customers who could still churn within the horizon.

Beside the replayed score, the same customers are ranked by the learned churn risk (trained on
what was known on T, also when the company scores with the weighted rules), the weighted rules
and the two simple baselines, days since the last order and P(alive), each measured at the
same warning share (crm.churn.backtest.ranking); the learned probabilities' calibration table
is kept with the run.
"""

import base64
import gzip
import json
import time
from datetime import date, timedelta

import numpy as np

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from odoo.addons.crm_lifecycle_tiering.models.lifecycle_data import (
    MAX_PERIOD_DAYS,
    STAGE_CHURNED,
)
from odoo.addons.crm_lifecycle_tiering.report.crm_xlsx import download_action

from ..tools import churn_learning
from . import churn_data

# the lift compares the churn rate of the top 1/TOP_FRACTION of scores (rounded up) with all
TOP_FRACTION = 10
# the earliest date a backtest replays: the replay reaches years before it (windows, periods),
# which must stay far from the calendar's start
EARLIEST_AS_OF = date(1970, 1, 1)


class CrmChurnBacktest(models.Model):
    _name = "crm.churn.backtest"
    _description = "Churn Backtest"
    _order = "run_date desc, id desc"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name")
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    user_id = fields.Many2one(
        "res.users", string="Run By", default=lambda self: self.env.user, readonly=True
    )
    run_date = fields.Datetime(string="Run On", default=fields.Datetime.now, readonly=True)
    as_of = fields.Date(
        required=True,
        readonly=True,
        help="The past date the configuration was replayed at: scores use only data dated on "
        "or before it.",
    )
    horizon_days = fields.Integer(
        string="Horizon (days)",
        required=True,
        readonly=True,
        help="A customer churned when they did not order within this many days after the "
        "as-of date.",
    )
    horizon_end = fields.Date(compute="_compute_horizon_end", store=True)
    min_level = fields.Selection(
        churn_data.WARNING_LEVELS,
        string="Warn From Level",
        required=True,
        readonly=True,
        help="Customers at this risk level or above count as predicted to churn.",
    )
    # counts
    scored_count = fields.Integer(
        string="Customers Scored", readonly=True, help="Every customer scored as of the date."
    )
    excluded_count = fields.Integer(
        string="Already Churned",
        readonly=True,
        help="Customers whose lifecycle stage was already churned on the as-of date; they are "
        "left out, as they cannot churn within the horizon.",
    )
    customer_count = fields.Integer(
        string="Customers",
        readonly=True,
        help="The customers the backtest measures: scored as of the date and not already "
        "churned then.",
    )
    churned_count = fields.Integer(
        string="Churned",
        readonly=True,
        help="Customers without any order within the horizon.",
    )
    flagged_count = fields.Integer(
        string="Flagged",
        readonly=True,
        help="Customers at the warning level or above.",
    )
    true_positive = fields.Integer(string="Flagged and Churned", readonly=True)
    false_positive = fields.Integer(string="Flagged, Not Churned", readonly=True)
    false_negative = fields.Integer(string="Churned, Not Flagged", readonly=True)
    true_negative = fields.Integer(string="Not Flagged, Not Churned", readonly=True)
    # metrics (ratios 0-1)
    precision = fields.Float(
        digits=(5, 4), readonly=True, help="Share of the flagged customers who churned."
    )
    recall = fields.Float(
        digits=(5, 4), readonly=True, help="Share of the churned customers who were flagged."
    )
    f1_score = fields.Float(
        digits=(5, 4),
        readonly=True,
        help="Harmonic mean of precision and recall.",
    )
    accuracy = fields.Float(
        digits=(5, 4), readonly=True, help="Share of the customers predicted right."
    )
    base_rate = fields.Float(
        string="Churn Rate",
        digits=(5, 4),
        readonly=True,
        help="Share of the customers who churned within the horizon.",
    )
    top_decile_count = fields.Integer(
        string="Top-Decile Customers",
        readonly=True,
        help="The tenth of the customers with the highest scores (rounded up; equal scores "
        "ordered by customer).",
    )
    top_decile_churned = fields.Integer(string="Top-Decile Churned", readonly=True)
    top_decile_rate = fields.Float(
        string="Top-Decile Churn Rate",
        digits=(5, 4),
        readonly=True,
        help="Share of the top-decile customers who churned.",
    )
    lift_top_decile = fields.Float(
        string="Top-Decile Lift",
        digits=(8, 2),
        readonly=True,
        help="Churn rate of the top decile divided by the churn rate of all customers: how many "
        "times better than chance the highest scores point at churners.",
    )
    auc = fields.Float(
        string="Ranking Quality (AUC)",
        digits=(5, 4),
        readonly=True,
        help="Probability that a customer who churned scored higher than one who did not (equal "
        "scores count half): 0.5 is chance, 1 a perfect ranking.",
    )
    recency_auc = fields.Float(
        string="Recency Baseline (AUC)",
        digits=(5, 4),
        readonly=True,
        help="The same measure for the simplest ranking, by days since the last order: the "
        "score is worth its signals only when it ranks better than this.",
    )
    score_method = fields.Selection(
        churn_data.SCORE_METHODS,
        string="Score Replayed",
        readonly=True,
        help="The score the replay ranked the customers by: the learned churn risk (trained on "
        "what was known on the date) or the weighted rules (also when the history was too short "
        "to learn from).",
    )
    rule_auc = fields.Float(
        string="Weighted Rules (AUC)",
        digits=(5, 4),
        readonly=True,
        help="The ranking quality of the weighted rules' score on the same customers.",
    )
    p_alive_auc = fields.Float(
        string="P(alive) Baseline (AUC)",
        digits=(5, 4),
        readonly=True,
        help="The ranking quality of the purchase model's probability of being still active (the "
        "lower, the higher the risk) on the same customers; 0 without a purchase model.",
    )
    brier_score = fields.Float(
        digits=(5, 4),
        readonly=True,
        help="With the learned score: the mean squared gap between each customer's predicted "
        "probability and what happened (0 is perfect; lower is better).",
    )
    duration_replay = fields.Float(
        string="Replay (seconds)",
        digits=(10, 2),
        readonly=True,
        help="Time spent scoring the customers as of the date.",
    )
    duration = fields.Float(string="Duration (seconds)", digits=(10, 2), readonly=True)
    # the configuration replayed, so that runs can be compared
    configuration = fields.Json(
        string="Configuration Data",
        readonly=True,
        copy=False,
        help="The replayed settings as data: signals with weights and parameters, level "
        "thresholds, warning level, value source and churn days.",
    )
    signal_summary = fields.Char(
        string="Signals", readonly=True, help="The active signals and their weights."
    )
    configuration_text = fields.Text(string="Configuration", compute="_compute_configuration_text")
    line_ids = fields.One2many("crm.churn.backtest.line", "backtest_id", string="Risk Levels")
    ranking_ids = fields.One2many(
        "crm.churn.backtest.ranking", "backtest_id", string="Rankings Compared"
    )
    calibration = fields.Json(
        readonly=True,
        help="Per tenth of the customers by learned churn probability: customers, mean "
        "predicted probability and share that churned.",
    )
    calibration_chart = fields.Html(
        compute="_compute_calibration_chart",
        sanitize=False,
        help="The learned churn probability against the share that churned, per tenth of the "
        "customers.",
    )
    # every customer's replayed score and outcome, gzipped JSON (see _get_customer_results)
    result_file = fields.Binary(string="Customer Results", attachment=True, readonly=True)
    xlsx_file = fields.Binary(string="Workbook", attachment=True, readonly=True, copy=False)
    xlsx_name = fields.Char(string="Workbook Name", readonly=True, copy=False)

    @api.depends("as_of", "horizon_days", "min_level")
    @api.depends_context("lang")
    def _compute_name(self):
        """The run in the reader's language: its date, horizon and warning level."""
        levels = dict(self._fields["min_level"]._description_selection(self.env))
        for backtest in self:
            backtest.name = (
                self.env._(
                    "As of %(date)s, %(days)s days, warning from %(level)s",
                    date=backtest.as_of.isoformat(),
                    days=backtest.horizon_days,
                    level=levels.get(backtest.min_level, ""),
                )
                if backtest.as_of
                else False
            )

    @api.depends("configuration")
    @api.depends_context("lang")
    def _compute_configuration_text(self):
        for backtest in self:
            backtest.configuration_text = (
                self._format_configuration(backtest.configuration)
                if backtest.configuration
                else False
            )

    @api.depends("as_of", "horizon_days")
    def _compute_horizon_end(self):
        for backtest in self:
            backtest.horizon_end = backtest.as_of and backtest.as_of + timedelta(
                days=backtest.horizon_days
            )

    @api.depends("calibration")
    @api.depends_context("lang")
    def _compute_calibration_chart(self):
        Risk = self.env["crm.churn.risk.model"]
        for backtest in self:
            backtest.calibration_chart = Risk._render_calibration(backtest.calibration)

    # ------------------------------------------------------------------ the run
    @api.model
    def _run_backtest(self, company, as_of, horizon_days, min_level=None):
        """Replays the scoring of ``company`` as of ``as_of``, measures it against the orders
        of the ``horizon_days`` that followed and stores the result. Returns the backtest."""
        # the results are the replay's: managers read and delete backtests, only the run
        # writes them
        self.check_access("read")
        if company not in self.env.user.company_ids:
            raise AccessError(
                self.env._(
                    "You cannot run a backtest of %(company)s, a company you do not work in.",
                    company=company.name,
                )
            )
        min_level = min_level or company.crm_churn_warning_level
        self._check_period(company, as_of, horizon_days)
        started = time.monotonic()
        result = (
            self.env["crm.churn.engine"]
            .with_company(company)
            .sudo()
            ._score_company(company, as_of=as_of, dry_run=True)
        )
        rows = result["results"]
        learned = result.get("learned", False)
        replayed = time.monotonic()
        population = [row for row in rows if row.get("stage") != STAGE_CHURNED]
        if not population:
            raise UserError(
                self.env._(
                    "%(company)s had no customer who could churn on %(date)s: no customer had "
                    "ordered by then, or all of them had already churned.",
                    company=company.name,
                    date=as_of.isoformat(),
                )
            )
        ordered = self._get_ordering_partner_ids(
            company, as_of, horizon_days, [row["partner_id"] for row in population]
        )
        churned_ids = {row["partner_id"] for row in population} - ordered
        metrics = self._compute_metrics(population, churned_ids, min_level)
        metrics["score_method"] = churn_data.SCORE_LEARNED if learned else churn_data.SCORE_RULES
        probabilities = self._get_learned_probabilities(company, as_of, population, learned)
        rank = churn_data.LEVEL_RANK[min_level]
        rankings = self.env["crm.churn.backtest.ranking"]._measure(
            self._get_rankings(population, probabilities),
            churn_data.RANKING_LEARNED if learned else churn_data.RANKING_RULES,
            {
                row["partner_id"]
                for row in population
                if churn_data.LEVEL_RANK[row["level"]] >= rank
            },
            churned_ids,
        )
        # the baselines' and the rules' ranking quality, 0 where they cannot rank everyone
        aucs = {line["ranking"]: line["auc"] for line in rankings}
        metrics.update(
            recency_auc=aucs.get(churn_data.RANKING_RECENCY, 0.0),
            rule_auc=aucs[churn_data.RANKING_RULES],
            p_alive_auc=aucs.get(churn_data.RANKING_P_ALIVE, 0.0),
        )
        if probabilities is not None:
            metrics["calibration"] = churn_learning.evaluate(
                [row["partner_id"] in churned_ids for row in population], probabilities
            )["calibration"]
        metrics["brier_score"] = (
            float(
                np.mean(
                    [
                        (row["score"] / 100.0 - (row["partner_id"] in churned_ids)) ** 2
                        for row in population
                    ]
                )
            )
            if learned
            else 0.0
        )
        # without a model fitted as of the date, the engine leaves the statistical signal out
        configuration = self._get_configuration(
            company, min_level, with_model=any(row.get("p_alive") is not None for row in rows)
        )
        values = {
            key: value
            for key, value in metrics.items()
            if key not in ("lines", "customers", "churned_ids")
        }
        values.update(
            {
                "company_id": company.id,
                "as_of": as_of,
                "horizon_days": horizon_days,
                "min_level": min_level,
                "scored_count": len(rows),
                "excluded_count": len(rows) - len(population),
                "configuration": configuration,
                "signal_summary": self._format_signal_summary(configuration),
                "line_ids": [Command.create(line) for line in metrics["lines"]],
                "ranking_ids": [Command.create(line) for line in rankings],
                "result_file": self._pack_results(metrics["customers"], churned_ids, min_level),
                "duration_replay": replayed - started,
            }
        )
        backtest = self.sudo().create(values)
        backtest.duration = time.monotonic() - started
        return backtest.sudo(False)

    @api.model
    def _get_learned_probabilities(self, company, as_of, population, learned):
        """The learned churn probabilities (0-1) of the ``population`` rows, in their order:
        the replayed scores when the replay was learned, else the learned risk trained as of
        the date (nothing after it read); None when the history is too short to learn from."""
        if learned:
            return [row["score"] / 100.0 for row in population]
        Risk = self.env["crm.churn.risk.model"].with_company(company).sudo()
        scored = Risk._get_learned(company, as_of, dry_run=True)
        if not scored or any(row["partner_id"] not in scored for row in population):
            return None
        return [scored[row["partner_id"]][0] for row in population]

    @api.model
    def _get_rankings(self, rows, probabilities):
        """{ranking: (partner ids, values: the higher, the higher the risk, probabilities or
        None)} of the ways to rank the ``rows`` that can be measured on all of them."""
        partner_ids = [row["partner_id"] for row in rows]
        rankings = {
            churn_data.RANKING_RULES: (
                partner_ids,
                [row.get("rule_score", row["score"]) for row in rows],
                None,
            )
        }
        if probabilities is not None:
            rankings[churn_data.RANKING_LEARNED] = (partner_ids, probabilities, probabilities)
        last_orders = [row.get("last_order_date") for row in rows]
        if all(last_orders):
            # days since the last order rank as the last order's day, earliest first
            rankings[churn_data.RANKING_RECENCY] = (
                partner_ids,
                [-day.toordinal() for day in last_orders],
                None,
            )
        if all(row.get("p_alive") is not None for row in rows):
            rankings[churn_data.RANKING_P_ALIVE] = (
                partner_ids,
                [-row["p_alive"] for row in rows],
                None,
            )
        return rankings

    @api.model
    def _check_period(self, company, as_of, horizon_days):
        today = company._crm_today()
        if horizon_days <= 0:
            raise UserError(self.env._("The backtest horizon must be at least one day."))
        if horizon_days > MAX_PERIOD_DAYS:
            raise UserError(
                self.env._(
                    "The backtest horizon cannot exceed %(days)s days (ten years).",
                    days=MAX_PERIOD_DAYS,
                )
            )
        if as_of < EARLIEST_AS_OF:
            raise UserError(
                self.env._(
                    "A backtest replays a date from %(earliest)s on: %(date)s is too early.",
                    earliest=EARLIEST_AS_OF.isoformat(),
                    date=as_of.isoformat(),
                )
            )
        if as_of > today:
            raise UserError(
                self.env._(
                    "A backtest replays a past date: %(date)s is in the future.",
                    date=as_of.isoformat(),
                )
            )
        end = as_of + timedelta(days=horizon_days)
        # the horizon's last day must be over: today's orders are not all in yet
        if end >= today:
            raise UserError(
                self.env._(
                    "The horizon of a backtest as of %(date)s is not over yet: whether customers "
                    "churned within %(days)s days is known only from %(end)s. Choose a date on or "
                    "before %(latest)s, or a shorter horizon.",
                    date=as_of.isoformat(),
                    days=horizon_days,
                    end=(end + timedelta(days=1)).isoformat(),
                    latest=(today - timedelta(days=horizon_days + 1)).isoformat(),
                )
            )

    @api.model
    def _get_ordering_partner_ids(self, company, as_of, horizon_days, partner_ids):
        """The customers among ``partner_ids`` (commercial partners) with a confirmed order, or a
        posted invoice when the company values customers by invoices, dated in
        (as_of, as_of + horizon_days]."""
        data = self.env["crm.customer.data"]
        data._flush_transactions()
        query = SQL(
            "SELECT DISTINCT t.partner_id FROM (%s) t WHERE t.orders > 0",
            data._get_transactions_query(
                company,
                date_from=as_of + timedelta(days=1),
                date_to=as_of + timedelta(days=horizon_days),
                partner_ids=partner_ids,
            ),
        )
        return {partner_id for (partner_id,) in self.env.execute_query(query)}

    @api.model
    def _compute_metrics(self, rows, churned_ids, min_level):
        """Confusion matrix, metrics and per-level lines of the scored ``rows`` (engine rows:
        partner_id, score, level) against the set of partner ids that churned. Predicted churn
        is a level ranked at or above ``min_level``; the ratios are the replayed score's
        ranking figures (crm.churn.backtest.ranking's _figures), 0 when undefined."""
        rank = churn_data.LEVEL_RANK[min_level]
        by_level = {
            key: {"customers": 0, "churned": 0, "score": 0.0}
            for key, _label in churn_data.CHURN_LEVELS
        }
        for row in rows:
            stats = by_level[row["level"]]
            stats["customers"] += 1
            stats["churned"] += row["partner_id"] in churned_ids
            stats["score"] += row["score"]
        figures = self.env["crm.churn.backtest.ranking"]._figures(
            [row["partner_id"] for row in rows],
            [row["score"] for row in rows],
            churned_ids,
            flagged_ids={
                row["partner_id"] for row in rows if churn_data.LEVEL_RANK[row["level"]] >= rank
            },
        )
        total = figures["customer_count"]
        tp = figures["true_positive"]
        fp = figures["flagged_count"] - tp
        fn = figures["churned_count"] - tp
        tn = total - tp - fp - fn
        lines = []
        for key, _label in reversed(
            churn_data.CHURN_LEVELS
        ):  # highest first, as the lines are ordered
            stats = by_level[key]
            count = stats["customers"]
            lines.append(
                {
                    "level": key,
                    "sequence": churn_data.LEVEL_RANK[key],
                    "flagged": churn_data.LEVEL_RANK[key] >= rank,
                    "customer_count": count,
                    "churned_count": stats["churned"],
                    "retained_count": count - stats["churned"],
                    "churn_rate": stats["churned"] / count if count else 0.0,
                    "share": count / total if total else 0.0,
                    "average_score": stats["score"] / count if count else 0.0,
                }
            )
        return {
            **{
                name: figures[name]
                for name in (
                    "customer_count",
                    "churned_count",
                    "flagged_count",
                    "precision",
                    "recall",
                    "f1_score",
                    "base_rate",
                    "top_decile_count",
                    "top_decile_churned",
                    "top_decile_rate",
                    "lift_top_decile",
                    "auc",
                )
            },
            "true_positive": tp,
            "false_positive": fp,
            "false_negative": fn,
            "true_negative": tn,
            "accuracy": (tp + tn) / total if total else 0.0,
            "lines": lines,
            "customers": sorted(rows, key=lambda row: (-row["score"], row["partner_id"])),
        }

    # ------------------------------------------------------------------ per-customer results
    @api.model
    def _pack_results(self, ranked, churned_ids, min_level):
        """Every customer's replayed score, level, reasons and outcome, highest score first,
        as gzipped JSON: a backtest of many customers stays one small attachment."""
        names = {}
        partner_ids = [row["partner_id"] for row in ranked]
        if partner_ids:
            names = dict(
                self.env.execute_query(
                    SQL(
                        "SELECT id, COALESCE(complete_name, name) FROM res_partner"
                        " WHERE id = ANY(%s)",
                        partner_ids,
                    )
                )
            )
        rank = churn_data.LEVEL_RANK[min_level]
        customers = [
            {
                "partner_id": row["partner_id"],
                "name": names.get(row["partner_id"], ""),
                "score": row["score"],
                "level": row["level"],
                "flagged": churn_data.LEVEL_RANK[row["level"]] >= rank,
                "churned": row["partner_id"] in churned_ids,
                "reasons": row.get("reason_data") or [],
                "last_order_date": row.get("last_order_date") and str(row["last_order_date"]),
            }
            for row in ranked
        ]
        data = gzip.compress(json.dumps(customers).encode())
        return base64.b64encode(data)

    def _get_customer_results(self):
        """The per-customer results stored by the run (list of dicts, highest score first)."""
        self.ensure_one()
        if not self.result_file:
            return []
        return json.loads(gzip.decompress(base64.b64decode(self.result_file)))

    # ------------------------------------------------------------------ actions
    def action_compare(self):
        """The rankings of the selected backtests side by side."""
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_churn_warning.crm_churn_backtest_ranking_action"
        )
        action["domain"] = [("backtest_id", "in", self.ids)]
        return action

    def action_export_xlsx(self):
        self.ensure_one()
        self.check_access("read")
        data = self.env["crm.churn.backtest.xlsx"]._build_workbook(self)
        name = self.env._(
            "churn-backtest-%(date)s-%(days)sd.xlsx",
            date=self.as_of.isoformat(),
            days=self.horizon_days,
        )
        return download_action(self.sudo(), data, name, "xlsx_file", "xlsx_name")
