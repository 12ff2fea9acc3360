def make_office_calendar(env, company, name="Office hours UTC"):
    """Monday to Friday, 8-12 and 13-17 UTC: deadlines in tests are exact datetimes."""
    return env["resource.calendar"].create(
        {
            "name": name,
            "tz": "UTC",
            "company_id": company.id,
            "attendance_ids": [
                (
                    0,
                    0,
                    {
                        "name": f"{day} {start}",
                        "dayofweek": str(day),
                        "hour_from": start,
                        "hour_to": end,
                        "day_period": period,
                    },
                )
                for day in range(5)
                for start, end, period in ((8, 12, "morning"), (13, 17, "afternoon"))
            ],
        }
    )
