from odoo import api, fields, models
from odoo.exceptions import ValidationError

from odoo.addons.crm_lifecycle_tiering.models.lifecycle_data import MAX_PERIOD_DAYS, MAX_WEIGHT
from odoo.addons.crm_satisfaction.models.satisfaction_data import (
    NPS_DETRACTOR,
    TREND_DAYS,
    TREND_THRESHOLD,
)

from . import churn_data

# parameters a new signal starts with, per code (the ones its code does not read keep the
# field defaults)
SIGNAL_DEFAULTS = {
    churn_data.SIGNAL_OVERDUE: {"factor": 1.5},
    churn_data.SIGNAL_SPEND_DROP: {"period_days": 90, "threshold": 50.0},
    churn_data.SIGNAL_FREQUENCY_DROP: {"period_days": 90, "threshold": 50.0},
    churn_data.SIGNAL_COMPLAINTS: {"period_days": 90, "min_count": 2},
    churn_data.SIGNAL_LOW_SATISFACTION: {"threshold": 2.0},
    churn_data.SIGNAL_NO_ENGAGEMENT: {"period_days": 90},
    churn_data.SIGNAL_P_ALIVE: {"threshold": 0.3},
}


class CrmChurnSignal(models.Model):
    _name = "crm.churn.signal"
    _description = "Churn Signal"
    _order = "sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    code = fields.Selection(churn_data.SIGNAL_CODES, required=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    weight = fields.Float(
        default=1.0,
        help="Share of the signals' part of the churn score this signal carries when it triggers "
        "(two thirds at its threshold, all of it well past), relative to the weights of the other "
        "active signals. The statistical signal has no weight: the purchase model's probability "
        "that the customer stopped buying is the base of the score.",
    )
    description = fields.Text(translate=True)
    company_id = fields.Many2one(
        "res.company",
        help="Leave empty to use the signal in every company.",
    )
    # parameters; which ones a signal reads depends on its code (see the form)
    factor = fields.Float(
        default=1.5,
        help="Overdue: a customer is overdue when the days since the last order exceed this "
        "many times the customer's usual interval between orders.",
    )
    period_days = fields.Integer(
        string="Period (days)",
        default=90,
        help="Spend and frequency drop: the last N days are compared with the N days before. "
        "Complaints: the period in which complaints are counted. No engagement: days without a "
        "message, activity or meeting.",
    )
    threshold = fields.Float(
        default=50.0,
        help="Spend and frequency drop: the drop in percent that triggers the signal. Low "
        "satisfaction: the highest last CSAT (1-5) that triggers it. Statistical: the "
        "probability alive (0-1) below which it triggers.",
    )
    min_count = fields.Integer(
        string="Minimum Count",
        default=2,
        help="Complaints: the number of complaints within the period that triggers the signal.",
    )

    _weight_positive = models.Constraint(
        "CHECK(weight > 0)",
        "A signal's weight must be greater than zero; archive the signal to switch it off.",
    )
    _factor_positive = models.Constraint(
        "CHECK(factor > 0)", "The overdue factor must be greater than zero."
    )
    _period_days_positive = models.Constraint(
        "CHECK(period_days > 0)", "A signal's period must be at least one day."
    )
    _threshold_positive = models.Constraint(
        "CHECK(threshold >= 0)", "A signal's threshold cannot be negative."
    )
    _min_count_positive = models.Constraint(
        "CHECK(min_count > 0)", "A signal's minimum count must be at least one."
    )
    # upper bounds; they also refuse NaN and infinity, which PostgreSQL sorts above every number
    _weight_max = models.Constraint(
        f"CHECK(weight <= {MAX_WEIGHT})", "A signal's weight cannot exceed 100."
    )
    _period_days_max = models.Constraint(
        f"CHECK(period_days <= {MAX_PERIOD_DAYS})",
        "A signal's period cannot exceed 3650 days (ten years).",
    )
    _parameters_max = models.Constraint(
        "CHECK(factor <= 100 AND threshold <= 100)",
        "A signal's factor and threshold cannot exceed 100.",
    )
    _code_company_uniq = models.UniqueIndex(
        "(code, COALESCE(company_id, 0))",
        "Each signal can be configured once per company.",
    )

    @api.onchange("code")
    def _onchange_code(self):
        """Sensible parameters for the chosen kind of signal, and its name when empty."""
        for signal in self.filtered("code"):
            signal.update(SIGNAL_DEFAULTS.get(signal.code, {}))
            if not signal.name:
                signal.name = dict(self._fields["code"]._description_selection(self.env)).get(
                    signal.code
                )

    @api.constrains("code", "threshold")
    def _check_threshold(self):
        for signal in self:
            if signal.code in (
                churn_data.SIGNAL_SPEND_DROP,
                churn_data.SIGNAL_FREQUENCY_DROP,
            ) and not (0 < signal.threshold <= 100):
                raise ValidationError(
                    self.env._(
                        "The drop threshold of %(signal)s is a percentage between 1 and 100.",
                        signal=signal.name,
                    )
                )
            if signal.code == churn_data.SIGNAL_LOW_SATISFACTION and not 1 <= signal.threshold <= 5:
                raise ValidationError(
                    self.env._(
                        "The CSAT threshold of %(signal)s must lie between 1 and 5.",
                        signal=signal.name,
                    )
                )
            if signal.code == churn_data.SIGNAL_P_ALIVE and not 0 < signal.threshold < 1:
                raise ValidationError(
                    self.env._(
                        "The probability threshold of %(signal)s must lie between 0 and 1, "
                        "e.g. 0.3.",
                        signal=signal.name,
                    )
                )

    # ------------------------------------------------------------------ the company's signals
    @api.model
    def _get_signals(self, company, with_model=True):
        """The signals that count in the company, by code: a company's own signal replaces the
        shared one of the same code (an archived one switches the code off in that company).
        Without a fitted model the statistical signal does not count."""
        found = (
            self.sudo()
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
            if signal.active and (with_model or code != churn_data.SIGNAL_P_ALIVE)
        }

    # ------------------------------------------------------------------ evaluation
    # What each signal finds in one customer's data and how strongly it counts: crm.churn.engine
    # gathers the data of its run and calls these for every customer it scores.
    def _evaluate(self, ctx, data):
        """Every counting signal of the run (ctx, see crm.churn.engine's ScoreContext) evaluated
        for one customer's data: the reasons of the signals that triggered, in signal order."""
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
        return reasons

    def _get_evaluators(self):
        """{signal code: method(ctx, signal, data) -> (value, parts) or None}, the parts being
        the [reason code, {figure: value}] pairs of what the signal found (see REASON_FIGURES);
        a module adding a code adds its method here."""
        return {
            churn_data.SIGNAL_OVERDUE: self._evaluate_overdue,
            churn_data.SIGNAL_SPEND_DROP: self._evaluate_drop,
            churn_data.SIGNAL_FREQUENCY_DROP: self._evaluate_drop,
            churn_data.SIGNAL_COMPLAINTS: self._evaluate_complaints,
            churn_data.SIGNAL_LOW_SATISFACTION: self._evaluate_low_satisfaction,
            churn_data.SIGNAL_NO_ENGAGEMENT: self._evaluate_no_engagement,
            churn_data.SIGNAL_P_ALIVE: self._evaluate_p_alive,
        }

    def _evaluate_overdue(self, ctx, signal, data):
        """Days since the last order against the customer's mean interval between order days,
        or the company's median interval for a customer who ordered on one day only."""
        days = (ctx.as_of - data["last_day"]).days
        if data["day_count"] > 1:
            interval = (data["last_day"] - data["first_day"]).days / (data["day_count"] - 1)
            code = churn_data.REASON_OVERDUE
        else:
            interval = ctx.median_interval
            code = churn_data.REASON_OVERDUE_MEDIAN
        if not interval or days <= signal["factor"] * interval:
            return None
        return float(days), [[code, {"days": days, "interval": round(float(interval), 2)}]]

    def _evaluate_drop(self, ctx, signal, data):
        """Spend or number of orders of the last N days against the N days before, in percent
        of the earlier figure (a customer without anything before cannot drop)."""
        if signal["code"] == churn_data.SIGNAL_SPEND_DROP:
            recent, before = float(data["spend_recent"]), float(data["spend_before"])
            code, extra = churn_data.REASON_SPEND_DROP, {"currency_id": ctx.currency_id}
        else:
            recent, before = float(data["count_recent"]), float(data["count_before"])
            code, extra = churn_data.REASON_FREQUENCY_DROP, {}
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
            found.append(
                (open_critical, [churn_data.REASON_COMPLAINTS_OPEN, {"count": open_critical}])
            )
        if recent >= signal["min_count"]:
            found.append(
                (
                    recent,
                    [
                        churn_data.REASON_COMPLAINTS_RECENT,
                        {"count": recent, "days": signal["period_days"]},
                    ],
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
            found.append((csat, [churn_data.REASON_CSAT, {"csat": csat}]))
        if data["nps_category"] == NPS_DETRACTOR:
            nps = data["nps_last"] or 0
            found.append((nps, [churn_data.REASON_NPS, {"nps": nps}]))
        recent, previous = data["recent_avg"], data["previous_avg"]
        if recent is not None and previous is not None and previous - recent > TREND_THRESHOLD:
            found.append(
                (
                    round(previous - recent, 1),
                    [
                        churn_data.REASON_TREND,
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
            days, code = (ctx.as_of - engaged).days, churn_data.REASON_NO_ENGAGEMENT
        else:
            days, code = (ctx.as_of - first).days, churn_data.REASON_ENGAGEMENT_NEVER
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
        return round(p_alive, 3), [[churn_data.REASON_P_ALIVE, figures]]

    @api.model
    def _join(self, ctx, found):
        """One reason from the parts of a signal that triggered: the first part's figure and
        every part."""
        if not found:
            return None
        return float(found[0][0]), [part for _value, part in found]

    def _get_strengths(self):
        """{signal code: method(ctx, signal, data) -> strength 0-1 of a triggered signal}; a
        code without one counts fully when it triggers."""
        return {
            churn_data.SIGNAL_OVERDUE: self._strength_overdue,
            churn_data.SIGNAL_SPEND_DROP: self._strength_drop,
            churn_data.SIGNAL_FREQUENCY_DROP: self._strength_drop,
            churn_data.SIGNAL_NO_ENGAGEMENT: self._strength_no_engagement,
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
        if signal["code"] == churn_data.SIGNAL_SPEND_DROP:
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
