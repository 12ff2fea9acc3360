from odoo import api, fields, models
from odoo.exceptions import ValidationError

from odoo.addons.crm_lifecycle_tiering.models.lifecycle_data import MAX_PERIOD_DAYS, MAX_WEIGHT

from .churn_data import (
    SIGNAL_CODES,
    SIGNAL_COMPLAINTS,
    SIGNAL_FREQUENCY_DROP,
    SIGNAL_LOW_SATISFACTION,
    SIGNAL_NO_ENGAGEMENT,
    SIGNAL_OVERDUE,
    SIGNAL_P_ALIVE,
    SIGNAL_SPEND_DROP,
)

# parameters a new signal starts with, per code (the ones its code does not read keep the
# field defaults)
SIGNAL_DEFAULTS = {
    SIGNAL_OVERDUE: {"factor": 1.5},
    SIGNAL_SPEND_DROP: {"period_days": 90, "threshold": 50.0},
    SIGNAL_FREQUENCY_DROP: {"period_days": 90, "threshold": 50.0},
    SIGNAL_COMPLAINTS: {"period_days": 90, "min_count": 2},
    SIGNAL_LOW_SATISFACTION: {"threshold": 2.0},
    SIGNAL_NO_ENGAGEMENT: {"period_days": 90},
    SIGNAL_P_ALIVE: {"threshold": 0.3},
}


class CrmChurnSignal(models.Model):
    _name = "crm.churn.signal"
    _description = "Churn Signal"
    _order = "sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    code = fields.Selection(SIGNAL_CODES, required=True)
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
            if signal.code in (SIGNAL_SPEND_DROP, SIGNAL_FREQUENCY_DROP) and not (
                0 < signal.threshold <= 100
            ):
                raise ValidationError(
                    self.env._(
                        "The drop threshold of %(signal)s is a percentage between 1 and 100.",
                        signal=signal.name,
                    )
                )
            if signal.code == SIGNAL_LOW_SATISFACTION and not 1 <= signal.threshold <= 5:
                raise ValidationError(
                    self.env._(
                        "The CSAT threshold of %(signal)s must lie between 1 and 5.",
                        signal=signal.name,
                    )
                )
            if signal.code == SIGNAL_P_ALIVE and not 0 < signal.threshold < 1:
                raise ValidationError(
                    self.env._(
                        "The probability threshold of %(signal)s must lie between 0 and 1, "
                        "e.g. 0.3.",
                        signal=signal.name,
                    )
                )
