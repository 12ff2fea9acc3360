"""Keys shared by fields, views, crons and tests."""

import json

SIGNAL_OVERDUE = "overdue"
SIGNAL_SPEND_DROP = "spend_drop"
SIGNAL_FREQUENCY_DROP = "frequency_drop"
SIGNAL_COMPLAINTS = "complaints"
SIGNAL_LOW_SATISFACTION = "low_satisfaction"
SIGNAL_NO_ENGAGEMENT = "no_engagement"
SIGNAL_P_ALIVE = "p_alive"
SIGNAL_CODES = [
    (SIGNAL_OVERDUE, "Overdue order"),
    (SIGNAL_SPEND_DROP, "Spend drop"),
    (SIGNAL_FREQUENCY_DROP, "Frequency drop"),
    (SIGNAL_COMPLAINTS, "Complaints"),
    (SIGNAL_LOW_SATISFACTION, "Low satisfaction"),
    (SIGNAL_NO_ENGAGEMENT, "No engagement"),
    (SIGNAL_P_ALIVE, "Low probability alive (BG/NBD)"),
]

# reasons: what a signal found, kept as codes with their figures and written in words, in the
# reader's language, only when shown (crm.churn.reason). A reason document is a list of
# [signal code, [[reason code, {figure: value}], ...]]: one line per signal that triggered,
# with the parts of that signal (e.g. open complaints and recent complaints).
REASON_OVERDUE = "overdue"  # days, interval (the customer's own)
REASON_OVERDUE_MEDIAN = "overdue_median"  # days, interval (the company's median)
REASON_SPEND_DROP = "spend_drop"  # drop (%), days, recent, before (amounts), currency_id
REASON_FREQUENCY_DROP = "frequency_drop"  # drop (%), days, recent, before (orders)
REASON_COMPLAINTS_OPEN = "complaints_open"  # count
REASON_COMPLAINTS_RECENT = "complaints_recent"  # count, days
REASON_CSAT = "csat"  # csat (1-5)
REASON_NPS = "nps"  # nps (0-10)
REASON_TREND = "trend"  # recent, previous (0-100), days
REASON_NO_ENGAGEMENT = "no_engagement"  # days
REASON_ENGAGEMENT_NEVER = "engagement_never"  # days (since the first order)
REASON_P_ALIVE = "p_alive"  # p, threshold (probabilities 0-1)
# how each figure is written: a whole number, an amount in the currency of the figure
# "currency_id", or a probability as a whole percentage
FIGURE_NUMBER = "number"
FIGURE_MONEY = "money"
FIGURE_PERCENT = "percent"
REASON_FIGURES = {
    REASON_OVERDUE: {"days": FIGURE_NUMBER, "interval": FIGURE_NUMBER},
    REASON_OVERDUE_MEDIAN: {"days": FIGURE_NUMBER, "interval": FIGURE_NUMBER},
    REASON_SPEND_DROP: {
        "drop": FIGURE_NUMBER,
        "days": FIGURE_NUMBER,
        "recent": FIGURE_MONEY,
        "before": FIGURE_MONEY,
    },
    REASON_FREQUENCY_DROP: {
        "drop": FIGURE_NUMBER,
        "days": FIGURE_NUMBER,
        "recent": FIGURE_NUMBER,
        "before": FIGURE_NUMBER,
    },
    REASON_COMPLAINTS_OPEN: {"count": FIGURE_NUMBER},
    REASON_COMPLAINTS_RECENT: {"count": FIGURE_NUMBER, "days": FIGURE_NUMBER},
    REASON_CSAT: {"csat": FIGURE_NUMBER},
    REASON_NPS: {"nps": FIGURE_NUMBER},
    REASON_TREND: {"recent": FIGURE_NUMBER, "previous": FIGURE_NUMBER, "days": FIGURE_NUMBER},
    REASON_NO_ENGAGEMENT: {"days": FIGURE_NUMBER},
    REASON_ENGAGEMENT_NEVER: {"days": FIGURE_NUMBER},
    REASON_P_ALIVE: {"p": FIGURE_PERCENT, "threshold": FIGURE_PERCENT},
}

