import random
from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

# (score weights) of the demo answers: mostly happy customers, a tail of unhappy ones
_NPS_WEIGHTS = [2, 1, 1, 1, 2, 3, 4, 10, 14, 16, 12]
_CSAT_WEIGHTS = [3, 5, 12, 35, 30]
_DEMO_COMMENTS = [
    "Fast delivery, thank you.",
    "The sales team is very responsive.",
    "Invoices are hard to read.",
    "Delivery was late twice this quarter.",
    False,
    False,
]


class CrmSatisfactionDemo(models.AbstractModel):
    _name = "crm.satisfaction.demo"
    _description = "Customer Satisfaction Demo Data"

    @api.model
    def _load_demo_survey_answers(self, count=150):
        """Answers to the two demo campaigns from the tiering demo customers, spread over the
        last six months, filled through the survey app as invited customers do."""
        rng = random.Random(19)
        company = self.env.ref("base.main_company")
        partners = (
            self.env["res.partner"]
            .with_company(company)
            .search([("crm_lifecycle_stage", "!=", False), ("email", "!=", False)], order="id")
        )
        campaigns = [
            self.env.ref("crm_satisfaction.crm_satisfaction_campaign_demo_nps"),
            self.env.ref("crm_satisfaction.crm_satisfaction_campaign_demo_csat"),
        ]
        if not partners:
            return
        today = fields.Date.context_today(self)
        for index in range(count):
            campaign = campaigns[index % 2]
            partner = partners[rng.randrange(len(partners))]
            question = campaign.survey_id.question_ids.filtered("crm_indicator")
            comment_question = campaign.survey_id.question_ids - question
            weights = _NPS_WEIGHTS if question.crm_indicator == "nps" else _CSAT_WEIGHTS
            score = rng.choices(range(question.scale_min, question.scale_max + 1), weights)[0]
            user_input = campaign.survey_id.sudo()._create_answer(
                partner=partner,
                check_attempts=False,
                crm_campaign_id=campaign.id,
                crm_company_id=company.id,
            )
            user_input._save_lines(question, str(score))
            comment = rng.choice(_DEMO_COMMENTS)
            if comment and comment_question:
                user_input._save_lines(comment_question[0], comment)
            user_input.with_context(mail_notrack=True)._mark_done()
            days_ago = rng.randrange(1, 180)
            response = self.env["crm.satisfaction.response"].search(
                [("user_input_id", "=", user_input.id)]
            )
            response.date = today - timedelta(days=days_ago)
            user_input.flush_recordset()
            self.env.cr.execute(
                SQL(
                    "UPDATE survey_user_input SET create_date = %s, end_datetime = %s"
                    " WHERE id = %s",
                    fields.Datetime.now() - timedelta(days=days_ago + 2),
                    fields.Datetime.now() - timedelta(days=days_ago),
                    user_input.id,
                )
            )
        self.env["survey.user_input"].invalidate_model(["create_date", "end_datetime"])
        self.env["res.partner"]._crm_refresh_satisfaction(partners, company)
