"""Keys and thresholds of the satisfaction indicators, shared by fields, views, crons and tests
(one place, as rating_data does for grades)."""

INDICATOR_CSAT = "csat"
INDICATOR_NPS = "nps"
INDICATOR_CES = "ces"
INDICATORS = [
    (INDICATOR_CSAT, "CSAT (satisfaction, 1-5)"),
    (INDICATOR_NPS, "NPS (likelihood to recommend, 0-10)"),
    (INDICATOR_CES, "CES (customer effort, 1-7)"),
]
# answer scales of each indicator, inclusive
CSAT_MIN, CSAT_MAX = 1, 5
NPS_MIN, NPS_MAX = 0, 10
CES_MIN, CES_MAX = 1, 7
INDICATOR_RANGES = {
    INDICATOR_CSAT: (CSAT_MIN, CSAT_MAX),
    INDICATOR_NPS: (NPS_MIN, NPS_MAX),
    INDICATOR_CES: (CES_MIN, CES_MAX),
}

# CSAT: a customer is satisfied from 4 of 5; unhappy up to 2
CSAT_SATISFIED_MIN = 4
CSAT_UNHAPPY_MAX = 2
CSAT_SATISFIED_VALUE = 100  # csat_satisfied: average of the measure = CSAT %

# NPS: promoters 9-10, passives 7-8, detractors 0-6 (0 is a valid answer)
NPS_PROMOTER = "promoter"
NPS_PASSIVE = "passive"
NPS_DETRACTOR = "detractor"
NPS_CATEGORIES = [
    (NPS_PROMOTER, "Promoter"),
    (NPS_PASSIVE, "Passive"),
    (NPS_DETRACTOR, "Detractor"),
]
NPS_PROMOTER_MIN = 9
NPS_PASSIVE_MIN = 7
# nps_value of each category: the average of the measure is the NPS (-100..+100)
NPS_CATEGORY_VALUES = {NPS_PROMOTER: 100, NPS_PASSIVE: 0, NPS_DETRACTOR: -100}


def nps_category(score):
    """Category of an NPS answer; None when there is no answer (0 is a detractor)."""
    if score is None or score is False:
        return None
    if score >= NPS_PROMOTER_MIN:
        return NPS_PROMOTER
    if score >= NPS_PASSIVE_MIN:
        return NPS_PASSIVE
    return NPS_DETRACTOR


# trend: average satisfaction score (0-100) of the last TREND_DAYS vs the TREND_DAYS before
TREND_DAYS = 90
TREND_THRESHOLD = 5.0
TREND_UP = "up"
TREND_DOWN = "down"
TREND_STABLE = "stable"
TRENDS = [
    (TREND_UP, "Improving"),
    (TREND_STABLE, "Stable"),
    (TREND_DOWN, "Declining"),
]

TRIGGER_MANUAL = "manual"
TRIGGER_PERIODIC = "periodic"
TRIGGER_ORDER_CONFIRMED = "order_confirmed"
TRIGGER_ORDER_DELIVERED = "order_delivered"
TRIGGER_ORDER_INVOICED = "order_invoiced"
TRIGGER_COMPLAINT_CLOSED = "complaint_closed"
CAMPAIGN_TRIGGERS = [
    (TRIGGER_MANUAL, "Manual"),
    (TRIGGER_PERIODIC, "Periodic"),
    (TRIGGER_ORDER_CONFIRMED, "After a sale order is confirmed"),
    (TRIGGER_ORDER_DELIVERED, "After a sale order is delivered (committed date)"),
    (TRIGGER_ORDER_INVOICED, "After a sale order is invoiced"),
    (TRIGGER_COMPLAINT_CLOSED, "When a complaint is closed"),
]
ORDER_TRIGGERS = (TRIGGER_ORDER_CONFIRMED, TRIGGER_ORDER_DELIVERED, TRIGGER_ORDER_INVOICED)
# an order whose survey date was missed by the cron (server down) is still surveyed this long after
ORDER_CATCH_UP_DAYS = 7

# a campaign runs (its invitations, reminders and triggers are sent) until it is closed; a closed
# campaign keeps its answers and figures, and is archived only by hand
CAMPAIGN_RUNNING = "running"
CAMPAIGN_CLOSED = "closed"
CAMPAIGN_STATES = [
    (CAMPAIGN_RUNNING, "Running"),
    (CAMPAIGN_CLOSED, "Closed"),
]

DEFAULT_FATIGUE_DAYS = 30
DEFAULT_WINDOW_DAYS = 365
# customers invited (or reminded) per committed batch of the campaign cron
CAMPAIGN_BATCH_SIZE = 500

# res.partner values computed from the survey responses (per company); only the refresh writes
# them
PARTNER_SATISFACTION_FIELDS = frozenset(
    {
        "crm_csat_last",
        "crm_csat_avg",
        "crm_nps_last",
        "crm_nps_category",
        "crm_satisfaction_trend",
        "crm_last_surveyed_date",
        "crm_response_count",
        "crm_nps_promoter_count",
        "crm_nps_passive_count",
        "crm_nps_detractor_count",
    }
)


def net_promoter_score(promoters, passives, detractors):
    """The Net Promoter Score of these answer counts: % promoters - % detractors (-100..+100),
    None without any answer."""
    total = promoters + passives + detractors
    if not total:
        return None
    return 100.0 * (promoters - detractors) / total
