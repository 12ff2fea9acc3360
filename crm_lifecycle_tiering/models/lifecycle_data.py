"""Keys shared by fields, views, crons and tests (one place, as rating_data does for grades)."""

from odoo.exceptions import AccessError
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

# upper bound of every period, window, delay and horizon in days that our settings hold (ten
# years): dates computed from them stay far from the calendar's ends (no OverflowError)
MAX_PERIOD_DAYS = 3650
# upper bound of a weight (value score weights, churn signal weights); also refuses NaN, which
# PostgreSQL sorts above every number
MAX_WEIGHT = 100

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


# ---------------------------------------------------------------- engine-owned values
# Values our engines compute are refused in create() and write() to anyone but an engine: the
# engines write them by SQL, as the superuser (env.su), or through the ORM in an environment
# marked with ENGINE_WRITE (the buttons meant to change them, after their own rights checks; the
# ORM still applies access rights and record rules). The marker is an object, not a flag: a
# context that comes over RPC is JSON and cannot carry it.
ENGINE_WRITE_KEY = "crm_engine_write"


class _EngineWrite:
    __slots__ = ()

    def __repr__(self):
        return "ENGINE_WRITE"


ENGINE_WRITE = _EngineWrite()

# res.partner values the value engine computes (per company); the lock wizard and "Unlock Tier"
# change the lock
PARTNER_ENGINE_FIELDS = frozenset(
    {
        "crm_tier_id",
        "crm_tier_rule_id",
        "crm_tier_reason",
        "crm_tier_since",
        "crm_tier_grace_since",
        "crm_tier_locked",
        "crm_tier_lock_reason",
        "crm_tier_lock_until",
        "crm_tier_lock_user_id",
        "crm_lifecycle_stage",
        "crm_stage_since",
        "crm_first_order_date",
        "crm_last_order_date",
        "crm_order_count",
        "crm_revenue_total",
        "crm_order_count_period",
        "crm_revenue_period",
        "crm_avg_order_value",
        "crm_purchase_interval",
        "crm_rfm_r",
        "crm_rfm_f",
        "crm_rfm_m",
        "crm_rfm_segment_id",
        "crm_value_score",
        "crm_referral_count",
    }
)


def engine_write(records):
    """``records`` in an environment whose ORM writes of engine-owned values are the engine's."""
    return records.with_context(**{ENGINE_WRITE_KEY: ENGINE_WRITE})


def is_engine_write(env):
    return env.su or env.context.get(ENGINE_WRITE_KEY) is ENGINE_WRITE


def check_engine_fields(records, fnames):
    """Raises an AccessError when ``fnames``, engine-owned fields of ``records``' model, are
    written by anyone but an engine."""
    env = records.env
    if not fnames or is_engine_write(env):
        return
    labels = sorted(records._fields[fname]._description_string(env) for fname in fnames)
    raise AccessError(
        env._(
            "You cannot set %(fields)s of %(model)s by hand: the application computes these "
            "values; use the actions meant to change them.",
            fields=", ".join(f"“{label}”" for label in labels),
            model=env["ir.model"]._get(records._name).name,
        )
    )
