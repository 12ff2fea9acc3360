"""The demo data (always installed in the test database) shows a sales team that works its churn
warnings: the warnings of past scorings are in progress, each with its next step planned in the
coming days (a few a day or two late), or closed with their outcome; the playbook's activities
were done on time, with what they gave; today's warnings are new with their activities due in
the next days. It installs on any day."""

from datetime import timedelta

from dateutil.relativedelta import relativedelta
from freezegun import freeze_time

from odoo.tests import tagged

from odoo.addons.crm_churn_warning.demo.crm_churn_demo import LATE_FOLLOW_UPS
from odoo.addons.crm_churn_warning.models.churn_data import (
    OPEN_STATES,
    STATE_DISMISSED,
    STATE_IN_PROGRESS,
    STATE_LOST,
    STATE_NEW,
    STATE_RETAINED,
)
from odoo.addons.crm_lifecycle_tiering.tests.common import CrmCase

LATE_DAYS = 3  # a next step is at most this many days late


@tagged("post_install", "-at_install")
class TestChurnDemo(CrmCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.ref("base.main_company")

    def demo_warnings(self, after_id=0):
        return self.env["crm.churn.warning"].search(
            [("company_id", "=", self.company.id), ("id", ">", after_id)]
        )

    def done_activities(self, warnings):
        """The activities done on `warnings` (archived once done)."""
        return (
            self.env["mail.activity"]
            .with_context(active_test=False)
            .search(
                [
                    ("res_model", "=", "crm.churn.warning"),
                    ("res_id", "in", warnings.ids),
                    ("active", "=", False),
                ]
            )
        )

    def assertWorked(self, warnings, today):
        """The warnings look worked as of ``today``."""
        open_warnings = warnings.filtered(lambda w: w.state in OPEN_STATES)
        older = open_warnings.filtered(lambda w: w.date < today)
        recent = open_warnings.filtered(lambda w: w.date == today)
        # nothing left new from a past scoring: worked, with its next step planned
        self.assertEqual(set(older.mapped("state")), {STATE_IN_PROGRESS})
        self.assertEqual(set(recent.mapped("state")), {STATE_NEW})
        self.assertFalse(open_warnings.filtered(lambda w: not w.activity_ids).mapped("name"))
        pending = open_warnings.activity_ids
        late = pending.filtered(lambda a: a.date_deadline < today)
        self.assertLessEqual(len(late), LATE_FOLLOW_UPS)
        self.assertTrue(all((today - a.date_deadline).days <= LATE_DAYS for a in late))
        self.assertTrue(all(a.date_deadline >= today for a in recent.activity_ids))
        self.assertTrue(all(a.date_deadline <= today + timedelta(days=7) for a in pending))
        # closed ones with their outcome, after the warning
        closed = warnings - open_warnings
        for warning in closed.filtered(lambda w: w.state in (STATE_RETAINED, STATE_LOST)):
            self.assertGreater(warning.outcome_date, warning.date, warning.name)
            self.assertLessEqual(warning.outcome_date, today, warning.name)
        # the playbooks' activities done on time, with what they gave
        for activity in self.done_activities(warnings):
            warning = warnings.browse(activity.res_id)
            self.assertTrue(activity.feedback, warning.name)
            self.assertTrue(warning.date <= activity.date_done < today, warning.name)
            self.assertLessEqual(activity.date_done, activity.date_deadline, warning.name)
        # the chatter dated as it happened: never before the warning, never in the future
        for warning in warnings:
            days = {message.date.date() for message in warning.message_ids}
            self.assertGreaterEqual(min(days), warning.date - timedelta(days=1), warning.name)
            self.assertLessEqual(max(days), today + timedelta(days=1), warning.name)

    def test_demo_warnings_are_worked(self):
        warnings = self.demo_warnings()
        # the demo is dated from its install day
        self.assertWorked(warnings, self.install_today())
        # every outcome shows, the lost ones with what happened, and the calls that were made
        self.assertLessEqual(
            {STATE_NEW, STATE_IN_PROGRESS, STATE_RETAINED, STATE_LOST, STATE_DISMISSED},
            set(warnings.mapped("state")),
        )
        self.assertTrue(warnings.filtered(lambda w: w.state == STATE_LOST and w.outcome_note))
        self.assertTrue(self.done_activities(warnings))

    def test_demo_loads_on_any_day(self):
        """The end of this month (the customers' histories still fresh: warnings are raised
        and worked), and 29 February, whatever the histories then."""
        today = self.crm_today(self.company)
        month_end = today + relativedelta(day=31)
        for moment, fresh in ((f"{month_end} 22:00:00", True), ("2028-02-29 10:00:00", False)):
            with self.subTest(moment=moment), freeze_time(moment):
                # the churn history replayed from scratch on that day
                self.demo_warnings().unlink()
                self.env["res.company"]._crm_load_churn_demo()
                warnings = self.demo_warnings()
                self.assertWorked(warnings, self.company._crm_today())
                if fresh:
                    self.assertTrue(warnings.filtered(lambda w: w.state == STATE_IN_PROGRESS))
