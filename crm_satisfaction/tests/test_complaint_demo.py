from collections import Counter
from datetime import timedelta

import pytz
from dateutil.relativedelta import relativedelta
from freezegun import freeze_time

from odoo import fields
from odoo.tests import tagged

from odoo.addons.crm_lifecycle_tiering.tests.common import CrmCase
from odoo.addons.crm_satisfaction.models.complaint_data import (
    ESCALATION_LEADER,
    SLA_BREACHED,
    SLA_MET,
)


class TestComplaintDemo(CrmCase):
    """The demo data (always installed in the test database) shows every stage and SLA state."""

    def test_demo_complaints_cover_every_stage_and_sla_state(self):
        company = self.env.ref("base.main_company")
        complaints = self.env["crm.complaint"].search([("company_id", "=", company.id)])
        self.assertGreaterEqual(len(complaints), 14)
        self.assertEqual(
            set(complaints.mapped("sla_status")), {"on_track", "at_risk", "breached", "met"}
        )
        stages = set(complaints.stage_id.ids)
        for key in ("new", "acknowledged", "investigating", "resolved", "closed", "rejected"):
            self.assertIn(self.env.ref(f"crm_satisfaction.crm_complaint_stage_{key}").id, stages)
        self.assertTrue(complaints.filtered("sla_paused_since"))
        self.assertTrue(complaints.filtered(lambda c: c.tier_id.code == "vip"))


@tagged("post_install", "-at_install")
class TestComplaintDemoHistory(CrmCase):
    """The demo complaints span a year, worked as a company works them: most resolved in time, a
    few escalated, none left open for long; on any day the demo is loaded."""

    def demo_complaints(self, after_id=0):
        company = self.env.ref("base.main_company")
        return self.env["crm.complaint"].search(
            [("company_id", "=", company.id), ("id", ">", after_id)]
        )

    def assertWorkedYear(self, complaints, now, tz_name):
        """`complaints` loaded at `now` in the zone `tz_name`, a year of a company's complaints
        as of that day there."""
        tz = pytz.timezone(tz_name)
        today = pytz.utc.localize(now).astimezone(tz).date()

        def month(moment):
            local = pytz.utc.localize(moment).astimezone(tz)
            return (local.year, local.month)

        self.assertTrue(all(c.reported_date < now for c in complaints))
        # the current month (its first days may have no complaint yet) and the eleven before,
        # each with its complaints: one bar a month in the complaint reports
        per_month = Counter(month(c.reported_date) for c in complaints)
        this_month = today.replace(day=1)
        months = [this_month - relativedelta(months=k) for k in range(12)]
        self.assertLessEqual(set(per_month), {(m.year, m.month) for m in months})
        for first in months[1:]:
            self.assertGreaterEqual(per_month[first.year, first.month], 3, first)
        closed = complaints.filtered("is_closed")
        self.assertTrue(all(c.closed_date and c.closed_date < now for c in closed))
        self.assertTrue(all(c.resolved_date <= c.closed_date for c in closed))
        met = closed.filtered(lambda c: c.sla_status == SLA_MET)
        breached = closed.filtered(lambda c: c.sla_status == SLA_BREACHED)
        self.assertEqual(len(met) + len(breached), len(closed))
        share_met = len(met) / len(closed)
        self.assertGreaterEqual(share_met, 0.75, f"{len(met)} of {len(closed)} in time")
        self.assertLessEqual(share_met, 0.95, f"{len(met)} of {len(closed)} in time")
        escalated = complaints.filtered(lambda c: c.escalation_level >= ESCALATION_LEADER)
        self.assertTrue(2 <= len(escalated) <= 0.15 * len(complaints), len(escalated))
        # the open ones are recent: filed in the last three weeks, none weeks past its deadline
        for complaint in complaints - closed:
            self.assertLess(now - complaint.reported_date, timedelta(days=21))
            self.assertLess(now - complaint.resolve_deadline, timedelta(days=7))

    def test_demo_complaints_spread_over_a_year(self):
        complaints = self.demo_complaints()
        loaded = max(complaints.mapped("create_date"))
        self.assertWorkedYear(complaints, loaded, self.install_tz)
        # the e-mails of the past went out when they happened, dated then
        past = complaints.filtered(lambda c: loaded - c.reported_date > timedelta(days=21))
        self.assertGreater(len(past), 80)
        messages = past.message_ids
        self.assertFalse(
            self.env["mail.mail"].search(
                [("mail_message_id", "in", messages.ids), ("state", "=", "outgoing")]
            )
        )
        for complaint in past:
            dates = complaint.message_ids.mapped("date")
            self.assertTrue(complaint.reported_date <= min(dates), complaint.name)
            self.assertTrue(max(dates) <= complaint.closed_date, complaint.name)

    def test_demo_loads_on_any_day(self):
        """A month's end (one month back is a shorter month) and 29 February."""
        for moment in ("2028-02-29 10:00:00", "2027-03-31 22:00:00"):
            with self.subTest(moment=moment), freeze_time(moment):
                last_id = max(self.demo_complaints().ids)
                self.env["res.company"]._crm_load_complaint_demo()
                self.assertWorkedYear(
                    self.demo_complaints(last_id),
                    fields.Datetime.now(),
                    self.env.ref("base.main_company")._crm_tz(),
                )
