from datetime import timedelta

from odoo.tests import new_test_user
from odoo.tools import SQL


def age_invitations(user_inputs, days):
    """Moves the creation of these survey invitations ``days`` back in time."""
    user_inputs.flush_recordset()
    user_inputs.env.cr.execute(
        SQL(
            "UPDATE survey_user_input SET create_date = create_date - %s WHERE id = ANY(%s)",
            timedelta(days=days),
            user_inputs.ids,
        )
    )
    user_inputs.invalidate_recordset(["create_date"])


def make_audience(env, company, *, login, tag, name, email, count):
    """A salesperson of ``company`` and ``count`` of its company customers with an email, all
    carrying a new tag ``tag`` (a campaign's audience); ``name`` and ``email`` are formats of
    the customer's index. Returns (salesperson, tag, customers)."""
    salesperson = new_test_user(
        env,
        login=login,
        groups="sales_team.group_sale_salesman",
        company_id=company.id,
        company_ids=[company.id],
    )
    category = env["res.partner.category"].create({"name": tag})
    customers = env["res.partner"].create(
        [
            {
                "name": name.format(index),
                "is_company": True,
                "email": email.format(index),
                "user_id": salesperson.id,
                "category_id": [(4, category.id)],
            }
            for index in range(count)
        ]
    )
    return salesperson, category, customers


def make_portal_user(env, company, login, company_partner, **values):
    """A portal user of ``company``, a contact of the customer ``company_partner``."""
    user = new_test_user(
        env,
        login=login,
        groups="base.group_portal",
        company_id=company.id,
        company_ids=[(6, 0, company.ids)],
        **values,
    )
    user.partner_id.parent_id = company_partner
    return user


def make_sla(calendar, name, sequence, ack_hours, resolve_hours, **conditions):
    """An SLA policy of the calendar's company, counted on that calendar; ``conditions``: its
    tiers, categories, priority (or another company)."""
    return calendar.env["crm.complaint.sla"].create(
        {
            "name": name,
            "sequence": sequence,
            "company_id": calendar.company_id.id,
            "calendar_id": calendar.id,
            "ack_hours": ack_hours,
            "resolve_hours": resolve_hours,
            **conditions,
        }
    )


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


class TierCompanyMixin:
    """Set-up shared by the tests of the service a tier entitles to (a mixin of CrmCase)."""

    @classmethod
    def setup_tier_companies(cls, name):
        """Loads the Chinese terms of the addons, creates the companies "``name`` Co" (the
        environment's only allowed company, ``cls.company``) and "``name`` Other Co"
        (``cls.other_company``), archives every SLA policy of other data and gives the office
        calendar of the company (``cls.calendar``)."""
        cls.env["res.lang"]._activate_lang("zh_CN")
        cls.env["ir.module.module"]._load_module_terms(
            ["crm_lifecycle_tiering", "crm_satisfaction"], ["zh_CN"]
        )
        cls.company = cls.env["res.company"].create({"name": f"{name} Co"})
        cls.other_company = cls.env["res.company"].create({"name": f"{name} Other Co"})
        cls.env.user.company_ids |= cls.company | cls.other_company
        cls.env = cls.env(context=dict(cls.env.context, allowed_company_ids=[cls.company.id]))
        cls.env["crm.complaint.sla"].search([]).active = False
        cls.calendar = make_office_calendar(cls.env, cls.company)
