"""Churn reasons in words, in the reader's language.

The scoring stores what each signal found as codes with their figures (see REASON_FIGURES in
churn_data); the customer's reasons, a warning's reason summary and its reason lines, and the
exports write them in words only when they are read, in the language of the environment that
reads them, with numbers and amounts formatted as that language formats them. A module
adding a reason code adds its template in ``_get_templates`` and its figures in
``_get_figures``.
"""

import json

from odoo import api, models

from . import churn_data


class CrmChurnReason(models.AbstractModel):
    _name = "crm.churn.reason"
    _description = "Churn Reasons in Words"

    @api.model
    def _get_templates(self):
        """{reason code: sentence with %(figure)s placeholders}, in the language of the
        environment."""
        return {
            churn_data.REASON_OVERDUE: self.env._(
                "No order for %(days)s days; usual interval %(interval)s days"
            ),
            churn_data.REASON_OVERDUE_MEDIAN: self.env._(
                "No order for %(days)s days; usual interval %(interval)s days (median of the "
                "company's customers, a single order so far)"
            ),
            churn_data.REASON_SPEND_DROP: self.env._(
                "Spend down %(drop)s%% in the last %(days)s days: %(recent)s against %(before)s "
                "the %(days)s days before"
            ),
            churn_data.REASON_FREQUENCY_DROP: self.env._(
                "Orders down %(drop)s%% in the last %(days)s days: %(recent)s against "
                "%(before)s the %(days)s days before"
            ),
            churn_data.REASON_COMPLAINTS_OPEN: self.env._(
                "Open complaints that are urgent or past their SLA: %(count)s"
            ),
            churn_data.REASON_COMPLAINTS_RECENT: self.env._(
                "Complaints in the last %(days)s days: %(count)s"
            ),
            churn_data.REASON_CSAT: self.env._("Last satisfaction rating %(csat)s/5"),
            churn_data.REASON_NPS: self.env._("Last recommendation score %(nps)s/10 (detractor)"),
            churn_data.REASON_TREND: self.env._(
                "Satisfaction falling: %(recent)s/100 in the last %(days)s days against "
                "%(previous)s/100 the %(days)s days before"
            ),
            churn_data.REASON_NO_ENGAGEMENT: self.env._(
                "No message, activity or meeting for %(days)s days"
            ),
            churn_data.REASON_ENGAGEMENT_NEVER: self.env._(
                "No message, activity or meeting since the first order %(days)s days ago"
            ),
            churn_data.REASON_P_ALIVE: self.env._(
                "Probability of still being an active customer %(p)s%% (below %(threshold)s%%)"
            ),
        }

    @api.model
    def _get_figures(self):
        """{reason code: {figure: how it is written}} (see churn_data.REASON_FIGURES)."""
        return churn_data.REASON_FIGURES

    @api.model
    def _get_renderer(self):
        """A function writing reasons in the language of the environment: render(document)
        for a reason document (a list or its JSON text), render(parts, line=True) for the
        parts of one signal. Templates are translated, and each distinct figure formatted
        (by crm.value.reason's figure formatter), once per renderer: one renderer writes the
        reasons of thousands of records."""
        templates = self._get_templates()
        kinds = self._get_figures()
        separator = self.env._("; ")
        # what a reason's signal adds to a learned churn risk, in points of probability
        points_template = self.env._(" (+%(points)s points)")
        # figures are written as the customer value reasons write theirs (whole numbers,
        # amounts in their currency), each distinct one formatted once
        number = self.env["crm.value.reason"]._get_figure_formatter()

        def figure(kind, value, currency_id):
            if kind == churn_data.FIGURE_MONEY:
                return number(value, currency_id=currency_id)
            if kind == churn_data.FIGURE_PERCENT:
                return number(100.0 * (value or 0.0))
            return number(value)

        def part(code, figures):
            template = templates.get(code)
            if template is None:
                return ""
            currency_id = figures.get("currency_id")
            text = template % {
                name: figure(kind, figures.get(name), currency_id)
                for name, kind in kinds.get(code, {}).items()
            }
            if figures.get("points"):
                text += points_template % {"points": number(figures["points"])}
            return text

        def render(document, line=False):
            if not document:
                return ""
            if isinstance(document, str):
                document = json.loads(document)
            if line:
                return separator.join(filter(None, (part(*p) for p in document)))
            return "\n".join(
                filter(
                    None,
                    (
                        separator.join(filter(None, (part(*p) for p in parts)))
                        for _signal, parts in document
                    ),
                )
            )

        return render

    @api.model
    def _render(self, document):
        """The reasons of ``document`` in words, one line per signal."""
        return self._get_renderer()(document)
