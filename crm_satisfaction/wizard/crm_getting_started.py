"""Getting Started, follow-ups: the first follow-up delay, the scheduling horizon and each tier's
interval, and the follow-ups of the first night (see crm_lifecycle_tiering's wizard)."""

from collections import Counter, defaultdict
from datetime import timedelta

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.fields import Command
from odoo.tools import SQL
from odoo.tools.misc import format_date

from odoo.addons.crm_lifecycle_tiering.models.lifecycle_data import (
    MAX_PERIOD_DAYS,
    company_value_sql,
)

from ..models.followup_data import FOLLOWUP_ACTIVITY_TYPE_XMLID

SATISFACTION_MANAGER_GROUP = "crm_satisfaction.crm_satisfaction_group_manager"
# the follow-up cron runs after the value recompute and the churn scoring
STEP_FOLLOWUPS = 30
# weeks the preview shows one by one (from the start date, or from the first night when the
# start date is past); the later ones are summed up
PREVIEW_WEEKS = 8
BUCKET_OVERDUE = "overdue"
BUCKET_BEFORE_START = "before_start"
BUCKET_LATER = "later"


class CrmGettingStarted(models.TransientModel):
    _inherit = "crm.getting.started"

    followup_first_days = fields.Integer(
        string="First Follow-up After (days)",
        help="Days after a new customer's first purchase when the first follow-up is due.",
    )
    followup_horizon_days = fields.Integer(
        string="Schedule Follow-ups Ahead (days)",
        help="Each night, follow-up activities are scheduled for the customers whose next "
        "follow-up is due within this many days.",
    )
    tier_line_ids = fields.One2many(
        "crm.getting.started.tier", "wizard_id", string="Follow-up Intervals"
    )

    _followup_days_valid = models.Constraint(
        f"CHECK(followup_first_days >= 0 AND followup_first_days <= {MAX_PERIOD_DAYS}"
        f" AND followup_horizon_days >= 0 AND followup_horizon_days <= {MAX_PERIOD_DAYS})",
        "The delay of the first follow-up and the scheduling horizon lie between 0 and 3650 "
        "days (ten years).",
    )

    # ------------------------------------------------------------------ values
    @api.model
    def _get_company_values(self, company):
        values = super()._get_company_values(company)
        tiers = self.env["crm.customer.tier"].search([("company_id", "in", [company.id, False])])
        values.update(
            followup_first_days=company.crm_followup_first_days,
            followup_horizon_days=company.crm_followup_horizon_days,
            tier_line_ids=[
                Command.create(
                    {"tier_id": tier.id, "followup_interval_days": tier.followup_interval_days}
                )
                for tier in tiers
            ],
        )
        return values

    @api.onchange("followup_first_days", "followup_horizon_days", "tier_line_ids")
    def _onchange_followup_values(self):
        self._onchange_values()

    def _apply_values(self):
        result = super()._apply_values()
        company = self.company_id
        settings = {
            fname: self[field]
            for fname, field in (
                ("crm_followup_first_days", "followup_first_days"),
                ("crm_followup_horizon_days", "followup_horizon_days"),
            )
            if self[field] != company[fname]
        }
        intervals = defaultdict(lambda: self.env["crm.customer.tier"])
        for line in self.tier_line_ids:
            if line.followup_interval_days != line.tier_id.followup_interval_days:
                intervals[line.followup_interval_days] |= line.tier_id
        if not settings and not intervals:
            return result
        self._check_group(
            SATISFACTION_MANAGER_GROUP,
            self.env._("Only customer care managers can change the follow-up settings."),
        )
        for tiers in intervals.values():
            for tier in tiers.filtered(lambda t: t.company_id and t.company_id != company):
                raise AccessError(
                    self.env._(
                        "Tier %(tier)s belongs to another company than %(company)s.",
                        tier=tier.display_name,
                        company=company.name,
                    )
                )
        if settings:
            company.sudo().write(settings)
        for days, tiers in intervals.items():
            tiers.sudo().write({"followup_interval_days": days})
        return result

    # ------------------------------------------------------------------ the first night
    def _preview_steps(self):
        return [*super()._preview_steps(), (STEP_FOLLOWUPS, "followups", "_preview_step_followups")]

    @api.model
    def _followup_bucket(self, day, start, night):
        """Where a next follow-up date falls in the preview: overdue on the first night, before
        the start date, in week 0, 1, … from the start date (from the first night when the start
        date is past), or later."""
        if day < night:
            return BUCKET_OVERDUE
        if day < start:
            return BUCKET_BEFORE_START
        week = (day - max(start, night)).days // 7
        return week if week < PREVIEW_WEEKS else BUCKET_LATER

    def _preview_step_followups(self, night):
        """The follow-up scheduling of the company, as its cron runs it: the customers by
        salesperson and week of their next follow-up, and the activities it scheduled."""
        company = self.company_id
        cr = self.env.cr
        activities_before = self._preview_max_id("mail_activity")
        result = self.env["crm.followup"]._schedule_followups(company, today=night)
        self.env.flush_all()
        cr.execute(
            SQL(
                """
                SELECT u.id, %(next_date)s, count(*)
                  FROM res_partner p
                  LEFT JOIN res_users u ON u.id = p.user_id AND u.active
                 WHERE p.crm_followup_next_date ? %(cid)s AND p.active
                 GROUP BY 1, 2
                """,
                next_date=company_value_sql("p", "crm_followup_next_date", company, "date"),
                cid=str(company.id),
            )
        )
        start = company.crm_start_date
        weeks = Counter()
        for user_id, day, count in cr.fetchall():
            weeks[user_id, self._followup_bucket(day, start, night)] += count
        cr.execute(
            SQL(
                """
                SELECT a.user_id, count(*), count(*) FILTER (WHERE a.date_deadline < %(night)s)
                  FROM mail_activity a
                 WHERE a.id > %(before)s
                   AND a.res_model = 'res.partner'
                   AND a.activity_type_id = %(type)s
                   AND a.crm_followup_company_id = %(company)s
                 GROUP BY 1
                """,
                night=night,
                before=activities_before,
                type=self.env.ref(FOLLOWUP_ACTIVITY_TYPE_XMLID).id,
                company=company.id,
            )
        )
        scheduled = cr.fetchall()
        return {
            "start": start.isoformat(),
            "weeks_from": max(start, night).isoformat(),
            "until": (night + timedelta(days=company.crm_followup_horizon_days)).isoformat(),
            "weeks": [[user_id, bucket, count] for (user_id, bucket), count in weeks.items()],
            "scheduled": [[user_id, count] for user_id, count, _overdue in scheduled],
            "scheduled_overdue": sum(overdue for _user, _count, overdue in scheduled),
            "without_salesperson": result["skipped"],
        }

    # ------------------------------------------------------------------ rendering
    def _preview_sections(self, data):
        sections = super()._preview_sections(data)
        if data.get("followups") is not None:
            sections.append(
                {
                    "sequence": STEP_FOLLOWUPS,
                    "title": self.env._("Follow-ups"),
                    "html": self._render_followups(data["followups"]),
                }
            )
        return sections

    def _render_followups(self, followups):
        start = fields.Date.to_date(followups["start"])
        weeks_from = fields.Date.to_date(followups["weeks_from"])
        weeks = {(user_id or False, bucket): count for user_id, bucket, count in followups["weeks"]}
        scheduled = {user_id or False: count for user_id, count in followups["scheduled"]}
        users = self.env["res.users"].browse(
            {user_id for user_id, _bucket in weeks if user_id} | {u for u in scheduled if u}
        )
        lines = [(user.id, user.name) for user in users.sorted("name")]
        lines.append((False, self.env._("No salesperson")))
        buckets = [BUCKET_OVERDUE]
        header = [self.env._("Salesperson ↓ / next follow-up →"), self.env._("Overdue")]
        if any(bucket == BUCKET_BEFORE_START for _user, bucket in weeks):
            buckets.append(BUCKET_BEFORE_START)
            header.append(self.env._("Before %(date)s", date=format_date(self.env, start)))
        buckets += [*range(PREVIEW_WEEKS), BUCKET_LATER]
        header += [
            self.env._(
                "Week of %(date)s",
                date=format_date(self.env, weeks_from + timedelta(days=7 * week)),
            )
            for week in range(PREVIEW_WEEKS)
        ]
        header += [
            self.env._("Later"),
            self.env._("Total"),
            self.env._("Scheduled the first night"),
        ]
        rows = []
        for user_id, name in lines:
            cells = [weeks.get((user_id, bucket), 0) for bucket in buckets]
            if any(cells) or scheduled.get(user_id):
                rows.append((name, [*cells, sum(cells), scheduled.get(user_id, 0)]))
        totals = [sum(weeks.get((u, bucket), 0) for u, _n in lines) for bucket in buckets]
        table = self._render_table(
            header,
            rows,
            footer=(self.env._("Total"), [*totals, sum(totals), sum(scheduled.values())]),
        )
        summary = self.env._(
            "%(scheduled)s follow-up activities scheduled the first night (customers due by "
            "%(until)s), %(overdue)s of them overdue; %(without)s customers due have no "
            "salesperson and get none.",
            scheduled=sum(scheduled.values()),
            until=format_date(self.env, fields.Date.to_date(followups["until"])),
            overdue=followups["scheduled_overdue"],
            without=followups["without_salesperson"],
        )
        html = table + Markup("<p class='text-muted'>%s</p>") % summary
        if totals[0]:
            html += Markup("<p class='text-danger'>%s</p>") % self.env._(
                "%(customers)s customers would be overdue on the first night: their next "
                "follow-up falls before it.",
                customers=totals[0],
            )
        return html


class CrmGettingStartedTier(models.TransientModel):
    _name = "crm.getting.started.tier"
    _description = "Getting Started: Follow-up Interval of a Tier"
    _order = "id"

    wizard_id = fields.Many2one("crm.getting.started", required=True, ondelete="cascade")
    tier_id = fields.Many2one("crm.customer.tier", required=True, ondelete="cascade")
    followup_interval_days = fields.Integer(
        string="Follow-up Every (days)",
        help="Days between two follow-ups of a customer of this tier; 0: no regular follow-up. "
        "An existing customer's first follow-up falls within this many days after the start "
        "date. A tier shared by every company has one interval for all of them.",
    )

    _followup_interval_days_valid = models.Constraint(
        f"CHECK(followup_interval_days >= 0 AND followup_interval_days <= {MAX_PERIOD_DAYS})",
        "The follow-up interval of a tier lies between 0 and 3650 days (ten years).",
    )
