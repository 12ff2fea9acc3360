"""Keys of the customer-care greetings (birthdays, holidays, first-purchase anniversaries),
shared by fields, views, the cron and tests."""

import calendar

KIND_BIRTHDAY = "birthday"
KIND_HOLIDAY = "holiday"
KIND_ANNIVERSARY = "anniversary"
GREETING_KINDS = [
    (KIND_BIRTHDAY, "Birthday"),
    (KIND_HOLIDAY, "Holiday"),
    (KIND_ANNIVERSARY, "First purchase anniversary"),
]

# a holiday falls on the same month and day every year, or on the dates listed per year (a
# lunar holiday such as the Spring Festival moves)
REPEAT_YEARLY = "yearly"
REPEAT_DATES = "dates"
HOLIDAY_REPEATS = [
    (REPEAT_YEARLY, "Every year on the same day"),
    (REPEAT_DATES, "On the dates listed per year"),
]

# greetings logged and queued per committed batch
GREETING_BATCH_SIZE = 200

# a month and day with no date in some years: greeted on the day before in those years
LEAP_DAY = (2, 29)


def month_day_key(month, day):
    """The 'MM-DD' key of a month and day (as PostgreSQL's to_char(date, 'MM-DD') gives it)."""
    return f"{month:02d}-{day:02d}"


def greeted_month_days(day):
    """The month-day keys ('MM-DD') of the yearly dates greeted on ``day``: its own, and 29
    February on 28 February of a year without one."""
    keys = [month_day_key(day.month, day.day)]
    if (day.month, day.day) == (2, 28) and not calendar.isleap(day.year):
        keys.append(month_day_key(*LEAP_DAY))
    return keys