LEVEL_NONE = "none"
LEVEL_LOW = "low"
LEVEL_MEDIUM = "medium"
LEVEL_HIGH = "high"
CHURN_LEVELS = [
    (LEVEL_NONE, "None"),
    (LEVEL_LOW, "Low"),
    (LEVEL_MEDIUM, "Medium"),
    (LEVEL_HIGH, "High"),
]
LEVEL_RANK = {LEVEL_NONE: 0, LEVEL_LOW: 1, LEVEL_MEDIUM: 2, LEVEL_HIGH: 3}
# the levels a warning can be raised from (settings, playbooks, backtests, exports), lowest first
WARNING_LEVELS = [(key, label) for key, label in CHURN_LEVELS if key != LEVEL_NONE]
# a customer whose lifecycle stage is churned stopped buying already: on the customer the risk
# band reads win-back, not a risk level (their warnings stay ranked by the score's level)
LEVEL_CHURNED = "churned"
PARTNER_CHURN_LEVELS = [*CHURN_LEVELS, (LEVEL_CHURNED, "Churned – win-back")]

# score thresholds (0-100) of the levels, out of the box
DEFAULT_LEVEL_LOW = 20.0
DEFAULT_LEVEL_MEDIUM = 40.0
DEFAULT_LEVEL_HIGH = 60.0

# warnings
STATE_NEW = "new"
STATE_IN_PROGRESS = "in_progress"
STATE_RETAINED = "retained"
STATE_LOST = "lost"
STATE_DISMISSED = "dismissed"
WARNING_STATES = [
    (STATE_NEW, "New"),
    (STATE_IN_PROGRESS, "In Progress"),
    (STATE_RETAINED, "Retained"),
    (STATE_LOST, "Lost"),
    (STATE_DISMISSED, "Dismissed"),
]
OPEN_STATES = (STATE_NEW, STATE_IN_PROGRESS)
KIND_RISK = "risk"
KIND_WIN_BACK = "win_back"
WARNING_KINDS = [(KIND_RISK, "Churn risk"), (KIND_WIN_BACK, "Win-back")]

# playbooks: who gets the activity
RESPONSIBLE_SALESPERSON = "salesperson"
RESPONSIBLE_TEAM_LEADER = "team_leader"
PLAYBOOK_RESPONSIBLES = [
    (RESPONSIBLE_SALESPERSON, "Salesperson"),
    (RESPONSIBLE_TEAM_LEADER, "Sales team leader"),
]

# the statistical model
MODEL_FITTED = "fitted"
MODEL_INSUFFICIENT = "insufficient"
MODEL_STATES = [(MODEL_FITTED, "Fitted"), (MODEL_INSUFFICIENT, "Not enough history")]
# how the churn score is computed: the weighted rule signals, or the churn risk learned from
# the company's history (the rules stand in while it has too little history to learn from)
SCORE_RULES = "rules"
SCORE_LEARNED = "learned"
SCORE_METHODS = [(SCORE_RULES, "Weighted rules"), (SCORE_LEARNED, "Learned from history")]
# the ways a backtest ranks the same customers (crm.churn.backtest.ranking)
RANKING_LEARNED = "learned"
RANKING_RULES = "rules"
RANKING_RECENCY = "recency"
RANKING_P_ALIVE = "p_alive"
RANKINGS = [
    (RANKING_LEARNED, "Learned churn risk"),
    (RANKING_RULES, "Weighted rules"),
    (RANKING_RECENCY, "Days since last order"),
    (RANKING_P_ALIVE, "Probability alive (purchase model)"),
]
RANKING_SEQUENCE = {key: index for index, (key, _label) in enumerate(RANKINGS)}
# how the risk levels are set: from the score thresholds, or (with the learned score) as the
# shares of the customers most at risk
LEVEL_BASIS_SCORE = "score"
LEVEL_BASIS_SHARE = "share"
LEVEL_BASES = [(LEVEL_BASIS_SCORE, "Score thresholds"), (LEVEL_BASIS_SHARE, "Shares of customers")]
DEFAULT_SHARE_HIGH = 5.0  # percent of the customers most at risk: high risk
DEFAULT_SHARE_MEDIUM = 15.0  # ... at medium risk or above
DEFAULT_SHARE_LOW = 30.0  # ... at low risk or above
# the signals whose reasons the learned risk's features explain: a reason shows the points of
# probability its features add
LEARNED_FEATURE_SIGNALS = {
    SIGNAL_OVERDUE: ("recency", "overdue"),
    SIGNAL_FREQUENCY_DROP: ("recent_orders", "previous_orders", "order_days", "repeat"),
    SIGNAL_SPEND_DROP: ("recent_revenue", "previous_revenue", "mean_value"),
    SIGNAL_P_ALIVE: ("p_alive", "expected_purchases"),
    SIGNAL_COMPLAINTS: ("open_complaints", "recent_complaints"),
    SIGNAL_LOW_SATISFACTION: ("csat_gap", "has_csat", "nps_gap", "has_nps", "satisfaction_drop"),
    SIGNAL_NO_ENGAGEMENT: ("contact_days",),
}
EXPECTED_PURCHASES_DAYS = 90  # crm_expected_purchases: the next 90 days
CLV_MONTHS = 12  # crm_predicted_clv: the next 12 months
# a customer counts as likely still active at a probability alive of at least this
LIKELY_ACTIVE_P = 0.5
# the model's calibration: fitted on the history up to this many days before the model's
# date, its expected orders of those days compared with the orders placed, per decile
CALIBRATION_DAYS = EXPECTED_PURCHASES_DAYS
CALIBRATION_GROUPS = 10

