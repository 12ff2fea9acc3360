"""The calibration of a company's purchase model: the model fitted on older history, its
expected orders of the days that followed against the orders placed, by tenth of customers."""

from datetime import timedelta

import numpy as np
from markupsafe import Markup

from odoo import api, fields, models
from odoo.tools import formatLang

from ..tools import churn_stats
from .churn_data import CALIBRATION_DAYS, CALIBRATION_GROUPS


class CrmChurnModelCalibration(models.Model):
    """One group of customers of a purchase model's calibration: the model fitted on the
    history up to the calibration date predicted their orders of the days that followed, up
    to the model's history date; the line puts that prediction next to the orders placed."""

    _name = "crm.churn.model.calibration"
    _description = "Churn Purchase Model Calibration"
    _order = "model_id, decile"

    model_id = fields.Many2one(
        "crm.churn.model", string="Purchase Model", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="model_id.company_id", store=True)
    decile = fields.Integer(
        string="Tenth",
        help="The customers of the calibration date ranked by the orders the model expected "
        "of them, in ten groups of equal size: 1 the fewest, 10 the most.",
    )
    customer_count = fields.Integer(string="Customers")
    predicted_low = fields.Float(
        string="Expected From",
        digits=(16, 2),
        help="The fewest orders the model expected of one customer of the group.",
    )
    predicted_high = fields.Float(
        string="Expected Up To",
        digits=(16, 2),
        help="The most orders the model expected of one customer of the group.",
    )
    predicted_orders = fields.Float(
        digits=(16, 1),
        aggregator="sum",
        help="The orders the model fitted on the older history expected of the group's "
        "customers (orders of one customer on one day count once).",
    )
    actual_orders = fields.Integer(
        aggregator="sum",
        help="The days the group's customers ordered on in the same period.",
    )

    @api.model
    def _get_calibration(self, company, as_of, summary):
        """Fits the purchase model on the history up to CALIBRATION_DAYS before as_of and
        compares its expected orders of the days that followed, up to as_of, with the purchase
        days the customers of then actually had (from `summary`, the customers as of as_of).

        Returns (calibration date, line values, notice): the customers of the calibration
        date split by expected orders into CALIBRATION_GROUPS groups of equal size (the
        fewest expected first, equal ones by customer), each with its predicted and actual
        orders; no line and a notice when no model fits the older history.
        """
        Model = self.env["crm.churn.model"]
        start = as_of - timedelta(days=CALIBRATION_DAYS)
        older = Model._get_summary(company, start)
        params, notice, _counts = Model._fit_details(company, start, older)
        if not params:
            return (
                start,
                [],
                self.env._(
                    "No calibration on the history up to %(date)s: %(reason)s",
                    date=start,
                    reason=notice,
                ),
            )
        predicted = churn_stats.finite(
            churn_stats.conditional_expected_purchases(
                params, CALIBRATION_DAYS / 7.0, older["x"], older["t_x"], older["T"]
            )
        )
        # purchase days after `start`: repeat purchase days now less those of then (every
        # customer of then is one of now, both ordered by partner id)
        now_ids = summary["partner_id"]
        index = np.minimum(np.searchsorted(now_ids, older["partner_id"]), len(now_ids) - 1)
        known = now_ids[index] == older["partner_id"]
        actual = np.where(known, summary["x"][index] - older["x"], 0.0)
        order = np.lexsort((older["partner_id"], predicted))
        lines = []
        for decile, group in enumerate(
            np.array_split(order, min(CALIBRATION_GROUPS, len(order))), start=1
        ):
            lines.append(
                {
                    "decile": decile,
                    "customer_count": len(group),
                    "predicted_low": float(predicted[group].min()),
                    "predicted_high": float(predicted[group].max()),
                    "predicted_orders": float(predicted[group].sum()),
                    "actual_orders": int(actual[group].sum()),
                }
            )
        return start, lines, ""

    def _render_chart(self, top):
        """These lines as a table: the predicted and the actual orders of each group as
        numbers and as bars on one scale (top: the largest figure), in the reader's language."""

        def bar(value, color):
            width = round(100.0 * value / top, 1)
            return Markup(
                '<div class="progress" style="height: 0.6rem;">'
                '<div class="progress-bar %s" role="progressbar" style="width: %s%%;"></div>'
                "</div>"
            ) % (color, width)

        def num(value, digits):
            return formatLang(self.env, value, digits=digits)

        head = Markup(
            "<thead><tr><th>%s</th><th class='text-end'>%s</th><th class='text-end'>%s</th>"
            "<th class='text-end'>%s</th><th class='w-50'></th></tr></thead>"
        ) % (
            self.env._("Customers by expected orders"),
            self.env._("Customers"),
            self.env._("Predicted orders"),
            self.env._("Actual orders"),
        )
        rows = []
        for line in self:
            rows.append(
                Markup(
                    "<tr class='o_crm_churn_calibration_row'><td>%s</td>"
                    "<td class='text-end'>%s</td><td class='text-end'>%s</td>"
                    "<td class='text-end'>%s</td><td>%s%s</td></tr>"
                )
                % (
                    self.env._(
                        "Tenth %(decile)s: %(low)s to %(high)s orders each",
                        decile=line.decile,
                        low=num(line.predicted_low, 2),
                        high=num(line.predicted_high, 2),
                    ),
                    num(line.customer_count, 0),
                    num(line.predicted_orders, 1),
                    num(line.actual_orders, 0),
                    bar(line.predicted_orders, "bg-info"),
                    bar(line.actual_orders, "bg-success"),
                )
            )
        legend = Markup(
            "<p class='text-muted small mb-0'><span class='badge text-bg-info'>%s</span> "
            "<span class='badge text-bg-success'>%s</span></p>"
        ) % (self.env._("Predicted"), self.env._("Actual"))
        table = Markup(
            "<table class='table table-sm o_crm_churn_calibration'>%s<tbody>%s</tbody></table>"
        ) % (head, Markup("").join(rows))
        return table + legend
