"""Keys of the follow-up visits, shared by fields, views, crons and tests."""

FOLLOWUP_ACTIVITY_TYPE_XMLID = "crm_satisfaction.mail_activity_type_crm_followup"

OUTCOME_VISITED = "visited"
OUTCOME_CALLED = "called"
OUTCOME_MEETING = "meeting"
OUTCOME_NO_ANSWER = "no_answer"
OUTCOME_POSTPONED = "postponed"
FOLLOWUP_OUTCOMES = [
    (OUTCOME_VISITED, "Visited"),
    (OUTCOME_CALLED, "Called"),
    (OUTCOME_MEETING, "Online meeting"),
    (OUTCOME_NO_ANSWER, "No answer"),
    (OUTCOME_POSTPONED, "Postponed by the customer"),
]
# the outcomes of a follow-up that reached the customer: it may record their answers
ANSWERED_OUTCOMES = (OUTCOME_VISITED, OUTCOME_CALLED, OUTCOME_MEETING)
# the answers a follow-up records (selections: an empty answer is not 0)
FOLLOWUP_CSAT_ANSWERS = [(str(value), str(value)) for value in range(1, 6)]
FOLLOWUP_NPS_ANSWERS = [(str(value), str(value)) for value in range(0, 11)]

# default number of days between the first purchase and the first follow-up
FOLLOWUP_FIRST_DAYS = 7
# existing customers' first follow-up: start date + 1 + (partner id × this) mod the tier's
# interval; a prime, so that consecutive ids fall on different days of the interval
FOLLOWUP_SPREAD_FACTOR = 7919
# default number of days ahead the cron schedules follow-up activities
FOLLOWUP_HORIZON_DAYS = 7
# partners written or activities created per committed batch
FOLLOWUP_BATCH_SIZE = 1000

# res.partner values the follow-up scheduler computes (per company), by SQL
PARTNER_FOLLOWUP_FIELDS = frozenset({"crm_followup_last_date", "crm_followup_next_date"})
