"""Keys shared by fields, views, crons and tests (one place, as rating_data does for grades)."""

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
