"""Demo data: the answers to the demo satisfaction campaigns and the customers' follow-ups.

Called once, at install with demo data, from demo/crm_satisfaction_survey_demo.xml and
demo/crm_followup_demo.xml.
"""

import random
from datetime import time, timedelta

from ..models.crm_followup import FOLLOWUP_STAGES
from ..models.followup_data import (
    FOLLOWUP_ACTIVITY_TYPE_XMLID,
    OUTCOME_CALLED,
    OUTCOME_MEETING,
    OUTCOME_NO_ANSWER,
    OUTCOME_VISITED,
)

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

# follow-ups done: (outcome, weight, notes the salesperson wrote)
_FOLLOWUP_OUTCOMES = [
    (
        OUTCOME_VISITED,
        4,
        [
            "Visited the office; the new desks are in use and the team is happy with them.",
            "Walked through the meeting rooms with the facility manager; two chairs to "
            "replace under warranty.",
            "Met the new purchasing manager and presented the autumn range.",
        ],
    ),
    (
        OUTCOME_CALLED,
        4,
        [
            "Called the purchasing manager: deliveries on time, next order expected next month.",
            "Phone call: asked for a quotation for a second floor.",
            "Checked in by phone; no open question.",
        ],
    ),
    (
        OUTCOME_MEETING,
        3,
        [
            "Online meeting on next quarter's needs; a quotation follows.",
            "Video call with the office manager about the hybrid-work equipment.",
        ],
    ),
    (OUTCOME_NO_ANSWER, 1, ["No answer; left a voicemail and sent an e-mail."]),
]
# follow-up history kept in the demo, and the few customers left slightly overdue
_FOLLOWUP_HISTORY_DAYS = 720
_FOLLOWUP_OVERDUE_CUSTOMERS = 3


class CrmSatisfactionDemo:
    def __init__(self, env):
        self.env = env

    def _demo_moment(self, company, day, hour):
        """The stored (naive UTC) datetime of `hour` o'clock on `day` in the company's zone."""
        return company._crm_utc(day, time(hour))

    def _demo_working_day(self, day):
        """The day, or the Friday before when it falls on a weekend."""
        return day - timedelta(days=max(day.weekday() - 4, 0))

    def _load_demo_survey_answers(self, count=150):
        """Answers to the two demo campaigns from the tiering demo customers, spread over the
        last six months (days of the company), filled through the survey app as invited
        customers do; both campaigns are then closed, their figures kept."""
        rng = random.Random(19)
        company = self.env.ref("base.main_company")
        partners = (
            self.env["res.partner"]
            .with_company(company)
            .search([("crm_lifecycle_stage", "!=", False), ("email", "!=", False)], order="id")
        )
        campaigns = self.env.ref(
            "crm_satisfaction.crm_satisfaction_campaign_demo_nps"
        ) | self.env.ref("crm_satisfaction.crm_satisfaction_campaign_demo_csat")
        if not partners:
            return
        today = company._crm_today()
        for index in range(count):
            campaign = campaigns[index % 2]
            partner = partners[rng.randrange(len(partners))]
            question = campaign.survey_id.question_ids.filtered("crm_indicator")
            comment_question = campaign.survey_id.question_ids - question
            weights = _NPS_WEIGHTS if question.crm_indicator == "nps" else _CSAT_WEIGHTS
            score = rng.choices(range(question.scale_min, question.scale_max + 1), weights)[0]
            comment = rng.choice(_DEMO_COMMENTS)
            day = today - timedelta(days=rng.randrange(1, 180))
            answered = self._demo_moment(company, day, rng.randint(8, 19))
            # invited two days before answering: the superuser loading the demo may date the
            # creation of a record
            user_input = campaign.survey_id.sudo()._create_answer(
                partner=partner,
                check_attempts=False,
                crm_campaign_id=campaign.id,
                crm_company_id=company.id,
                create_date=answered - timedelta(days=2),
            )
            user_input._save_lines(question, str(score))
            if comment and comment_question:
                user_input._save_lines(comment_question[0], comment)
            user_input.with_context(mail_notrack=True)._mark_done()
            user_input.end_datetime = answered
            response = self.env["crm.satisfaction.response"].search(
                [("user_input_id", "=", user_input.id)]
            )
            response.date = day
        self.env["res.partner"]._crm_refresh_satisfaction(partners, company)
        campaigns.action_close()

    def _load_demo_followups(self):
        """Follow-ups of the buying customers, as a company that works them would have done:
        one at each interval of their tier since their first purchase, done by their
        salesperson with an outcome and a note; the last ones recent enough that the next ones
        fall due over the coming interval, a few customers a day or so overdue. The scheduler
        then plans the activities due within the company's horizon."""
        rng = random.Random(23)
        company = self.env.ref("base.main_company")
        today = company._crm_today()
        customers = (
            self.env["res.partner"]
            .with_company(company)
            .search(
                [
                    ("crm_lifecycle_stage", "in", FOLLOWUP_STAGES),
                    ("crm_first_order_date", "!=", False),
                ],
                order="id",
            )
            .filtered(lambda customer: customer.crm_tier_id.followup_interval_days > 0)
        )
        if not customers:
            return
        overdue = set(rng.sample(customers.ids, min(_FOLLOWUP_OVERDUE_CUSTOMERS, len(customers))))
        activity_type = self.env.ref(FOLLOWUP_ACTIVITY_TYPE_XMLID)
        admin = self.env.ref("base.user_admin")
        outcomes = [outcome for outcome, _weight, _notes in _FOLLOWUP_OUTCOMES]
        weights = [weight for _outcome, weight, _notes in _FOLLOWUP_OUTCOMES]
        notes = {outcome: texts for outcome, _weight, texts in _FOLLOWUP_OUTCOMES}
        vals_list = []
        for customer in customers:
            interval = customer.crm_tier_id.followup_interval_days
            first = max(
                customer.crm_first_order_date + timedelta(days=company.crm_followup_first_days),
                today - timedelta(days=_FOLLOWUP_HISTORY_DAYS),
            )
            if customer.id in overdue:
                last = today - timedelta(days=interval + 1)
            else:
                # the next follow-up falls due within the coming interval (on a working day,
                # up to two days earlier)
                last = today - timedelta(days=rng.randint(1, max(interval - 3, 1)))
            last = self._demo_working_day(max(last, first))
            if last >= today:
                continue  # a newcomer: its first follow-up is still ahead
            days = [last]
            while (
                day := self._demo_working_day(
                    days[-1] - timedelta(days=interval + rng.randint(-3, 3))
                )
            ) >= first:
                days.append(day)
            for day in days:
                outcome = rng.choices(outcomes, weights)[0]
                vals_list.append(
                    {
                        "partner_id": customer.id,
                        "company_id": company.id,
                        "date": day,
                        "user_id": (customer.user_id or admin).id,
                        "activity_type_id": activity_type.id,
                        "summary": activity_type.summary,
                        "outcome": outcome,
                        "note": rng.choice(notes[outcome]),
                    }
                )
        Followup = self.env["crm.followup"].with_company(company)
        Followup.create(vals_list)
        Followup._schedule_followups(company)
