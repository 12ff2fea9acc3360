from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .satisfaction_data import INDICATOR_RANGES, INDICATORS


class SurveyQuestion(models.Model):
    _inherit = "survey.question"

    crm_indicator = fields.Selection(
        INDICATORS,
        string="Satisfaction Indicator",
        help="Answers to this scale question feed the customer's satisfaction indicators.",
    )

    @api.constrains("crm_indicator", "question_type", "scale_min", "scale_max")
    def _check_crm_indicator(self):
        for question in self.filtered("crm_indicator"):
            low, high = INDICATOR_RANGES[question.crm_indicator]
            if question.question_type != "scale" or (question.scale_min, question.scale_max) != (
                low,
                high,
            ):
                raise ValidationError(
                    self.env._(
                        "The question %(question)s feeds an indicator: it must be a scale "
                        "from %(low)s to %(high)s.",
                        question=question.title,
                        low=low,
                        high=high,
                    )
                )
