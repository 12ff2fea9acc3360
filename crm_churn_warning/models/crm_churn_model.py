"""The company's statistical purchase model: BG/NBD for the number of purchases, Gamma-Gamma for
the value of a purchase (see churn_stats.py for the formulas).

A company's transaction history is read with one aggregate query: confirmed sale orders (or
posted customer invoices net of refunds, per the company's value source), merged per customer and
day, as of a date. Times are in weeks, values in the company currency. One record per company
keeps the last fit; the nightly run refits it when it is older than the company's refit period.
"""

import logging
import time
from datetime import timedelta

import numpy as np

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL

from odoo.addons.crm_lifecycle_tiering.models.lifecycle_data import local_date_sql

from . import churn_stats
from .churn_data import (
    CLV_MONTHS,
    EXPECTED_PURCHASES_DAYS,
    MODEL_FITTED,
    MODEL_INSUFFICIENT,
    MODEL_STATES,
)

_logger = logging.getLogger(__name__)

PARAM_DIGITS = (16, 4)
PARAM_FIELDS = ("r", "alpha", "a", "b", "p", "q", "gamma")


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
    def _check_manager(self):
        if not self.env.su and not self.env.user.has_group(
            "crm_churn_warning.crm_churn_warning_group_manager"
        ):
            raise AccessError(self.env._("Only churn warning managers can refit purchase models."))

    def action_refit(self):
        """Refits the models now, on the history up to today."""
        self._check_manager()
        for model in self:
            self._fit_company(model.company_id)
        return True

    @api.model
    def action_fit_companies(self):
        """Fits (or refits) the model of every company the user works in."""
        self._check_manager()
        for company in self.env.companies:
            self._fit_company(company)
        return True

    # ------------------------------------------------------------------ the data
    def _get_days_query(self, company, as_of):
        """(partner_id, day, orders, amount) per commercial partner and transaction day, in the
        company currency; the days the model and the churn engine both read.

        Orders: confirmed sale orders, on their day in the company's time zone (an order in the
        company currency is not divided by its rate of 1: the same sum without a numeric division
        per order). Invoices: posted customer invoices; a refund reduces the day of the invoice
        it reverses, an unlinked refund stands on its own day, which has no order and so only
        reduces the customer's repeat value.
        """
        end = as_of + timedelta(days=1)
        if company.crm_value_source == "invoice":
            return SQL(
                """
                SELECT p.commercial_partner_id AS partner_id,
                       COALESCE(orig.invoice_date, m.invoice_date) AS day,
                       COUNT(*) FILTER (WHERE m.move_type = 'out_invoice') AS orders,
                       SUM(m.amount_untaxed_signed)::float8 AS amount
                  FROM account_move m
                  JOIN res_partner p ON p.id = m.partner_id
                  LEFT JOIN account_move orig ON orig.id = m.reversed_entry_id
                                             AND m.move_type = 'out_refund'
                                             AND orig.move_type = 'out_invoice'
                 WHERE m.company_id = %(company)s
                   AND m.state = 'posted'
                   AND m.move_type IN ('out_invoice', 'out_refund')
                   AND m.invoice_date < %(end)s
                   AND p.commercial_partner_id NOT IN (SELECT partner_id FROM res_company)
                 GROUP BY 1, 2
                """,
                company=company.id,
                end=end,
            )
        # an order belongs to its day in the company's time zone
        day = local_date_sql(SQL("so.date_order"), company._crm_tz())
        return SQL(
            """
            SELECT p.commercial_partner_id AS partner_id, %(day)s AS day,
                   COUNT(*) AS orders,
                   SUM(CASE WHEN COALESCE(so.currency_rate, 0) IN (0, 1)
                            THEN so.amount_untaxed
                            ELSE so.amount_untaxed / so.currency_rate END)::float8 AS amount
              FROM sale_order so
              JOIN res_partner p ON p.id = so.partner_id
             WHERE so.company_id = %(company)s
               AND so.state = 'sale'
               AND %(day)s <= %(as_of)s
               AND p.commercial_partner_id NOT IN (SELECT partner_id FROM res_company)
             GROUP BY 1, 2
            """,
            day=day,
            company=company.id,
            as_of=as_of,
        )

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
                days=self._get_days_query(company, as_of),
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

    def _fit_details(self, company, as_of):
        """(params or None, notice, (customers, repeat buyers))."""
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

    @api.model
    def _fit_company(self, company, as_of=None):
        """Fits the company's model and stores it; returns the company's record."""
        as_of = as_of or fields.Date.context_today(self.with_context(tz=company._crm_tz()))
        start = time.perf_counter()
        # the notice is stored for every reader: in the company's language
        lang = company.partner_id.lang or self.env.lang
        params, notice, (customers, repeaters) = self.with_context(lang=lang)._fit_details(
            company, as_of
        )
        seconds = time.perf_counter() - start
        values = {
            "fitted_on": fields.Datetime.now(),
            "as_of": as_of,
            "fit_seconds": seconds,
        }
        if params:
            values.update(
                {key: params[key] for key in PARAM_FIELDS},
                state=MODEL_FITTED,
                notice=False,
                log_likelihood=params["ll"],
                gg_log_likelihood=params["gg_ll"],
                customers=customers,
                repeaters=repeaters,
            )
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
                state=MODEL_INSUFFICIENT,
                notice=notice,
                log_likelihood=0.0,
                gg_log_likelihood=0.0,
                customers=customers,
                repeaters=repeaters,
            )
            _logger.info("No purchase model for %s as of %s: %s", company.name, as_of, notice)
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
        if (
            model
            and model.as_of
            and model.state
            and (as_of - model.as_of).days < company.crm_churn_refit_days
        ):
            return self.browse(model.id)
        return self._fit_company(company, as_of)

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
        alive, expected, value = (
            np.nan_to_num(values, nan=0.0, posinf=0.0, neginf=0.0)
            for values in (alive, expected, value)
        )
        return dict(
            zip(
                summary["partner_id"].tolist(),
                zip(alive.tolist(), expected.tolist(), value.tolist(), strict=True),
                strict=True,
            )
        )
