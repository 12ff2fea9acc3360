"""Keys shared by fields, views, crons and tests (one place, as rating_data does for grades)."""

import json

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
# stages of customers who buy: bought at least once and not churned
ACTIVE_STAGES = (STAGE_FIRST_PURCHASE, STAGE_REPEAT, STAGE_LOYAL)
# stages of customers who bought at least once
BUYER_STAGES = (*ACTIVE_STAGES, STAGE_CHURNED)


def buyer_stage_tests(
    order_count, tenure_days, idle_days, churn_days, loyal_orders, loyal_tenure_days
):
    """The tests that set a buyer's lifecycle stage, in the order they apply, as (stage,
    passed): churned (no order for more than ``churn_days`` days), loyal (at least
    ``loyal_orders`` orders and ``loyal_tenure_days`` days since the first), repeat purchase
    (two orders or more); a buyer who passes none is at first purchase. The figures (orders,
    days since the first and since the last order) are numbers, or numpy arrays of them: then
    each test holds one answer per customer."""
    return (
        (STAGE_CHURNED, idle_days > churn_days),
        (STAGE_LOYAL, (order_count >= loyal_orders) & (tenure_days >= loyal_tenure_days)),
        (STAGE_REPEAT, order_count >= 2),
    )


POTENTIAL_UNKNOWN = "0"
POTENTIALS = [
    (POTENTIAL_UNKNOWN, "Unknown"),
    ("1", "Low"),
    ("2", "Medium"),
    ("3", "High"),
]

VALUE_SOURCE_ORDER = "order"
VALUE_SOURCE_INVOICE = "invoice"
VALUE_SOURCES = [
    (VALUE_SOURCE_ORDER, "Confirmed sale orders"),
    (VALUE_SOURCE_INVOICE, "Posted customer invoices, net of refunds"),
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

# ---------------------------------------------------------------- reasons
# A reason (a customer's tier reason, a lifecycle event's, a simulated move's) is stored as a
# code and its figures, a JSON object, and put into words in the reader's language, numbers,
# money and dates in the reader's format, when it is displayed (crm.value.reason._render_reasons).
#   {"code": REASON_RULE, "rule_id": 3, "conditions": [<condition>, ...]}
#   {"code": REASON_DEFAULT, "tier_id": 5}: no rule of a higher tier matches
#   {"code": REASON_LOCKED, "user_id": 2, "until": "2026-12-31" or null, "note": "free text"}
#   {"code": REASON_GRACE, "tier_id": 1, "until": "…", "since": "…", "reason": <reason>}
#   {"code": REASON_REACTIVATED}: a churned customer bought again
#   {"code": REASON_NOTE, "text": "…"}: a text written by hand, shown as written
REASON_RULE = "rule_matched"
REASON_DEFAULT = "default_tier"
REASON_LOCKED = "locked"
REASON_GRACE = "grace"
REASON_REACTIVATED = "reactivated"
REASON_NOTE = "note"

# the conditions of a rule, in the order the engine tests them; a matched condition is stored as
#   {"code": COND_REVENUE, "value": 7000.0, "threshold": 5000.0, "months": 12, "currency_id": 1}
#   {"code": COND_ORDERS, "value": 3, "threshold": 2, "months": 12}
#   {"code": COND_TENURE | COND_REFERRALS | COND_POTENTIAL | COND_SCORE, "value", "threshold"}
#   {"code": COND_SEGMENT, "segment_id": 4}
#   {"code": COND_DOMAIN}: the customer matches the rule's customer filter
COND_REVENUE = "revenue_period"
COND_ORDERS = "orders_period"
COND_TENURE = "tenure_months"
COND_REFERRALS = "referrals"
COND_POTENTIAL = "potential"
COND_SCORE = "value_score"
COND_SEGMENT = "rfm_segment"
COND_DOMAIN = "domain"

# the customer values whose changes the chatter of a customer tells (as tracked fields, which
# each reader sees with the field names in the reader's language)
PARTNER_TRACKED_FIELDS = ("crm_tier_id", "crm_lifecycle_stage")

# the measures the customer-value reports offer (a partner has other numbers: colour index,
# bounces, coordinates… that mean nothing there)
PARTNER_REPORT_MEASURES = (
    "crm_revenue_period",
    "crm_revenue_total",
    "crm_order_count_period",
    "crm_order_count",
    "crm_value_score",
)

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

# RFM scores run from 1 to 5 (quintiles)
RFM_SCORE_MIN = 1
RFM_SCORE_MAX = 5

# how a simulation of the tier rules would move a customer
MOVE_UP = "up"
MOVE_NEW = "new"
MOVE_DOWN = "down"
MOVE_REMOVED = "removed"
TIER_MOVES = [
    (MOVE_UP, "Upgrade"),
    (MOVE_NEW, "New tier"),
    (MOVE_DOWN, "Downgrade"),
    (MOVE_REMOVED, "Tier removed"),
]
UPGRADE_MOVES = (MOVE_UP, MOVE_NEW)
DOWNGRADE_MOVES = (MOVE_DOWN, MOVE_REMOVED)


def local_date_sql(column_sql, tz):
    """SQL date of a naive UTC datetime column in the time zone `tz` (e.g. company._crm_tz())."""
    if tz == "UTC":
        # the stored value is already in UTC: a plain cast, cheaper over millions of orders
        return SQL("(%s)::date", column_sql)
    return SQL("((%s AT TIME ZONE 'UTC') AT TIME ZONE %s)::date", column_sql, tz)


def company_value_sql(alias, field_name, company, cast=None):
    """SQL value of a company-dependent column (jsonb keyed by company id, e.g. res.partner's
    crm_tier_id, crm_lifecycle_stage, crm_last_order_date) of the row aliased ``alias`` for
    ``company`` (a record or an id): the stored text, NULL when the company has none (no
    fallback to a default value, unlike the ORM's), cast to the SQL type ``cast`` ("int",
    "date", "float8"…) when given. The caller flushes the column first."""
    company_id = company if isinstance(company, int) else company.id
    value = SQL("(%s ->> %s)", SQL.identifier(alias, field_name), str(company_id))
    return SQL("%s::%s", value, SQL(cast)) if cast else value


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
        # what the tier benefits applied (crm_customer_tier_benefit)
        "crm_tier_pricelist_id",
        "crm_tier_payment_term_id",
        "crm_tier_loyalty_program_id",
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


def dump_reason(reason):
    """The stored form of a reason (see REASON_*): compact JSON with sorted keys, so that the same
    reason is always the same text and the engine writes only reasons that changed."""
    if not reason:
        return None
    return json.dumps(reason, separators=(",", ":"), sort_keys=True, ensure_ascii=False)


def load_reason(text):
    """A stored reason (JSON text, or a dict) as a dict, or None. A text that is no reason's code
    (a reason written as a sentence by an older version, or corrected by hand) is kept as
    written (REASON_NOTE)."""
    if not text:
        return None
    if isinstance(text, dict):
        return text
    try:
        reason = json.loads(text)
    except ValueError:
        reason = None
    return reason if isinstance(reason, dict) else {"code": REASON_NOTE, "text": text}


# referral rewards (crm.referral.reward): the loyalty programme types whose cards hold points the
# customer can spend
REFERRAL_POINTS_TYPES = ("loyalty", "ewallet")
# the programme types that give one coupon per reward
REFERRAL_COUPON_TYPES = ("coupons", "next_order_coupons")
REFERRAL_PROGRAM_TYPES = REFERRAL_POINTS_TYPES + REFERRAL_COUPON_TYPES
MAX_REFERRAL_POINTS = 1_000_000
