"""The company's learned churn risk: a calibrated logistic regression of "no order within the
horizon", trained on the company's own history without look-ahead.

Training reads the company's transaction days once (crm.customer.data), up to the training
date T. It describes the customers at the month ends whose horizon had ended by T (at most
TRAINING_SNAPSHOTS of them, the latest), each from the days known on that date
(tools/churn_features.py), and labels a customer churned when no order followed within the
horizon (the company's backtest horizon). Customers already churned on a date (no order for
the company's churn days) are left out of it, as the warnings leave them out. Their lifecycle
stage on a date follows from the days known then; their tier on a date, from the history of
the tier changes (unknown before it begins: the model learns the tier's weight from the dates
it covers). The nightly scoring describes today the same way. The latest
labelled date is held out: a model fitted on the earlier ones is validated on it (AUC, Brier
score, top-decile lift, calibration by decile, beside the two simple baselines, days since
the last order and the purchase model's P(alive)); the model kept is then fitted on every
labelled date. One record per company keeps it as figures (tools/churn_learning.py).
"""

import io
import logging
import time
from datetime import date, timedelta

import numpy as np
from markupsafe import Markup

from odoo import api, fields, models
from odoo.tools import SQL, format_date, formatLang

from odoo.addons.crm_lifecycle_tiering.models.lifecycle_data import EVENT_TIER

from ..tools import churn_features, churn_learning
from .churn_data import (
    LEARNED_FEATURE_SIGNALS,
    MODEL_FITTED,
    MODEL_INSUFFICIENT,
    MODEL_STATES,
    SIGNAL_COMPLAINTS,
    SIGNAL_OVERDUE,
)

_logger = logging.getLogger(__name__)

# the labelled month ends a training reads, the latest first
TRAINING_SNAPSHOTS = 12
# fewer churned or fewer retained customers than this in the training rows or on the held-out
# date leave the model undetermined
MIN_CLASS_COUNT = 20
# why no churn risk could be learned (notice_data's code)
NOTICE_FEW_DATES = "few_dates"
NOTICE_FEW_CUSTOMERS = "few_customers"
# no training date before this one (the backtests' earliest date)
EARLIEST_SNAPSHOT = date(1970, 1, 31)
# the temporary table of the customers described on a date (see _load_scope)
SCOPE_TABLE = "crm_churn_risk_scope"


