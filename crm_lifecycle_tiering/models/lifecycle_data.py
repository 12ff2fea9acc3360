"""Keys shared by fields, views, crons and tests (one place, as rating_data does for grades)."""

from odoo.tools import SQL

TIER_VIP = "vip"
TIER_KEY = "key"
TIER_STANDARD = "standard"

STAGE_PROSPECT = "prospect"
STAGE_FIRST_PURCHASE = "first_purchase"
STAGE_REPEAT = "repeat"
STAGE_LOYAL = "loyal"
STAGE_CHURNED = "churned"
LIFECYCLE_STAGES = [
    (STAGE_PROSPECT, "Prospect"),
    (STAGE_FIRST_PURCHASE, "First Purchase"),
    (STAGE_REPEAT, "Repeat Purchase"),
    (STAGE_LOYAL, "Loyal"),
    (STAGE_CHURNED, "Churned"),
]
# stages of customers who bought at least once
BUYER_STAGES = (STAGE_FIRST_PURCHASE, STAGE_REPEAT, STAGE_LOYAL, STAGE_CHURNED)

POTENTIALS = [
    ("0", "Unknown"),
    ("1", "Low"),
    ("2", "Medium"),
    ("3", "High"),
]

VALUE_SOURCES = [
    ("order", "Confirmed sale orders"),
    ("invoice", "Posted customer invoices, net of refunds"),
]

EVENT_TIER = "tier"
EVENT_STAGE = "stage"
EVENT_KINDS = [
    (EVENT_TIER, "Tier change"),
    (EVENT_STAGE, "Stage change"),
]

ORIGIN_CRON = "cron"
ORIGIN_MANUAL = "manual"
ORIGIN_ORDER = "order"
EVENT_ORIGINS = [
    (ORIGIN_CRON, "Scheduled recompute"),
    (ORIGIN_MANUAL, "Manual"),
    (ORIGIN_ORDER, "Order or invoice"),
]

PATTERN_EARLY_ABORT = "early_abort"
PATTERN_MIDWAY_ABORT = "midway_abort"
PATTERN_EARLY_EXIT = "early_exit"
PATTERN_LONG_TERM = "long_term"
PATTERN_GROWING = "growing"
PATTERN_PROSPECT = "prospect"
LIFECYCLE_PATTERNS = [
    (PATTERN_EARLY_ABORT, "Lost before a repeat purchase"),
    (PATTERN_MIDWAY_ABORT, "Lost from repeat purchase"),
    (PATTERN_EARLY_EXIT, "Lost after becoming loyal"),
    (PATTERN_LONG_TERM, "Loyal and active"),
    (PATTERN_GROWING, "Active, not yet loyal"),
    (PATTERN_PROSPECT, "Prospect"),
]

# RFM scores run from 1 to 5 (quintiles); the usual segments over recency x frequency,
# first match by sequence: (xml id suffix, name, r_min, r_max, f_min, f_max)
RFM_SCORE_MIN = 1
RFM_SCORE_MAX = 5
RFM_SEGMENTS = [
    ("champions", "Champions", 5, 5, 4, 5),
    ("loyal", "Loyal Customers", 3, 4, 4, 5),
    ("potential_loyalist", "Potential Loyalists", 4, 5, 2, 3),
    ("new", "New Customers", 5, 5, 1, 1),
    ("promising", "Promising", 4, 4, 1, 1),
    ("need_attention", "Need Attention", 3, 3, 3, 3),
    ("about_to_sleep", "About to Sleep", 3, 3, 1, 2),
    ("cant_lose", "Can't Lose Them", 1, 2, 5, 5),
    ("at_risk", "At Risk", 1, 2, 3, 4),
    ("lost", "Lost", 1, 1, 1, 1),
    ("hibernating", "Hibernating", 1, 2, 1, 2),
]


def local_date_sql(column_sql, tz):
    """SQL date of a naive UTC datetime column in the time zone `tz` (e.g. company._crm_tz())."""
    if tz == "UTC":
        # the stored value is already in UTC: a plain cast, cheaper over millions of orders
        return SQL("(%s)::date", column_sql)
    return SQL("((%s AT TIME ZONE 'UTC') AT TIME ZONE %s)::date", column_sql, tz)
