"""Getting Started, follow-ups: on a database holding two years of customers, the preview shows
the follow-ups of the first night per salesperson and week from the start date, none overdue
with the spread rule; the start date, the first follow-up delay and each tier's interval set in
the wizard move them; the preview leaves nothing behind, and the nightly runs after Apply
schedule exactly what it showed. Only customer care managers change the follow-up settings."""

from collections import Counter
from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import Form, new_test_user, tagged

from odoo.addons.crm_lifecycle_tiering.tests.common import (
    CrmCase,
    insert_orders,
    preview_traces,
)
from odoo.addons.crm_satisfaction.models.followup_data import FOLLOWUP_ACTIVITY_TYPE_XMLID

OVERDUE = "overdue"


@tagged("post_install", "-at_install")
class TestGettingStartedFollowups(CrmCase):
    """Getting Started Co, start date T (today), its own rules (VIP from 10 orders in the
    12-month window, Key from 3); salespeople S1 and S2. Its customers bought before T:
    - 2 VIP of S1: an order every 30 days from T-10 to T-700 (loyal);
    - 3 Key of S2: an order every 90 days from T-20 to T-650 (loyal);
    - 5 Standard: orders at T-400 and T-60 (repeat purchase), 2 of S1, 2 of S2, 1 of nobody;
    - 2 churned of S1: orders at T-700 and T-300 (no follow-up);
    and a newcomer of S2 first bought on T (Standard, first purchase).
    An existing customer's first follow-up falls 1 to its tier's interval days after the start
    date; with intervals of at most 6 days, all in the start date's first week whatever the
    customers' ids."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env["res.company"].create({"name": "Getting Started Co"})
        cls.env.user.company_ids |= cls.company
        cls.today = cls.crm_today(cls.company)
        cls.company.crm_start_date = cls.today
        salesman = "sales_team.group_sale_salesman,crm_satisfaction.crm_satisfaction_group_user"
        cls.s1, cls.s2 = (
            new_test_user(
                cls.env,
                login=f"gs_salesperson_{i}",
                name=f"GS Salesperson {i}",
                groups=salesman,
                company_id=cls.company.id,
                company_ids=cls.company.ids,
            )
            for i in (1, 2)
        )
        cls.manager = new_test_user(
            cls.env,
            login="gs_care_manager",
            groups="crm_lifecycle_tiering.crm_lifecycle_tiering_group_manager,"
            "crm_satisfaction.crm_satisfaction_group_manager",
            company_id=cls.company.id,
            company_ids=cls.company.ids,
        )
        cls.value_manager = new_test_user(
            cls.env,
            login="gs_value_manager",
            groups="crm_lifecycle_tiering.crm_lifecycle_tiering_group_manager",
            company_id=cls.company.id,
            company_ids=cls.company.ids,
        )
        cls.use_order_tiers(cls.company, vip_orders=10, key_orders=3)
        vip_orders = [10 + 30 * k for k in range(24)]
        key_orders = [20 + 90 * k for k in range(8)]
        groups = [
            ("VIP", cls.s1, 2, vip_orders),
            ("Key", cls.s2, 3, key_orders),
            ("Standard S1", cls.s1, 2, [400, 60]),
            ("Standard S2", cls.s2, 2, [400, 60]),
            ("Standard nobody", None, 1, [400, 60]),
            ("Churned", cls.s1, 2, [700, 300]),
            ("Newcomer", cls.s2, 1, [0]),
        ]
        cls.customers = cls.env["res.partner"]
        orders = []
        for name, user, count, ago in groups:
            partners = cls.env["res.partner"].create(
                [
                    {
                        "name": f"GS {name} {i}",
                        "is_company": True,
                        "company_id": cls.company.id,
                        "user_id": user and user.id,
                    }
                    for i in range(count)
                ]
            )
            cls.customers |= partners
            orders += [
                (partner, cls.today - timedelta(days=days), 250.0)
                for partner in partners
                for days in ago
            ]
        insert_orders(cls.env, cls.company, orders, prefix="GS-FOLLOWUP")
        cls.activity_type = cls.env.ref(FOLLOWUP_ACTIVITY_TYPE_XMLID)
        cls.value_cron = cls.env.ref("crm_lifecycle_tiering.ir_cron_crm_value_recompute")

    def setUp(self):
        super().setUp()
        # the value recompute is due: the first night is today
        self.value_cron.nextcall = fields.Datetime.now() - timedelta(minutes=1)
        self.env["ir.cron.trigger"].search([("cron_id", "=", self.value_cron.id)]).unlink()

    # ------------------------------------------------------------------ helpers
    def in_days(self, days):
        return self.today + timedelta(days=days)

    def open_form(self, user=None):
        return Form(
            self.env["crm.getting.started"]
            .with_user(user or self.manager)
            .with_company(self.company)
        )

    def set_intervals(self, form, intervals):
        """{tier: days} in the wizard's lines."""
        for index in range(len(form.tier_line_ids)):
            with form.tier_line_ids.edit(index) as line:
                if line.tier_id in intervals:
                    line.followup_interval_days = intervals[line.tier_id]

    def weeks(self, wizard):
        """{(salesperson, week from the start date (from the first night when it is past) or
        'overdue'): customers} of the preview."""
        User = self.env["res.users"]
        return {
            (User.browse(user_id), bucket): count
            for user_id, bucket, count in wizard.preview_data["followups"]["weeks"]
        }

    def scheduled(self, wizard):
        followups = wizard.preview_data["followups"]
        return (
            {
                self.env["res.users"].browse(user_id): count
                for user_id, count in followups["scheduled"]
            },
            followups["scheduled_overdue"],
            followups["without_salesperson"],
        )

    def snapshot(self):
        return {
            **preview_traces(self.env),
            "partners": [
                (p.crm_lifecycle_stage, p.crm_followup_next_date, p.crm_followup_last_date)
                for p in self.customers.with_company(self.company)
            ],
            "company": (
                self.company.crm_start_date,
                self.company.crm_followup_first_days,
                self.company.crm_followup_horizon_days,
            ),
            "intervals": (self.tier_vip | self.tier_key | self.tier_standard).mapped(
                "followup_interval_days"
            ),
        }

    def stored_weeks(self, start):
        """The same figures from the customers' stored next follow-ups."""
        weeks = Counter()
        for partner in self.customers.with_company(self.company):
            day = partner.crm_followup_next_date
            if day:
                bucket = OVERDUE if day < self.today else (day - start).days // 7
                weeks[partner.user_id, bucket] += 1
        return dict(weeks)

    def followup_activities(self):
        return self.activities_of(self.customers, self.activity_type)

    # ------------------------------------------------------------------ tests
    def test_preview_then_apply_then_the_first_night(self):
        nobody = self.env["res.users"]
        form = self.open_form()
        # the company's values: start date, shipped delays and intervals
        self.assertEqual(form.start_date, self.today)
        self.assertEqual((form.followup_first_days, form.followup_horizon_days), (7, 7))
        shipped = {self.tier_vip: 30, self.tier_key: 90, self.tier_standard: 180}
        self.set_intervals(form, {self.tier_vip: 5, self.tier_key: 6, self.tier_standard: 4})
        wizard = form.save()
        self.assertEqual(
            {line.tier_id: line.followup_interval_days for line in wizard.tier_line_ids},
            {self.tier_vip: 5, self.tier_key: 6, self.tier_standard: 4},
        )
        self.assertEqual({tier: tier.followup_interval_days for tier in shipped}, shipped)
        before = self.snapshot()
        self.assertEqual(before["intervals"], [30, 90, 180])

        wizard.action_preview()
        self.assertEqual(self.snapshot(), before, "the preview left something behind")
        # every existing customer's first follow-up in the first week (T+1 to T+6), the
        # newcomer's 7 days after its first purchase (T+7: the second week); none overdue
        expected = {(self.s1, 0): 4, (self.s2, 0): 5, (self.s2, 1): 1, (nobody, 0): 1}
        self.assertEqual(self.weeks(wizard), expected)
        # all due within the horizon (T+7): an activity each, but for the customer of nobody
        self.assertEqual(self.scheduled(wizard), ({self.s1: 4, self.s2: 6}, 0, 1))
        html = wizard.preview_html
        for text in ("GS Salesperson 1", "GS Salesperson 2", "No salesperson", "Overdue"):
            self.assertIn(text, html)
        self.assertNotIn("would be overdue", html)

        wizard.action_apply()
        after_apply = self.snapshot()
        self.assertEqual(after_apply["intervals"], [5, 6, 4])
        for key in ("mails", "activities", "messages", "events", "partners"):
            self.assertEqual(after_apply[key], before[key], key)

        # the first night: the value recompute, then the follow-up scheduling
        with patch.object(type(self.env["ir.cron"]), "_commit_progress", return_value=60.0):
            self.env["crm.value.engine"]._cron_recompute_values()
            self.env["crm.followup"]._cron_schedule_followups()
        self.assertEqual(self.stored_weeks(self.today), expected)
        activities = self.followup_activities()
        self.assertEqual(
            dict(Counter(activity.user_id for activity in activities)), {self.s1: 4, self.s2: 6}
        )
        self.assertGreaterEqual(min(activities.mapped("date_deadline")), self.in_days(1))

    def test_start_date_and_intervals_move_the_preview(self):
        nobody = self.env["res.users"]
        form = self.open_form()
        self.set_intervals(form, {self.tier_vip: 5, self.tier_key: 6, self.tier_standard: 4})
        form.start_date = self.in_days(-20)
        wizard = form.save()
        before = self.snapshot()

        # started 20 days ago: the existing customers' first follow-ups fell 19 to 14 days
        # ago, all overdue; the newcomer is a new customer, due on T+7 (the second week from
        # the first night: the weeks start at the first night when the start date is past)
        wizard.action_preview()
        expected = {(self.s1, OVERDUE): 4, (self.s2, OVERDUE): 5, (self.s2, 1): 1}
        expected[nobody, OVERDUE] = 1
        self.assertEqual(self.weeks(wizard), expected)
        self.assertEqual(self.scheduled(wizard), ({self.s1: 4, self.s2: 6}, 9, 1))
        self.assertIn("10 customers would be overdue", wizard.preview_html)

        # no regular follow-up of Standard customers: only the VIP and Key ones are left
        with Form(wizard) as form:
            self.set_intervals(form, {self.tier_standard: 0})
            self.assertEqual(form.state, "draft", "the preview is outdated")
        wizard.action_preview()
        self.assertEqual(self.weeks(wizard), {(self.s1, OVERDUE): 2, (self.s2, OVERDUE): 3})
        self.assertEqual(self.scheduled(wizard), ({self.s1: 2, self.s2: 3}, 5, 0))

        # starting in two weeks: everybody is an existing customer, due 15 to 20 days from now
        # (the first week from the start date), beyond the horizon: nothing scheduled
        self.set_line(wizard, self.tier_standard, 4)
        wizard.start_date = self.in_days(14)
        wizard.action_preview()
        self.assertEqual(self.weeks(wizard), {(self.s1, 0): 4, (self.s2, 0): 6, (nobody, 0): 1})
        self.assertEqual(self.scheduled(wizard), ({}, 0, 0))

        # starting today, the first follow-up 14 days after a first purchase: the newcomer's
        # moves to the third week
        wizard.write({"start_date": self.today, "followup_first_days": 14})
        wizard.action_preview()
        self.assertEqual(
            self.weeks(wizard), {(self.s1, 0): 4, (self.s2, 0): 5, (self.s2, 2): 1, (nobody, 0): 1}
        )
        self.assertEqual(self.scheduled(wizard), ({self.s1: 4, self.s2: 5}, 0, 1))
        self.assertEqual(self.snapshot(), before, "the previews left something behind")

    def set_line(self, wizard, tier, days):
        wizard.tier_line_ids.filtered(
            lambda line: line.tier_id == tier
        ).followup_interval_days = days

    def test_follow_up_settings_for_customer_care_managers(self):
        wizard = (
            self.env["crm.getting.started"]
            .with_user(self.value_manager)
            .with_company(self.company)
            .create({})
        )
        # the start date is theirs to change and preview; the follow-up settings are not
        wizard.start_date = self.in_days(-1)
        wizard.action_preview()
        wizard.start_date = self.today
        message = "Only customer care managers can change the follow-up settings."
        for values in ({"followup_first_days": 3}, {"followup_horizon_days": 14}):
            wizard.write({"followup_first_days": 7, "followup_horizon_days": 7, **values})
            with self.subTest(values=values), self.assertRaisesRegex(AccessError, message):
                wizard.action_apply()
        wizard.followup_horizon_days = 7
        self.set_line(wizard, self.tier_key, 10)
        with self.assertRaisesRegex(AccessError, message):
            wizard.action_preview()
        with self.assertRaisesRegex(AccessError, message):
            wizard.action_apply()
        self.assertEqual(self.tier_key.followup_interval_days, 90)
        self.assertEqual(self.company.crm_start_date, self.today)
        # a tier of another company cannot be slipped into the lines
        other = self.env["res.company"].create({"name": "Getting Started Other Co"})
        foreign = self.env["crm.customer.tier"].create(
            {"name": "Foreign", "code": "gs_foreign", "company_id": other.id}
        )
        manager_wizard = (
            self.env["crm.getting.started"]
            .with_user(self.manager)
            .with_company(self.company)
            .create({})
        )
        manager_wizard.tier_line_ids[0].tier_id = foreign
        manager_wizard.tier_line_ids[0].followup_interval_days = 12
        with self.assertRaisesRegex(AccessError, "Tier Foreign belongs to another company"):
            manager_wizard.action_apply()
        self.assertEqual(foreign.followup_interval_days, 0)
