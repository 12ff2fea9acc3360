"""Complaint keys shared by fields, views, crons and tests."""

CHANNELS = [
    ("phone", "Phone"),
    ("email", "Email"),
    ("web", "Web form"),
    ("portal", "Customer portal"),
    ("social", "Social media"),
    ("chat", "Chat"),
    ("in_person", "In person"),
    ("other", "Other"),
]

PRIORITY_LOW = "0"
PRIORITY_NORMAL = "1"
PRIORITY_HIGH = "2"
PRIORITY_URGENT = "3"
PRIORITIES = [
    (PRIORITY_LOW, "Low"),
    (PRIORITY_NORMAL, "Normal"),
    (PRIORITY_HIGH, "High"),
    (PRIORITY_URGENT, "Urgent"),
]

# where a stage sits on the SLA clock
SLA_STEP_NEW = "new"
SLA_STEP_ACKNOWLEDGED = "acknowledged"
SLA_STEP_RESOLVED = "resolved"
SLA_STEPS = [
    (SLA_STEP_NEW, "Not acknowledged"),
    (SLA_STEP_ACKNOWLEDGED, "Acknowledged"),
    (SLA_STEP_RESOLVED, "Resolved"),
]

# the longest time an SLA policy may allow, in working hours (a working year at 40 hours a
# week); the policy's calendar must also be able to plan it
SLA_MAX_HOURS = 2000
# the longest delay before a breached complaint is escalated to the manager (a year)
ESCALATION_MAX_HOURS = 8760

SLA_ON_TRACK = "on_track"
SLA_AT_RISK = "at_risk"
SLA_BREACHED = "breached"
SLA_MET = "met"
SLA_STATUSES = [
    (SLA_ON_TRACK, "On track"),
    (SLA_AT_RISK, "At risk"),
    (SLA_BREACHED, "Breached"),
    (SLA_MET, "Met"),
]
# SLA compliance of a complaint whose SLA outcome is known (its average is the compliance %);
# complaints still on track or at risk have none yet
SLA_COMPLIANCE = {SLA_MET: 100.0, SLA_BREACHED: 0.0}

# escalation levels reached, each logged once
ESCALATION_NONE = 0
ESCALATION_RESPONSIBLE = 1  # at risk: activity for the responsible
ESCALATION_LEADER = 2  # breached: team leader notified, priority raised
ESCALATION_MANAGER = 3  # still breached after the delay: manager notified

# values the complaint's SLA clock, its escalation and the customer's confirmation keep: refused
# in create() and write() to anyone but them (stage changes, the escalation cron, "Reopen", the
# confirmation of the resolution)
COMPLAINT_ENGINE_FIELDS = frozenset(
    {
        "tier_id",
        "ack_deadline",
        "resolve_deadline",
        "acknowledged_date",
        "resolved_date",
        "closed_date",
        "sla_paused_since",
        "sla_paused_hours",
        "sla_status",
        "sla_breached_date",
        "sla_met_percent",
        "escalation_level",
        "ack_hours_taken",
        "resolve_hours_taken",
        "customer_confirmed",
        "reopen_count",
    }
)
