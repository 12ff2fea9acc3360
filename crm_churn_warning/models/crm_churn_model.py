"""The company's statistical purchase model: BG/NBD for the number of purchases, Gamma-Gamma for
the value of a purchase (see tools/churn_stats.py for the formulas); its calibration on older
history is crm.churn.model.calibration's.

A company's transaction history is read with one aggregate query: confirmed sale orders (or
posted customer invoices net of refunds, per the company's value source), merged per customer and
day, as of a date. Times are in weeks, values in the company currency. One record per company
keeps the last fit; the nightly run refits it when it is older than the company's refit period.
"""

import logging
import time

import numpy as np

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL

from ..tools import churn_stats
from .churn_data import (
    CLV_MONTHS,
    EXPECTED_PURCHASES_DAYS,
    LIKELY_ACTIVE_P,
    MODEL_FITTED,
    MODEL_INSUFFICIENT,
    MODEL_STATES,
)

_logger = logging.getLogger(__name__)

PARAM_DIGITS = (16, 4)
PARAM_FIELDS = ("r", "alpha", "a", "b", "p", "q", "gamma")
# what the fit tells a manager, stored with it (see _get_forecast)
FORECAST_FIELDS = (
    "likely_active_count",
    "expected_orders_90",
    "expected_orders_12m",
    "expected_revenue_90",
    "expected_revenue_12m",
)


