"""The configuration a churn backtest replayed, kept with it so that runs can be compared: the
signals that counted with their weights and parameters, the level thresholds and the related
company settings, as data and as text in the reader's language."""

from odoo import api, models

from . import churn_data

# the parameters each signal reads (the others are left out of the configuration snapshot)
SIGNAL_PARAMETERS = {
    churn_data.SIGNAL_OVERDUE: ("factor",),
    churn_data.SIGNAL_SPEND_DROP: ("period_days", "threshold"),
    churn_data.SIGNAL_FREQUENCY_DROP: ("period_days", "threshold"),
    churn_data.SIGNAL_COMPLAINTS: ("period_days", "min_count"),
    churn_data.SIGNAL_LOW_SATISFACTION: ("threshold",),
    churn_data.SIGNAL_NO_ENGAGEMENT: ("period_days",),
    churn_data.SIGNAL_P_ALIVE: ("threshold",),
}


class CrmChurnBacktest(models.Model):
    _inherit = "crm.churn.backtest"

    # ------------------------------------------------------------------ configuration snapshot
    @api.model
    def _get_configuration(self, company, min_level, with_model=True):
        """The settings the replay ran with: the signals that counted (as the engine chooses
        them), level thresholds and the related company settings."""
        chosen = self.env["crm.churn.signal"]._get_signals(company, with_model=with_model)
        signals = (
            self.env["crm.churn.signal"]
            .sudo()
            .browse([signal["id"] for signal in chosen.values()])
            .sorted(lambda signal: (signal.sequence, signal.id))
        )
        return {
            "signals": [
                {
                    "code": signal.code,
                    "name": signal.name,
                    "weight": signal.weight,
                    "company_specific": bool(signal.company_id),
                    **{name: signal[name] for name in SIGNAL_PARAMETERS.get(signal.code, ())},
                }
                for signal in signals
            ],
            "levels": {
                "low": company.crm_churn_level_low,
                "medium": company.crm_churn_level_medium,
                "high": company.crm_churn_level_high,
            },
            "warning_level": company.crm_churn_warning_level,
            "min_level": min_level,
            "value_source": company.crm_value_source,
            "churn_days": company.crm_churn_days,
            "statistical_model": with_model,
        }

    @api.model
    def _format_signal_summary(self, configuration):
        return ", ".join(
            f"{signal['name']} {signal['weight']:g}" for signal in configuration["signals"]
        )

    @api.model
    def _format_configuration(self, configuration):
        env = self.env
        levels = dict(self._fields["min_level"]._description_selection(env))
        sources = dict(
            self.env["res.company"]._fields["crm_value_source"]._description_selection(env)
        )
        thresholds = configuration["levels"]
        parameter_texts = {
            "factor": env._("factor %(value)s"),
            "period_days": env._("period %(value)s days"),
            "threshold": env._("threshold %(value)s"),
            "min_count": env._("at least %(value)s complaints"),
        }
        lines = [
            env._(
                "Levels: low from %(low)s, medium from %(medium)s, high from %(high)s; "
                "flagged from %(level)s",
                low=f"{thresholds['low']:g}",
                medium=f"{thresholds['medium']:g}",
                high=f"{thresholds['high']:g}",
                level=levels.get(configuration["min_level"], configuration["min_level"]),
            ),
            env._(
                "Value source: %(value_source)s; churned after %(days)s days without order",
                value_source=sources.get(
                    configuration["value_source"], configuration["value_source"]
                ),
                days=configuration["churn_days"],
            ),
        ]
        if not configuration.get("statistical_model", True):
            lines.append(
                env._(
                    "No statistical model as of the date (too little history): the probability "
                    "alive signal did not count"
                )
            )
        lines.append(env._("Signals:"))
        for signal in configuration["signals"]:
            parameters = [
                parameter_texts[name] % {"value": f"{signal[name]:g}"}
                for name in SIGNAL_PARAMETERS.get(signal["code"], ())
                if name in signal
            ]
            text = env._(
                "- %(signal)s, weight %(weight)s",
                signal=signal["name"],
                weight=f"{signal['weight']:g}",
            )
            lines.append(f"{text}: {', '.join(parameters)}" if parameters else text)
        if not configuration["signals"]:
            lines.append(env._("- none active"))
        return "\n".join(lines)
