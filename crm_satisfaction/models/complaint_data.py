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
