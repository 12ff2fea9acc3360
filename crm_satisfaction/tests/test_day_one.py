"""Day one: a company that already holds two years of customers and orders installs the addons
(its start date is today), then every nightly cron of tiering and satisfaction runs once.
Existing customers get their first follow-up spread over their tier's interval from the start
date, none overdue; the recompute writes history without chatter notes; nothing is mailed; a
second night creates nothing."""

import math
from collections import Counter
from datetime import timedelta
from unittest.mock import patch

from odoo.fields import Domain
from odoo.tests import new_test_user, tagged

from odoo.addons.crm_lifecycle_tiering.models.lifecycle_data import (
    STAGE_CHURNED,
    STAGE_FIRST_PURCHASE,
    STAGE_LOYAL,
    STAGE_REPEAT,
)
from odoo.addons.crm_lifecycle_tiering.tests.common import CrmCase, insert_orders
from odoo.addons.crm_satisfaction.models.followup_data import FOLLOWUP_ACTIVITY_TYPE_XMLID

ENGINE_NOTE_ID = "%-openerp-crm-lifecycle@%"


@tagged("post_install", "-at_install")
class TestDayOne(CrmCase):
    """Day One Co, start date today (T), its own tier rules (VIP: 10 orders in the 12-month
    window, Key: 3), the shipped follow-up intervals (VIP 30, Key 90, Standard 180 days), the
    default first follow-up delay and horizon (7 days). Its customers, each group created at
    once (consecutive ids), bought before T:
    - 30 VIP: an order every 30 days from T-10 to T-700 (12 in the window; loyal);
    - 90 Key: an order every 90 days from T-20 to T-650 (4 in the window; loyal);
    - 180 Standard: orders at T-400 and T-60 (1 in the window; repeat purchase);
    - 10 churned: orders at T-700 and T-300 (Standard; churned);
    and one newcomer first bought on T (Standard; first purchase)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env["res.company"].create({"name": "Day One Co"})
        cls.env.user.company_ids |= cls.company
        cls.today = cls.crm_today(cls.company)
        cls.company.crm_start_date = cls.today
        cls.salespeople = [
            new_test_user(
                cls.env,
                login=f"day_one_salesperson_{i}",
                groups="sales_team.group_sale_salesman,crm_satisfaction.crm_satisfaction_group_user",
                company_id=cls.company.id,
                company_ids=cls.company.ids,
            )
            for i in range(2)
        ]
        cls.use_order_tiers(cls.company, vip_orders=10, key_orders=3)
        cls.vip = cls.make_customers("VIP", 30)
        cls.key = cls.make_customers("Key", 90)
        cls.standard = cls.make_customers("Standard", 180)
        cls.churned = cls.make_customers("Churned", 10)
        cls.newcomer = cls.make_customers("Newcomer", 1)
        cls.customers = cls.vip | cls.key | cls.standard | cls.churned | cls.newcomer
        history = (
            (cls.vip, [10 + 30 * k for k in range(24)]),
            (cls.key, [20 + 90 * k for k in range(8)]),
            (cls.standard, [400, 60]),
            (cls.churned, [700, 300]),
            (cls.newcomer, [0]),
        )
        insert_orders(
            cls.env,
            cls.company,
            [
                (partner, cls.today - timedelta(days=days), 250.0)
                for partners, ago in history
                for partner in partners
                for days in ago
            ],
            prefix="DAY-ONE",
        )
        cls.activity_type = cls.env.ref(FOLLOWUP_ACTIVITY_TYPE_XMLID)

    @classmethod
    def make_customers(cls, name, count):
        return cls.env["res.partner"].create(
            [
                {
                    "name": f"Day One {name} {i}",
                    "is_company": True,
                    "company_id": cls.company.id,
                    "user_id": cls.salespeople[i % 2].id,
                }
                for i in range(count)
            ]
        )

    # ------------------------------------------------------------------ helpers
    def run_nightly_crons(self):
        """Every cron of tiering and satisfaction, as the scheduler runs them (each batch
        'committed'); returns the e-mails each queued. The escalation cron escalates the
        complaints of every company: the other companies' e-mails are not counted."""
        Mail = self.env["mail.mail"]
        ours = Domain.OR(
            [
                Domain("model", "=", "res.partner") & Domain("res_id", "in", self.customers.ids),
                Domain("model", "=", "crm.complaint")
                & Domain("res_id", "in", self.company_complaints().ids),
                Domain("recipient_ids", "in", [user.partner_id.id for user in self.salespeople]),
            ]
        )
        crons = {
            "recompute": self.env["crm.value.engine"]._cron_recompute_values,
            "refresh": self.env["crm.value.engine"]._cron_refresh_queue,
            "followups": self.env["crm.followup"]._cron_schedule_followups,
            "campaigns": self.env["crm.satisfaction.campaign"]._cron_run_campaigns,
            "escalation": self.env["crm.complaint"]._cron_escalate,
        }
        mails = {}
        with patch.object(type(self.env["ir.cron"]), "_commit_progress", return_value=60.0):
            for name, cron in crons.items():
                domain = ours if name == "escalation" else Domain.TRUE
                before = Mail.search_count(domain)
                cron()
                mails[name] = Mail.search_count(domain) - before
        return mails

    def company_complaints(self):
        return self.env["crm.complaint"].search([("company_id", "=", self.company.id)])

    def in_days(self, days):
        return self.today + timedelta(days=days)

    def days(self, first, last):
        return [self.in_days(d) for d in range(first, last + 1)]

    def next_dates(self, partners):
        partners.invalidate_recordset()
        return [p.with_company(self.company).crm_followup_next_date for p in partners]

    def followup_activities(self):
        return self.activities_of(self.customers, self.activity_type)

    def engine_notes(self):
        return self.env["mail.message"].search(
            [
                ("model", "=", "res.partner"),
                ("res_id", "in", self.customers.ids),
                ("message_id", "=like", ENGINE_NOTE_ID),
            ]
        )

    def events(self):
        return self.env["crm.lifecycle.event"].search_count(
            [("partner_id", "in", self.customers.ids), ("company_id", "=", self.company.id)]
        )

    def sent_to_customers(self):
        """Messages and survey invitations about the company's customers."""
        return (
            self.env["mail.message"].search_count(
                [("model", "=", "res.partner"), ("res_id", "in", self.customers.ids)]
            ),
            self.env["survey.user_input"].search_count([("partner_id", "in", self.customers.ids)]),
        )

    # ------------------------------------------------------------------ tests
    def test_the_first_night(self):
        # the premises: shipped intervals and defaults, groups of consecutive ids
        self.assertEqual(
            (
                self.tier_vip.followup_interval_days,
                self.tier_key.followup_interval_days,
                self.tier_standard.followup_interval_days,
                self.company.crm_followup_first_days,
                self.company.crm_followup_horizon_days,
            ),
            (30, 90, 180, 7, 7),
        )
        for group in (self.vip, self.key, self.standard):
            self.assertEqual(group.ids, list(range(group.ids[0], group.ids[0] + len(group))))
        sent = self.sent_to_customers()
        no_mail = {
            "recompute": 0,
            "refresh": 0,
            "followups": 0,
            "campaigns": 0,
            "escalation": 0,
        }

        self.assertEqual(self.run_nightly_crons(), no_mail)

        # tiers and stages of everyone, with their history: 311 buyers, 2 events each
        company = self.customers.with_company(self.company)
        self.assertEqual(
            Counter((p.crm_tier_id.name, p.crm_lifecycle_stage) for p in company),
            Counter(
                {
                    ("VIP", STAGE_LOYAL): 30,
                    ("Key", STAGE_LOYAL): 90,
                    ("Standard", STAGE_REPEAT): 180,
                    ("Standard", STAGE_CHURNED): 10,
                    ("Standard", STAGE_FIRST_PURCHASE): 1,
                }
            ),
        )
        self.assertEqual(self.events(), 622)
        # no chatter note, no message, no invitation (and no e-mail, above)
        self.assertEqual(len(self.engine_notes()), 0)
        self.assertEqual(self.sent_to_customers(), sent)
        self.assertFalse(self.company_complaints())

        # next follow-ups: the existing customers of each tier, one a day over its interval
        # from the start date, none before it; the newcomer 7 days after its first purchase
        self.assertEqual(sorted(self.next_dates(self.vip)), self.days(1, 30))
        self.assertEqual(sorted(self.next_dates(self.key)), self.days(1, 90))
        self.assertEqual(sorted(self.next_dates(self.standard)), self.days(1, 180))
        self.assertEqual(self.next_dates(self.newcomer), [self.in_days(7)])
        self.assertEqual(set(self.next_dates(self.churned)), {False})
        # at most ceil(customers / interval) + 1 a day in a tier (Standard: 2 on T+7)
        for partners, interval in (
            (self.vip, 30),
            (self.key, 90),
            (self.standard | self.newcomer, 180),
        ):
            per_day = Counter(self.next_dates(partners))
            self.assertLessEqual(max(per_day.values()), math.ceil(len(partners) / interval) + 1)
        self.assertEqual(
            Counter(self.next_dates(self.standard | self.newcomer))[self.in_days(7)], 2
        )

        # activities for those due within the horizon (7 days) only: 7 a tier and the newcomer,
        # none overdue, each for the customer's salesperson on its next date
        activities = self.followup_activities()
        self.assertEqual(len(activities), 22)
        due = company.filtered(
            lambda p: p.crm_followup_next_date and p.crm_followup_next_date <= self.in_days(7)
        )
        self.assertEqual(set(activities.mapped("res_id")), set(due.ids))
        self.assertEqual(
            Counter(p.crm_tier_id.name for p in due), Counter({"VIP": 7, "Key": 7, "Standard": 8})
        )
        self.assertGreaterEqual(min(activities.mapped("date_deadline")), self.in_days(1))
        self.assertLessEqual(max(activities.mapped("date_deadline")), self.in_days(7))
        partners = {p.id: p for p in company}
        for activity in activities:
            partner = partners[activity.res_id]
            self.assertEqual(
                (activity.date_deadline, activity.user_id, activity.crm_followup_company_id),
                (partner.crm_followup_next_date, partner.user_id, self.company),
            )

        # the second night creates nothing, and no date moved
        dates = self.next_dates(self.customers)
        self.assertEqual(self.run_nightly_crons(), no_mail)
        self.assertEqual(self.events(), 622)
        self.assertEqual(len(self.engine_notes()), 0)
        self.assertEqual(len(self.followup_activities()), 22)
        self.assertEqual(self.sent_to_customers(), sent)
        self.assertEqual(self.next_dates(self.customers), dates)

    def test_start_date_and_interval_move_the_dates(self):
        Followup = self.env["crm.followup"]
        self.env["crm.value.engine"]._recompute_company(self.company)
        Followup._update_next_dates(self.company)
        self.assertEqual(self.next_dates(self.newcomer), [self.in_days(7)])
        before = dict(zip(self.customers, self.next_dates(self.customers), strict=True))
        # the company started 10 days earlier: every existing customer's date moves 10 days
        # back (by then, none overdue more than 9 days); the newcomer's stays
        self.company.crm_start_date = self.in_days(-10)
        Followup._update_next_dates(self.company)
        after = dict(zip(self.customers, self.next_dates(self.customers), strict=True))
        existing = self.vip | self.key | self.standard
        self.assertEqual(
            {p: after[p] for p in existing}, {p: before[p] - timedelta(days=10) for p in existing}
        )
        self.assertEqual(after[self.newcomer[0]], self.in_days(7))
        self.assertEqual(sorted(self.next_dates(self.vip)), self.days(-9, 20))
        # a first purchase on or after the start date follows the first follow-up delay
        self.company.crm_followup_first_days = 3
        Followup._update_next_dates(self.company)
        self.assertEqual(self.next_dates(self.newcomer), [self.in_days(3)])
        # VIP customers visited every 60 days: 30 different days among the first 60
        self.tier_vip.followup_interval_days = 60
        Followup._update_next_dates(self.company)
        vip_dates = self.next_dates(self.vip)
        self.assertEqual(len(set(vip_dates)), 30)
        self.assertLessEqual(set(vip_dates), set(self.days(-9, 50)))
        # deterministic: nothing changes on a second pass
        self.env.cr.execute(Followup._get_next_date_changes_query(self.company))
        self.assertEqual(self.env.cr.fetchall(), [])
        # once a follow-up is done: its day + the interval
        customer = self.vip[0]
        Followup.create(
            {"partner_id": customer.id, "company_id": self.company.id, "date": self.today}
        )
        self.assertEqual(self.next_dates(customer), [self.in_days(60)])
