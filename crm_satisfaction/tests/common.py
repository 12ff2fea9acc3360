from odoo.tests import new_test_user


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


def make_company_user(env, login, groups, company, **values):
    """A user of `company` only, in the given groups."""
    return new_test_user(
        env,
        login=login,
        groups=groups,
        company_id=company.id,
        company_ids=[(6, 0, company.ids)],
        **values,
    )