class CrmChurnModel(models.Model):
    _name = "crm.churn.model"
    _description = "Churn Purchase Model"
    _order = "company_id"
    _rec_name = "company_id"

    # fewer customers with a repeat purchase than this leave the drop-out and spend
    # distributions undetermined
    _min_repeaters = 10

    company_id = fields.Many2one("res.company", required=True, index=True, readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    state = fields.Selection(MODEL_STATES, readonly=True)
    notice = fields.Text(
        readonly=True,
        help="Why no model could be fitted to the company's history.",
    )
    fitted_on = fields.Datetime(readonly=True)
    as_of = fields.Date(
        string="History Up To",
        readonly=True,
        help="The fit used the orders dated up to this day.",
    )
    customers = fields.Integer(
        readonly=True,
        help="Customers with at least one order up to the history date.",
    )
    repeaters = fields.Integer(
        string="Repeat Buyers",
        readonly=True,
        help="Customers who ordered on more than one day; they determine the drop-out and the "
        "spend distributions.",
    )
    fit_seconds = fields.Float(string="Fit Time (s)", readonly=True, digits=(8, 3))
    # what the fit says, for a manager: figures over the customers of the history date
    likely_active_count = fields.Integer(
        string="Likely Still Active",
        readonly=True,
        help="Customers whose probability of still buying from us is at least 50% on the "
        "history date.",
    )
    likely_active_share = fields.Float(
        string="Share Likely Still Active",
        compute="_compute_likely_active_share",
        digits=(5, 4),
        help="Likely active customers over all the customers with an order.",
    )
    expected_orders_90 = fields.Float(
        string="Expected Orders (90 days)",
        readonly=True,
        digits=(16, 1),
        help="Orders the customers are expected to place in the 90 days after the history date "
        "(orders of one customer on one day count once).",
    )
    expected_orders_12m = fields.Float(
        string="Expected Orders (12 months)",
        readonly=True,
        digits=(16, 1),
        help="Orders the customers are expected to place in the 12 months after the history "
        "date (orders of one customer on one day count once).",
    )
    expected_revenue_90 = fields.Monetary(
        string="Expected Revenue (90 days)",
        readonly=True,
        help="Each customer's expected orders of the next 90 days times the customer's "
        "expected order value, summed (not discounted).",
    )
    expected_revenue_12m = fields.Monetary(
        string="Expected Revenue (12 months)",
        readonly=True,
        help="Each customer's expected orders of the next 12 months times the customer's "
        "expected order value, summed; not discounted, unlike the customers' predicted values "
        "(12 months), which the company's monthly discount rate reduces.",
    )
    # calibration: a fit on older history against the orders that followed it
    calibration_date = fields.Date(
        string="Calibration History Up To",
        readonly=True,
        help="The calibration fitted the model on the orders up to this day and compared its "
        "expected orders of the following days, up to the history date, with the orders placed.",
    )
    calibration_notice = fields.Text(
        readonly=True,
        help="Why the model could not be calibrated on older history.",
    )
    calibration_ids = fields.One2many("crm.churn.model.calibration", "model_id", readonly=True)
    calibration_predicted = fields.Float(
        string="Predicted Orders (calibration)",
        compute="_compute_calibration_totals",
        digits=(16, 1),
    )
    calibration_actual = fields.Integer(
        string="Actual Orders (calibration)", compute="_compute_calibration_totals"
    )
    calibration_chart = fields.Html(
        string="Predicted and Actual Orders",
        compute="_compute_calibration_chart",
        sanitize=False,
    )
    # BG/NBD
    r = fields.Float(
        readonly=True,
        digits=PARAM_DIGITS,
        help="Shape of the gamma distribution of purchase rates across customers: small values "
        "mean a few customers buy far more often than most.",
    )
    alpha = fields.Float(
        string="Alpha (weeks)",
        readonly=True,
        digits=PARAM_DIGITS,
        help="Scale of the purchase rates, in weeks: while active, the average customer buys "
        "r / alpha times a week.",
    )
    a = fields.Float(
        readonly=True,
        digits=PARAM_DIGITS,
        help="With b, the beta distribution of the probability that a customer stops buying "
        "after a purchase; on average that probability is a / (a + b).",
    )
    b = fields.Float(
        readonly=True,
        digits=PARAM_DIGITS,
        help="With a, the beta distribution of the drop-out probability after each purchase.",
    )
    log_likelihood = fields.Float(
        readonly=True,
        digits=(16, 2),
        help="Log-likelihood of the purchase-count model at its fitted parameters (higher is a "
        "closer fit; comparable only on the same history).",
    )
    # Gamma-Gamma
    p = fields.Float(
        readonly=True,
        digits=PARAM_DIGITS,
        help="Shape of the value of one order around the customer's own mean order value: the "
        "larger p, the steadier a customer's orders.",
    )
    q = fields.Float(
        readonly=True,
        digits=PARAM_DIGITS,
        help="With gamma, the distribution of the customers' mean order values; the average "
        "order is worth p * gamma / (q - 1) when q > 1.",
    )
    gamma = fields.Float(
        readonly=True,
        digits=PARAM_DIGITS,
        help="Scale of the customers' mean order values, in the company currency.",
    )
    gg_log_likelihood = fields.Float(
        string="Spend Log-likelihood",
        readonly=True,
        digits=(16, 2),
        help="Log-likelihood of the spend model over the repeat buyers.",
    )
    # what the parameters mean, in figures
    weekly_rate = fields.Float(
        string="Purchases per Week",
        compute="_compute_explained",
        digits=(16, 4),
        help="Average purchase rate of an active customer (r / alpha).",
    )
    dropout_probability = fields.Float(
        string="Drop-out After a Purchase",
        compute="_compute_explained",
        digits=(5, 4),
        help="Average probability that a customer stops buying after a purchase (a / (a + b)).",
    )
    mean_order_value = fields.Monetary(
        string="Average Order Value",
        compute="_compute_explained",
        help="Mean value of an order across customers predicted by the spend model "
        "(p * gamma / (q - 1)); 0 when q <= 1, where that mean does not exist.",
    )

    _company_unique = models.Constraint(
        "UNIQUE(company_id)",
        "A company has one purchase model.",
    )

    @api.depends("customers", "likely_active_count")
    def _compute_likely_active_share(self):
        for model in self:
            model.likely_active_share = (
                model.likely_active_count / model.customers if model.customers else 0.0
            )

    @api.depends("calibration_ids.predicted_orders", "calibration_ids.actual_orders")
    def _compute_calibration_totals(self):
        totals = {
            model: (predicted, actual)
            for model, predicted, actual in self.env["crm.churn.model.calibration"]._read_group(
                [("model_id", "in", self.ids)],
                ["model_id"],
                ["predicted_orders:sum", "actual_orders:sum"],
            )
        }
        for model in self:
            model.calibration_predicted, model.calibration_actual = totals.get(
                model._origin, (0.0, 0)
            )

    @api.depends(
        "calibration_ids.predicted_orders", "calibration_ids.actual_orders", "calibration_date"
    )
    @api.depends_context("lang")
    def _compute_calibration_chart(self):
        """A table of the calibration groups, the predicted and the actual orders of each as
        numbers and as bars on one scale, in the reader's language."""
        for model in self:
            lines = model.calibration_ids.sorted("decile")
            if not lines:
                model.calibration_chart = False
                continue
            top = max(max(lines.mapped("predicted_orders")), max(lines.mapped("actual_orders")))
            model.calibration_chart = lines._render_chart(top or 1.0)

    @api.depends("state", "r", "alpha", "a", "b", "p", "q", "gamma")
    def _compute_explained(self):
        for model in self:
            fitted = model.state == MODEL_FITTED
            model.weekly_rate = model.r / model.alpha if fitted and model.alpha else 0.0
            model.dropout_probability = (
                model.a / (model.a + model.b) if fitted and model.a + model.b else 0.0
            )
            model.mean_order_value = (
                model.p * model.gamma / (model.q - 1) if fitted and model.q > 1 else 0.0
            )

    # ------------------------------------------------------------------ actions
    @api.model
    def _check_churn_manager(self, message):
        """Raises an AccessError saying ``message`` unless the user is a churn manager (or
        the system): the check of the buttons that fit the company's models."""
        if not self.env.su and not self.env.user.has_group(
            "crm_churn_warning.crm_churn_warning_group_manager"
        ):
            raise AccessError(message)

    def _check_manager(self):
        self._check_churn_manager(
            self.env._("Only churn warning managers can refit purchase models.")
        )

    def action_refit(self):
        """Refits the models now, on the history up to today."""
        self._check_manager()
        for model in self:
            self._fit_company(model.company_id)
        return True

    def action_fit_companies(self):
        """Fits (or refits) the model of every company the user works in."""
        self._check_manager()
        for company in self.env.companies:
            self._fit_company(company)
        return True

    # ------------------------------------------------------------------ the data
    @api.model
    def _get_summary(self, company, as_of):
        """Per customer: x (repeat purchase days), t_x and T (weeks), m (mean repeat value).

        One aggregate query; numpy arrays ordered by partner id.
        """
        self.env.flush_all()
        cr = self.env.cr
        cr.execute("SET LOCAL work_mem = '64MB'")
        cr.execute(
            SQL(
                """
                SELECT d.partner_id,
                       COUNT(*) FILTER (WHERE d.orders > 0) - 1,
                       MAX(d.day) FILTER (WHERE d.orders > 0)
                           - MIN(d.day) FILTER (WHERE d.orders > 0),
                       %(as_of)s::date - MIN(d.day) FILTER (WHERE d.orders > 0),
                       SUM(d.amount),
                       (array_agg(d.amount ORDER BY d.day) FILTER (WHERE d.orders > 0))[1]
                  FROM (%(days)s) d
                 GROUP BY d.partner_id
                HAVING SUM(d.orders) > 0
                 ORDER BY d.partner_id
                """,
                as_of=as_of,
                days=self.env["crm.customer.data"]._get_days_query(company, as_of),
            )
        )
        rows = cr.fetchall()
        if not rows:
            empty_int = np.zeros(0, dtype=np.int64)
            empty = np.zeros(0)
            return {"partner_id": empty_int, "x": empty, "t_x": empty, "T": empty, "m": empty}
        data = np.array(rows, dtype=float)
        x = data[:, 1]
        # m: mean value of the purchases after the first day (what the Gamma-Gamma model
        # describes); never negative, 0 without repeat purchases
        repeat_value = np.maximum(data[:, 4] - data[:, 5], 0.0)
        m = np.divide(repeat_value, x, out=np.zeros_like(x), where=x > 0)
        return {
            "partner_id": data[:, 0].astype(np.int64),
            "x": x,
            "t_x": data[:, 2] / 7.0,
            "T": data[:, 3] / 7.0,
            "m": m,
        }

    # ------------------------------------------------------------------ fitting
    @api.model
    def _fit_params(self, company, as_of):
        """Fits both models on the company's history up to as_of; writes nothing.

        Returns (params, notice): params None with a translated notice when the history is too
        thin or the fit fails.
        """
        params, notice, _counts = self._fit_details(company, as_of)
        return params, notice

    def _fit_details(self, company, as_of, summary=None):
        """(params or None, notice, (customers, repeat buyers)); summary: the result of
        _get_summary(company, as_of) when the caller already has it."""
        if summary is None:
            summary = self._get_summary(company, as_of)
        x, m = summary["x"], summary["m"]
        customers = len(x)
        repeaters = int(np.count_nonzero(x > 0))
        counts = (customers, repeaters)
        minimum = company.crm_churn_model_min_customers
        if customers < minimum:
            return (
                None,
                self.env._(
                    "Only %(count)s customers with orders up to %(date)s; at least %(minimum)s are "
                    "needed to fit the purchase model.",
                    count=customers,
                    date=as_of,
                    minimum=minimum,
                ),
                counts,
            )
        spenders = int(np.count_nonzero((x > 0) & (m > 0)))
        if min(repeaters, spenders) < self._min_repeaters:
            return (
                None,
                self.env._(
                    "Only %(count)s of the %(customers)s customers ordered again after their first "
                    "order day; at least %(minimum)s repeat buyers are needed to fit the purchase "
                    "model.",
                    count=min(repeaters, spenders),
                    customers=customers,
                    minimum=self._min_repeaters,
                ),
                counts,
            )
        try:
            bgnbd = churn_stats.fit_bgnbd(x, summary["t_x"], summary["T"])
            spend = churn_stats.fit_gamma_gamma(x, m)
        except churn_stats.FitError as error:
            return (
                None,
                self.env._(
                    "The purchase model could not be fitted to the history up to %(date)s: "
                    "%(reason)s",
                    date=as_of,
                    reason=str(error),
                ),
                counts,
            )
        params = {
            "r": bgnbd["r"],
            "alpha": bgnbd["alpha"],
            "a": bgnbd["a"],
            "b": bgnbd["b"],
            "ll": bgnbd["ll"],
            "p": spend["p"],
            "q": spend["q"],
            "gamma": spend["gamma"],
            "gg_ll": spend["ll"],
            "customers": customers,
            "repeaters": repeaters,
            "as_of": as_of.isoformat(),
        }
        if not all(np.isfinite(params[key]) for key in (*PARAM_FIELDS, "ll", "gg_ll")):
            return (
                None,
                self.env._(
                    "The purchase model could not be fitted to the history up to %(date)s: the "
                    "optimum lies outside the range of sensible parameters.",
                    date=as_of,
                ),
                counts,
            )
        return params, "", counts

    def _get_model(self, company):
        return self.sudo().search([("company_id", "=", company.id)], limit=1)

    # ------------------------------------------------------------------ what the fit says
    @api.model
    def _get_forecast(self, params, summary):
        """The stored figures of a fit over the customers of `summary` (numpy, one pass):
        customers with P(alive) of at least LIKELY_ACTIVE_P, and the sums over the customers
        of the conditional expected orders and of those orders times the conditional expected
        order value, for the next 90 days and 12 months."""
        x, t_x, T, m = summary["x"], summary["t_x"], summary["T"], summary["m"]
        if not len(x):
            return dict.fromkeys(FORECAST_FIELDS, 0)

        alive = churn_stats.finite(churn_stats.p_alive(params, x, t_x, T))
        orders_90 = churn_stats.finite(
            churn_stats.conditional_expected_purchases(
                params, EXPECTED_PURCHASES_DAYS / 7.0, x, t_x, T
            )
        )
        orders_12m = churn_stats.finite(
            churn_stats.conditional_expected_purchases(
                params, CLV_MONTHS * churn_stats.WEEKS_PER_MONTH, x, t_x, T
            )
        )
        spend = churn_stats.finite(churn_stats.conditional_expected_spend(params, x, m))
        return {
            "likely_active_count": int(np.count_nonzero(alive >= LIKELY_ACTIVE_P)),
            "expected_orders_90": float(orders_90.sum()),
            "expected_orders_12m": float(orders_12m.sum()),
            "expected_revenue_90": float((spend * orders_90).sum()),
            "expected_revenue_12m": float((spend * orders_12m).sum()),
        }

    @api.model
    def _fit_company(self, company, as_of=None):
        """Fits the company's model and stores it; returns the company's record."""
        as_of = as_of or fields.Date.context_today(self.with_context(tz=company._crm_tz()))
        start = time.perf_counter()
        # the notice is stored for every reader: in the company's language
        lang = company.partner_id.lang or self.env.lang
        Model = self.with_context(lang=lang)
        summary = self._get_summary(company, as_of)
        params, notice, (customers, repeaters) = Model._fit_details(company, as_of, summary)
        values = {
            "fitted_on": fields.Datetime.now(),
            "as_of": as_of,
            "calibration_ids": [Command.clear()],
            "calibration_date": False,
            "calibration_notice": False,
        }
        if params:
            calibration_date, lines, calibration_notice = Model.env[
                "crm.churn.model.calibration"
            ]._get_calibration(company, as_of, summary)
            values.update(
                {key: params[key] for key in PARAM_FIELDS},
                **self._get_forecast(params, summary),
                state=MODEL_FITTED,
                notice=False,
                log_likelihood=params["ll"],
                gg_log_likelihood=params["gg_ll"],
                customers=customers,
                repeaters=repeaters,
                calibration_date=calibration_date,
                calibration_notice=calibration_notice or False,
                calibration_ids=[Command.clear()] + [Command.create(line) for line in lines],
            )
            seconds = time.perf_counter() - start
            _logger.info(
                "Purchase model of %s as of %s: %d customers, %d repeat buyers, r=%.4g "
                "alpha=%.4g a=%.4g b=%.4g p=%.4g q=%.4g gamma=%.4g (%.2f s)",
                company.name,
                as_of,
                params["customers"],
                params["repeaters"],
                *(params[key] for key in PARAM_FIELDS),
                seconds,
            )
        else:
            values.update(
                dict.fromkeys(PARAM_FIELDS, 0.0),
                **dict.fromkeys(FORECAST_FIELDS, 0),
                state=MODEL_INSUFFICIENT,
                notice=notice,
                log_likelihood=0.0,
                gg_log_likelihood=0.0,
                customers=customers,
                repeaters=repeaters,
            )
            seconds = time.perf_counter() - start
            _logger.info("No purchase model for %s as of %s: %s", company.name, as_of, notice)
        values["fit_seconds"] = seconds
        model = self._get_model(company)
        if model:
            model.write(values)
        else:
            model = self.sudo().create({"company_id": company.id, **values})
        return self.browse(model.id)

    @api.model
    def _fit_if_due(self, company, as_of):
        """Refits the company's model when it was never fitted or its history date is at least
        the company's refit period before as_of; returns the company's record."""
        model = self._get_model(company)
        if not self._is_due(model, company, as_of):
            return self.browse(model.id)
        return self._fit_company(company, as_of)

    @api.model
    def _is_due(self, record, company, as_of):
        """Whether a company's ``record`` (its purchase model, its learned churn risk) is to be
        fitted again as of ``as_of``: it never was, or its history date is at least the
        company's refit period before."""
        return not (
            record
            and record.as_of
            and record.state
            and (as_of - record.as_of).days < company.crm_churn_refit_days
        )

    @api.model
    def _get_params(self, company):
        """The stored parameters of the company's model, or None when none is fitted."""
        model = self._get_model(company)
        if not model or model.state != MODEL_FITTED:
            return None
        params = {key: model[key] for key in PARAM_FIELDS}
        params.update(
            ll=model.log_likelihood,
            gg_ll=model.gg_log_likelihood,
            customers=model.customers,
            repeaters=model.repeaters,
            as_of=model.as_of.isoformat() if model.as_of else False,
        )
        return params

    # ------------------------------------------------------------------ predictions
    @api.model
    def _predict(self, company, as_of, params, summary=None):
        """{partner_id: (p_alive, expected purchases in the next 90 days, predicted value of the
        next 12 months)} for every customer of the company's history up to as_of.

        summary: the result of _get_summary(company, as_of) when the caller already has it.
        """
        if not params:
            return {}
        if summary is None:
            summary = self._get_summary(company, as_of)
        if not len(summary["x"]):
            return {}
        x, t_x, T, m = summary["x"], summary["t_x"], summary["T"], summary["m"]
        alive = churn_stats.p_alive(params, x, t_x, T)
        expected = churn_stats.conditional_expected_purchases(
            params, EXPECTED_PURCHASES_DAYS / 7.0, x, t_x, T
        )
        value = churn_stats.clv(
            params,
            params,
            x,
            t_x,
            T,
            m,
            months=CLV_MONTHS,
            discount=company.crm_churn_clv_discount,
        )
        # the figures are written to partner fields, which take no NaN: a customer the
        # formulas cannot evaluate gets 0
        alive, expected, value = (churn_stats.finite(values) for values in (alive, expected, value))
        return dict(
            zip(
                summary["partner_id"].tolist(),
                zip(alive.tolist(), expected.tolist(), value.tolist(), strict=True),
                strict=True,
            )
        )