# company settings, out of the box
DEFAULT_REFIT_DAYS = 7
DEFAULT_MODEL_MIN_CUSTOMERS = 50
DEFAULT_CLV_DISCOUNT = 0.01  # monthly
DEFAULT_SNOOZE_DAYS = 30
DEFAULT_WIN_BACK_DAYS = 180
DEFAULT_BACKTEST_HORIZON = 90
DEFAULT_WARNING_CAPACITY = 10  # new warnings per salesperson and day (0: no limit)
# the control group: this percentage of the new warnings (0: none, at most MAX_CONTROL_SHARE) gets
# no playbook; the uplift of the playbooks is measured once each group has UPLIFT_MIN_WARNINGS
# warnings whose horizon is over
DEFAULT_CONTROL_SHARE = 0.0
MAX_CONTROL_SHARE = 50.0
UPLIFT_MIN_WARNINGS = 30

# res.partner values the churn engine computes (per company), by SQL: the link to the
# customer's crm.churn.partner.score and the values shown from it
PARTNER_CHURN_FIELDS = frozenset(
    {
        "crm_churn_score_id",
        "crm_churn_score",
        "crm_churn_level",
        "crm_churn_reason_data",
        "crm_churn_scored_date",
        "crm_p_alive",
        "crm_expected_purchases",
        "crm_predicted_clv",
    }
)
# a warning's state, outcome, escalations, playbook work and control group: the engine and the
# warning's buttons (start, retained, lost, dismiss, reopen) write them, nobody else, not even at
# creation
WARNING_ENGINE_FIELDS = frozenset(
    {
        "state",
        "max_level",
        "last_escalation_date",
        "escalation_count",
        "playbook_id",
        "is_control",
        "offer_sent_date",
        "outcome_date",
        "revenue_after",
        "orders_after",
        "days_to_outcome",
        "retention_rate",
        "revenue_saved",
    }
)
# a warning's scoring: given once by the manager who raises a warning by hand, the engine's after
WARNING_SCORING_FIELDS = frozenset({"kind", "level", "score", "reason_data", "tier_id", "date"})

# a preview of the nightly scoring (crm.getting.started) runs the real steps in a savepoint it
# rolls back: its context carries a ChurnPreview under this key (an object, which a client's
# JSON context cannot carry), with which the warnings draw no reference from the sequence (a
# rollback does not give the numbers back) and count the customers the capacity holds back
PREVIEW_KEY = "crm_churn_preview"


class ChurnPreview:
    __slots__ = ("held_back",)

    def __init__(self):
        # salesperson id (None: no salesperson) -> customers held back by the capacity
        self.held_back = {}


# revenue after a warning is counted, and kept current, for this many days after it
REVENUE_AFTER_DAYS = 365
CLOSED_OUTCOMES = (STATE_RETAINED, STATE_LOST)


# one encoder for every reason document (json.dumps with options makes one per call)
_REASON_ENCODER = json.JSONEncoder(separators=(",", ":"))


def reason_json(document):
    """A reason document (or a signal's parts) as the JSON text of a jsonb column, None when
    empty."""
    return _REASON_ENCODER.encode(document) if document else None