class CrmChurnRiskModel(models.Model):
    _name = "crm.churn.risk.model"
    _description = "Learned Churn Risk"
    _order = "company_id"
    _rec_name = "company_id"

    company_id = fields.Many2one("res.company", required=True, index=True, readonly=True)
    state = fields.Selection(MODEL_STATES, readonly=True)
    notice_data = fields.Json(
        readonly=True, help="Why no churn risk could be learned, as a code and its figures."
    )
    notice = fields.Text(
        compute="_compute_notice", help="Why no churn risk could be learned, in your language."
    )
    as_of = fields.Date(string="Trained As Of", readonly=True)
    trained_on = fields.Datetime(string="Last Training Run", readonly=True)
    train_seconds = fields.Float(string="Training Time (s)", digits=(16, 2), readonly=True)
    horizon_days = fields.Integer(
        string="Horizon (days)",
        readonly=True,
        help="A customer counts as churned when no order follows within this many days.",
    )
    snapshot_count = fields.Integer(
        string="Training Dates",
        readonly=True,
        help="The month ends the model learned from, each as the history stood on that date.",
    )
    first_snapshot = fields.Date(string="First Training Date", readonly=True)
    training_count = fields.Integer(
        string="Training Rows", readonly=True, help="Customers over all training dates."
    )
    training_churn_rate = fields.Float(digits=(16, 4), readonly=True)
    validation_date = fields.Date(
        readonly=True,
        help="The latest training date, held out: a model fitted on the earlier dates is "
        "judged on it.",
    )
    validation_count = fields.Integer(string="Validation Customers", readonly=True)
    validation_churn_rate = fields.Float(digits=(16, 4), readonly=True)
    validation_auc = fields.Float(
        string="AUC",
        digits=(16, 3),
        readonly=True,
        help="Probability that a customer who churned got a higher risk than one who did not: "
        "0.5 is chance, 1 a perfect ranking; higher is better.",
    )
    validation_brier = fields.Float(
        string="Brier Score",
        digits=(16, 4),
        readonly=True,
        help="Mean squared gap between the predicted probability and what happened: 0 is "
        "perfect; lower is better.",
    )
    validation_lift = fields.Float(
        string="Top-Decile Lift",
        digits=(16, 2),
        readonly=True,
        help="Churn rate of the tenth of customers with the highest risk, divided by the churn "
        "rate of all: how many times better than chance; higher is better.",
    )
    recency_auc = fields.Float(
        string="AUC of Days Since Last Order",
        digits=(16, 3),
        readonly=True,
        help="The simple baseline on the held-out date: the longer since the last order, the "
        "higher the risk.",
    )
    p_alive_auc = fields.Float(
        string="AUC of P(alive)",
        digits=(16, 3),
        readonly=True,
        help="The purchase model's baseline on the held-out date: the lower the probability of "
        "being still active, the higher the risk.",
    )
    calibration = fields.Json(
        readonly=True,
        help="Per decile of predicted risk on the held-out date: customers, mean predicted "
        "probability and share that churned.",
    )
    calibration_chart = fields.Html(
        compute="_compute_calibration_chart",
        sanitize=False,
        help="Predicted risk against the share that churned, per tenth of the held-out date's "
        "customers.",
    )
    params = fields.Json(string="Model Parameters", readonly=True, groups="base.group_system")

    _company_unique = models.Constraint(
        "UNIQUE(company_id)", "A company has one learned churn risk."
    )

    @api.depends("notice_data", "as_of")
    @api.depends_context("lang")
    def _compute_notice(self):
        """The notice in the reader's language, from its code and figures, with what stands in
        meanwhile."""
        for model in self:
            data = model.notice_data or {}
            figures = {
                key: formatLang(self.env, value, digits=0)
                for key, value in data.items()
                if key != "code"
            }
            if data.get("code") == NOTICE_FEW_DATES:
                text = self.env._(
                    "The history holds fewer than two month ends since the first order whose "
                    "%(days)s-day horizon had ended by %(date)s: the churn risk is learned from "
                    "at least two.",
                    date=format_date(self.env, model.as_of),
                    **figures,
                )
            elif data.get("code") == NOTICE_FEW_CUSTOMERS:
                text = self.env._(
                    "Too little history to learn from: the training dates hold %(churned)s "
                    "customers who churned and %(retained)s who ordered again; the held-out date "
                    "holds %(held_churned)s who churned and %(held_retained)s who ordered again. "
                    "At least %(min)s of each are needed.",
                    **figures,
                )
            else:
                model.notice = False
                continue
            model.notice = (
                text
                + " "
                + self.env._(
                    "Until then, the churn score uses the weighted rules; the nightly run tries "
                    "again each refit period."
                )
            )

    @api.depends("calibration")
    @api.depends_context("lang")
    def _compute_calibration_chart(self):
        for model in self:
            model.calibration_chart = self._render_calibration(model.calibration)

    @api.model
    def _render_calibration(self, table):
        """A calibration table (per tenth of the customers, lowest predicted risk first:
        count, mean predicted probability, share churned) as percentages and bars, in the
        reader's language; False without a table."""
        if not table:
            return False

        def bar(value, color):
            return Markup(
                '<div class="progress mb-1" style="height: 0.6rem;">'
                '<div class="progress-bar %s" role="progressbar" style="width: %s%%;"></div>'
                "</div>"
            ) % (color, round(100.0 * value, 1))

        def percent(value):
            return formatLang(self.env, 100.0 * value, digits=1) + "%"

        legend_badges = Markup(
            "<span class='badge text-bg-info'>%s</span> "
            "<span class='badge text-bg-danger'>%s</span>"
        ) % (self.env._("Predicted risk"), self.env._("Share churned"))

        def label(index):
            if index == 1:
                return self.env._("Decile 1 (lowest risk)")
            if index == 10:
                return self.env._("Decile 10 (highest risk)")
            return self.env._("Decile %(decile)s", decile=index)

        head = Markup(
            "<thead><tr><th>%s</th><th class='text-end'>%s</th><th class='text-end'>%s</th>"
            "<th class='text-end'>%s</th><th class='w-50'>%s</th></tr></thead>"
        ) % (
            self.env._("Customers by predicted risk"),
            self.env._("Customers"),
            self.env._("Predicted"),
            self.env._("Churned"),
            legend_badges,
        )
        rows = [
            Markup(
                "<tr class='o_crm_churn_risk_calibration_row'><td>%s</td>"
                "<td class='text-end'>%s</td><td class='text-end'>%s</td>"
                "<td class='text-end'>%s</td><td>%s%s</td></tr>"
            )
            % (
                label(index),
                formatLang(self.env, row["count"], digits=0),
                percent(row["predicted"]),
                percent(row["actual"]),
                bar(row["predicted"], "bg-info"),
                bar(row["actual"], "bg-danger"),
            )
            for index, row in enumerate(table, start=1)
        ]
        return Markup(
            "<table class='table table-sm o_crm_churn_risk_calibration'>%s<tbody>%s</tbody></table>"
        ) % (head, Markup("").join(rows))

    # ------------------------------------------------------------------ actions
    def _check_manager(self):
        self.env["crm.churn.model"]._check_churn_manager(
            self.env._("Only churn managers can train the churn risk.")
        )

    def action_retrain(self):
        """Trains the models of these records' companies again, as of each company's today."""
        self._check_manager()
        for model in self:
            model.company_id._crm_check_user_company()
            self._train_company(model.company_id)
        return True

    def action_train_companies(self):
        """Trains (again) the churn risk of every company the user works in (the list's
        button: whichever records are selected)."""
        self._check_manager()
        for company in self.env.companies:
            self._train_company(company)
        return True

    # ------------------------------------------------------------------ data
    @api.model
    def _get_days(self, company, as_of):
        """The company's transaction days up to ``as_of`` (tools/churn_features.TransactionDays)."""
        CustomerData = self.env["crm.customer.data"]
        CustomerData._flush_transactions()
        return churn_features.read_days(self.env.cr, CustomerData._get_days_query(company, as_of))

    @api.model
    def _get_training_dates(self, as_of, horizon_days):
        """The month ends whose horizon ended on or before ``as_of``, the latest
        TRAINING_SNAPSHOTS of them, oldest first."""
        latest = as_of - timedelta(days=horizon_days)
        month_end = latest.replace(day=1) - timedelta(days=1)
        if (latest + timedelta(days=1)).day == 1:
            month_end = latest
        dates = []
        while len(dates) < TRAINING_SNAPSHOTS and month_end >= EARLIEST_SNAPSHOT:
            dates.append(month_end)
            month_end = month_end.replace(day=1) - timedelta(days=1)
        return dates[::-1]

    @api.model
    def _describe(self, company, days, on, horizon_days, churn_days, labelled=True):
        """(partner ids, features (churn_features.FEATURES), labels or None) of the customers
        not churned on ``on`` (a date), from what was known on that date; labels: 1 when no
        order followed within the horizon."""
        day = on.toordinal()
        summary = days.summary(day)
        params = churn_features.fit_purchase_model(summary, day)
        features = churn_features.purchase_features(
            summary, day, horizon_days, churn_features.median_interval(summary), params
        )
        stages = churn_features.stage_features(
            days,
            summary,
            day,
            churn_days,
            company.crm_loyal_min_orders,
            company.crm_loyal_min_tenure_days,
        )
        population = (summary["order_days"] > 0) & (day - summary["last"] <= churn_days)
        labels = None
        if labelled:
            labels = (~days.ordered_between(day, day + horizon_days)).astype(int)[population]
        partner_ids = days.partner_ids[population]
        scope = self._load_scope(partner_ids)
        context = self._get_context_features(
            company, on, partner_ids, day - summary["first"][population], scope=scope
        )
        tiers = self._get_tier_features(company, on, partner_ids, scope=scope)
        self.env.cr.execute(SQL("DROP TABLE IF EXISTS %s", SQL.identifier(SCOPE_TABLE)))
        matrix = np.hstack([features[population], stages[population], context, tiers])
        return partner_ids, matrix, labels

    @api.model
    def _load_scope(self, partner_ids):
        """The query of the partner ids ``partner_ids`` for the facts' queries, from a
        temporary table (SCOPE_TABLE) the planner knows the size of: given an array of tens of
        thousands of ids, it plans for a hundred and the queries take three times as long."""
        cr = self.env.cr
        table = SQL.identifier(SCOPE_TABLE)
        cr.execute(SQL("DROP TABLE IF EXISTS %s", table))
        cr.execute(SQL("CREATE TEMP TABLE %s (partner_id int4 PRIMARY KEY) ON COMMIT DROP", table))
        cr.copy_from(
            io.StringIO("\n".join(str(int(pid)) for pid in partner_ids)),
            SCOPE_TABLE,
            columns=["partner_id"],
        )
        cr.execute(SQL("ANALYZE %s", table))
        return SQL("SELECT partner_id FROM %s", table)

    @api.model
    def _get_context_features(self, company, on, partner_ids, tenure_days, scope=None):
        """The CONTEXT_FEATURES of the customers ``partner_ids`` (customers for
        ``tenure_days`` days) on the date ``on``: their complaints and satisfaction answers as
        they stood that day (the satisfaction addon's facts) and their last contact (the churn
        engine's contacts), in three queries (``scope``: the query of ``partner_ids``, see
        _load_scope)."""
        names = churn_features.CONTEXT_FEATURES
        values = np.zeros((len(partner_ids), len(names)))
        if not len(partner_ids):
            return values
        row_of = {int(pid): index for index, pid in enumerate(partner_ids)}
        scope = scope or self._load_scope(partner_ids)
        cr = self.env.cr
        column = {name: index for index, name in enumerate(names)}
        cr.execute(
            self.env["crm.complaint"]._get_complaint_facts_query(
                company, on, churn_features.WINDOW_DAYS, partner_ids=scope
            )
        )
        for partner_id, open_critical, recent in cr.fetchall():
            row = row_of[partner_id]
            values[row, column["open_complaints"]] = np.log1p(open_critical or 0)
            values[row, column["recent_complaints"]] = np.log1p(recent or 0)
        cr.execute(
            SQL(
                "SELECT f.partner_id, f.csat_last, f.nps_last, f.recent_avg, f.previous_avg"
                " FROM (%s) f",
                self.env["crm.satisfaction.response"]._get_satisfaction_facts_query(
                    company, on, partner_ids=scope
                ),
            )
        )
        for partner_id, csat, nps, recent_avg, previous_avg in cr.fetchall():
            row = row_of[partner_id]
            if csat is not None:
                values[row, column["csat_gap"]] = 5.0 - float(csat)
                values[row, column["has_csat"]] = 1.0
            if nps is not None:
                values[row, column["nps_gap"]] = 10.0 - float(nps)
                values[row, column["has_nps"]] = 1.0
            if recent_avg is not None and previous_avg is not None:
                values[row, column["satisfaction_drop"]] = max(previous_avg - recent_avg, 0) / 100
        # days since the last contact; a customer never contacted: since the first order
        contact = np.asarray(tenure_days, dtype=float).copy()
        cr.execute(
            SQL(
                """
                SELECT p.commercial_partner_id, MAX(e.day)
                  FROM (%(sources)s) e
                  JOIN res_partner p ON p.id = e.partner_id
                 WHERE p.commercial_partner_id IN (%(scope)s)
                 GROUP BY p.commercial_partner_id
                """,
                sources=SQL(" UNION ALL ").join(
                    self.env["crm.churn.engine"]._get_engagement_queries(on)
                ),
                scope=scope,
            )
        )
        for partner_id, last_day in cr.fetchall():
            if last_day:
                contact[row_of[partner_id]] = min(
                    contact[row_of[partner_id]], max((on - last_day).days, 0)
                )
        values[:, column["contact_days"]] = np.log1p(np.maximum(contact, 0.0))
        return values

    @api.model
    def _get_tier_features(self, company, on, partner_ids, scope=None):
        """The TIER_FEATURES of the customers ``partner_ids`` on the date ``on``, in one
        query: the tier a customer held is the new tier of its last tier change in the
        company's lifecycle history (crm.lifecycle.event) dated on or before ``on``. The
        history starts when the value engine first assigns tiers (it records that first
        assignment too): before a customer's first recorded change, or when its last change
        took its tier away, the tier is unknown (both features 0). A tier's level is its rank
        among the company's tiers (archived ones too), the best 1 down to the lowest 0.
        ``scope``: the query of ``partner_ids`` (see _load_scope)."""
        values = np.zeros((len(partner_ids), len(churn_features.TIER_FEATURES)))
        if not len(partner_ids):
            return values
        scope = scope or self._load_scope(partner_ids)
        self.env["crm.lifecycle.event"].flush_model(
            ["partner_id", "company_id", "date", "kind", "new_tier_id"]
        )
        self.env["crm.customer.tier"].flush_model(["sequence", "company_id"])
        self.env.cr.execute(
            SQL(
                """
                SELECT e.partner_id, t.level
                  FROM (SELECT DISTINCT ON (e.partner_id) e.partner_id, e.new_tier_id
                          FROM crm_lifecycle_event e
                         WHERE e.company_id = %(company)s
                           AND e.kind = %(kind)s
                           AND e.date <= %(on)s
                           AND e.partner_id IN (%(scope)s)
                         ORDER BY e.partner_id, e.date DESC, e.id DESC) e
                  JOIN (SELECT id,
                               COALESCE((count(*) OVER () - row_number() OVER (
                                            ORDER BY sequence, id))::float8
                                        / NULLIF(count(*) OVER () - 1, 0), 1.0) AS level
                          FROM crm_customer_tier
                         WHERE company_id = %(company)s OR company_id IS NULL) t
                    ON t.id = e.new_tier_id
                """,
                company=company.id,
                kind=EVENT_TIER,
                on=on,
                scope=scope,
            )
        )
        known = np.array(self.env.cr.fetchall(), dtype=float).reshape(-1, 2)
        order = np.argsort(partner_ids)
        rows = order[np.searchsorted(partner_ids, known[:, 0], sorter=order)]
        column = {name: index for index, name in enumerate(churn_features.TIER_FEATURES)}
        values[rows, column["tier_known"]] = 1.0
        values[rows, column["tier_level"]] = known[:, 1]
        return values

    # ------------------------------------------------------------------ training
    @api.model
    def _train(self, company, as_of, days=None):
        """The values of the company's record trained as of ``as_of`` (nothing after it read;
        ``days``: the company's days up to it, when already read); writes nothing."""
        horizon = company.crm_churn_backtest_horizon
        churn_days = company.crm_churn_days
        days = days or self._get_days(company, as_of)
        first_day = int(days.day.min()) if len(days.day) else as_of.toordinal()
        dates = [
            on for on in self._get_training_dates(as_of, horizon) if on.toordinal() >= first_day
        ]
        values = {
            "as_of": as_of,
            "horizon_days": horizon,
            "snapshot_count": len(dates),
            "first_snapshot": dates[0] if dates else False,
            "validation_date": dates[-1] if dates else False,
        }
        if len(dates) < 2:
            return dict(
                values,
                state=MODEL_INSUFFICIENT,
                notice_data={"code": NOTICE_FEW_DATES, "days": horizon},
            )
        snapshots = [self._describe(company, days, on, horizon, churn_days) for on in dates]
        features = np.vstack([features for _ids, features, _labels in snapshots])
        labels = np.concatenate([labels for _ids, _features, labels in snapshots])
        _ids, held_features, held_labels = snapshots[-1]
        train_labels = labels[: len(labels) - len(held_labels)]
        for part in (train_labels, held_labels):
            churned = int(part.sum())
            if min(churned, len(part) - churned) < MIN_CLASS_COUNT:
                return dict(
                    values,
                    state=MODEL_INSUFFICIENT,
                    training_count=len(labels),
                    notice_data={
                        "code": NOTICE_FEW_CUSTOMERS,
                        "churned": int(train_labels.sum()),
                        "retained": len(train_labels) - int(train_labels.sum()),
                        "held_churned": int(held_labels.sum()),
                        "held_retained": len(held_labels) - int(held_labels.sum()),
                        "min": MIN_CLASS_COUNT,
                    },
                )
        names = churn_features.FEATURES
        recency = held_features[:, names.index("recency")]
        p_alive = held_features[:, names.index("p_alive")]
        # a feature of one value on every row (no complaints in the history, no tier known
        # yet) tells nothing: its weight would be 0; the fits leave it out, which costs less
        varying = np.flatnonzero(np.ptp(features, axis=0) > 0)
        fitted = [names[column] for column in varying]
        features, held_features = features[:, varying], held_features[:, varying]
        validated = churn_learning.fit(features[: len(train_labels)], train_labels, fitted)
        figures = churn_learning.evaluate(
            held_labels, churn_learning.predict(validated, held_features)
        )
        params = churn_learning.fit(features, labels, fitted)
        return dict(
            values,
            state=MODEL_FITTED,
            notice_data=False,
            # the features described when it was trained, of which it was fitted on "names"
            params=dict(params, features=list(names)),
            training_count=len(labels),
            training_churn_rate=float(labels.mean()),
            validation_count=figures["count"],
            validation_churn_rate=figures["churn_rate"],
            validation_auc=figures["auc"] or 0.0,
            validation_brier=figures["brier"] or 0.0,
            validation_lift=figures["lift"] or 0.0,
            recency_auc=churn_learning.auc(held_labels, recency) or 0.0,
            p_alive_auc=churn_learning.auc(held_labels, -p_alive) or 0.0,
            calibration=figures["calibration"],
        )

    @api.model
    def _train_company(self, company, as_of=None):
        """Trains the company's churn risk as of ``as_of`` (the company's today) and stores it;
        returns the company's record."""
        as_of = as_of or company._crm_today()
        start = time.perf_counter()
        values = self._train(company, as_of)
        values.update(trained_on=fields.Datetime.now(), train_seconds=time.perf_counter() - start)
        if values["state"] != MODEL_FITTED:
            values.update(params=False, calibration=False)
        _logger.info(
            "Churn risk of %s as of %s: %s, AUC %.3f on %s (%.2f s)",
            company.name,
            as_of,
            values["state"],
            values.get("validation_auc") or 0.0,
            values.get("validation_date"),
            values["train_seconds"],
        )
        model = self.sudo().search([("company_id", "=", company.id)], limit=1)
        if model:
            model.write(values)
        else:
            model = self.sudo().create({"company_id": company.id, **values})
        return self.browse(model.id)

    @api.model
    def _get_training(self, company):
        """What the company's last training learned and measured: its stored values but the
        time it ran and how long it took."""
        model = self.sudo().search([("company_id", "=", company.id)], limit=1)
        skip = {"id", "company_id", "trained_on", "train_seconds"}
        skip |= {"create_uid", "create_date", "write_uid", "write_date"}
        return {
            fname: model[fname]
            for fname, field in self._fields.items()
            if field.store and fname not in skip
        }

    @api.model
    def _train_if_due(self, company, as_of):
        """Trains the company's churn risk when it never was, its training date is at least
        the company's refit period before ``as_of``, or it was fitted on other features than
        today's (a model of an earlier version: it scores with the features it knows until
        then); returns the company's record."""
        model = self.sudo().search([("company_id", "=", company.id)], limit=1)
        current = model.state != MODEL_FITTED or self._has_current_features(model.params)
        if current and not self.env["crm.churn.model"]._is_due(model, company, as_of):
            return self.browse(model.id)
        return self._train_company(company, as_of)

    @api.model
    def _has_current_features(self, params):
        """Whether the stored ``params`` were trained on today's features
        (churn_features.FEATURES), in their order (a model of an earlier version keeps only
        the names it was fitted on)."""
        params = params or {}
        return list(params.get("features") or params.get("names") or ()) == list(
            churn_features.FEATURES
        )

    # ------------------------------------------------------------------ scoring
    @api.model
    def _rank_reasons(self, ctx, data, reasons, points):
        """The reasons of a learned score, most telling first: each with the points (of 100)
        of probability its signal's features add to the customer's risk (LEARNED_FEATURE_SIGNALS;
        a "points" figure on its first part from one point up, and as its weight). A customer
        whose features of the overdue or the complaints signal add a point or more gets that
        reason even when the rule did not trigger (its factor not reached, fewer complaints
        than its count): the days without an order, or the complaint, are why the risk is
        high. ``points``: {signal code: the points its features add} (see _predict)."""
        found_codes = {reason["code"] for reason in reasons}
        for code, relaxed in (
            (SIGNAL_OVERDUE, {"factor": 0.0}),
            (SIGNAL_COMPLAINTS, {"min_count": 1}),
        ):
            signal = ctx.signals.get(code)
            if not signal or points.get(code, 0) < 1 or code in found_codes:
                continue
            found = ctx.evaluators[code](ctx, dict(signal, **relaxed), data)
            if found:
                value, details = found
                reasons = [
                    *reasons,
                    {
                        "signal_id": signal["id"],
                        "code": code,
                        "value": value,
                        "details": details,
                        "weight": 0.0,
                    },
                ]
        ranked = []
        for reason in reasons:
            gained = points.get(reason["code"], 0)
            details = reason["details"]
            if gained >= 1 and details:
                first = [details[0][0], dict(details[0][1], points=gained)]
                details = [first, *details[1:]]
            ranked.append(dict(reason, details=details, weight=float(max(gained, 0))))
        ranked.sort(key=lambda reason: -reason["weight"])
        return ranked

    @api.model
    def _get_learned(self, company, as_of, dry_run=False, days=None):
        """The learned risk of the company's customers as of ``as_of`` (see _predict): with
        the stored model, or for a dry run (a backtest replaying a date) with a model trained
        on what was known on that date, not stored; {} without a model. ``days``: the
        company's days up to ``as_of`` when already read (the engine's run reads them once)."""
        if dry_run:
            # one read of the days for the training and the scoring
            days = days or self._get_days(company, as_of)
            params = self._train(company, as_of, days=days).get("params")
        else:
            model = self.sudo().search([("company_id", "=", company.id)], limit=1)
            params = model.params if model.state == MODEL_FITTED else None
        return self._predict(company, as_of, params, days=days) if params else {}

    @api.model
    def _predict(self, company, as_of, params, days=None):
        """{partner id: (probability 0-1, {signal code: what the features of the signal add to
        it, in whole points of 100 (LEARNED_FEATURE_SIGNALS)})} of the company's customers not
        churned on ``as_of``, from the stored ``params`` (``days``: the company's days up to
        ``as_of``, when already read)."""
        days = days or self._get_days(company, as_of)
        partner_ids, features, _labels = self._describe(
            company,
            days,
            as_of,
            company.crm_churn_backtest_horizon,
            company.crm_churn_days,
            labelled=False,
        )
        # the columns the model was fitted on, by name: a model fitted before features were
        # added scores with those it knows; one that needs a feature no longer described
        # cannot score (the rules stand in until the next training, see _train_if_due)
        names = churn_features.FEATURES
        unknown = [name for name in params["names"] if name not in names]
        if unknown:
            _logger.warning(
                "Churn risk of %s: the stored model needs the features %s, no longer "
                "described; the weighted rules score until it is trained again",
                company.name,
                ", ".join(unknown),
            )
            return {}
        features = features[:, [names.index(name) for name in params["names"]]]
        probabilities = churn_learning.predict(params, features)
        parts = churn_learning.contributions(params, features, LEARNED_FEATURE_SIGNALS)
        points = {code: np.rint(100.0 * added).astype(int) for code, added in parts.items()}
        return churn_learning.Scores(partner_ids, probabilities, points)
