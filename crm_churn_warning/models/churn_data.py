"""Keys shared by fields, views, crons and tests."""

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
