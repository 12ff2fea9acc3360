"""The demo data tells every story a newcomer should see (the test database has demo data)."""

from dateutil.relativedelta import relativedelta

from ..demo.crm_lifecycle_demo import CUSTOMERS, LOCK_REASON, LOCKED_CUSTOMER
from ..models.lifecycle_data import (
    EVENT_STAGE,
    EVENT_TIER,
    LIFECYCLE_PATTERNS,
    LIFECYCLE_STAGES,
    PATTERN_EARLY_ABORT,
    PATTERN_EARLY_EXIT,
    PATTERN_LONG_TERM,
    PATTERN_MIDWAY_ABORT,
    STAGE_CHURNED,
    TIER_KEY,
    TIER_STANDARD,
    TIER_VIP,
)
from .common import CrmCase


class TestDemoData(CrmCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.ref("base.main_company")
        cls.china_rule = cls.env.ref(
            "crm_lifecycle_tiering.crm_tier_rule_key_china_demo", raise_if_not_found=False
        )
        cls.Partner = (
            cls.env["res.partner"].with_company(cls.company).with_context(active_test=False)
        )
        cls.customers = cls.Partner.union(
            *(
                cls.env.ref(
                    f"crm_lifecycle_tiering.res_partner_{row[0]}_demo", raise_if_not_found=False
                )
                or cls.Partner
                for row in CUSTOMERS
            )
        ).with_company(cls.company)
        cls.events = cls.env["crm.lifecycle.event"].search([("company_id", "=", cls.company.id)])

    def test_demo_data_is_installed(self):
        self.assertTrue(self.china_rule, "the test database is installed with demo data")
        self.assertEqual(len(self.customers), len(CUSTOMERS))
        self.assertGreaterEqual(len(CUSTOMERS), 60)

    def test_every_tier_and_stage_in_the_main_company(self):
        tiers = self.Partner._read_group(
            [("crm_tier_id", "!=", False)], ["crm_tier_id"], ["__count"]
        )
        self.assertEqual({tier.code for tier, _count in tiers}, {TIER_VIP, TIER_KEY, TIER_STANDARD})
        stages = self.Partner._read_group(
            [("crm_lifecycle_stage", "!=", False)], ["crm_lifecycle_stage"], ["__count"]
        )
        self.assertEqual({stage for stage, _count in stages}, {key for key, _l in LIFECYCLE_STAGES})
        self.assertEqual(set(self.customers.mapped("crm_lifecycle_stage")), set(dict(stages)))
        self.assertEqual(
            set(self.customers.crm_tier_id.mapped("code")), {t.code for t, _c in tiers}
        )
        self.assertGreaterEqual(sum(count for _stage, count in stages), 60)
        self.assertEqual(len(self.customers.filtered("crm_lifecycle_stage")), len(CUSTOMERS))

    def test_every_lifecycle_pattern(self):
        patterns = dict(
            self.env["crm.lifecycle.pattern.report"]._read_group(
                [("company_id", "=", self.company.id)], ["pattern"], ["__count"]
            )
        )
        for pattern in (
            PATTERN_EARLY_ABORT,
            PATTERN_MIDWAY_ABORT,
            PATTERN_EARLY_EXIT,
            PATTERN_LONG_TERM,
        ):
            self.assertGreater(patterns.get(pattern, 0), 0, pattern)
        self.assertEqual(set(patterns), {key for key, _label in LIFECYCLE_PATTERNS})

    def test_reactivations(self):
        reactivations = self.events.filtered("is_reactivation")
        self.assertGreaterEqual(len(reactivations), 1)
        for event in reactivations:
            self.assertEqual(event.kind, EVENT_STAGE)
            self.assertEqual(event.old_stage, STAGE_CHURNED)
            churned = self.events.filtered(
                lambda e, event=event: e.partner_id == event.partner_id
                and e.new_stage == STAGE_CHURNED
                and e.date < event.date
            )
            self.assertTrue(churned)

    def test_history_spans_two_years(self):
        today = self.crm_today(self.company)
        events = self.events.filtered(lambda e: e.partner_id in self.customers)
        dates = set(events.mapped("date"))
        # one recompute a month, then today's
        self.assertGreaterEqual(len({(d.year, d.month) for d in dates}), 20)
        self.assertEqual(set(events.mapped("origin")), {"cron", "manual"})
        orders = self.env["sale.order"].search(
            [("partner_id.commercial_partner_id", "in", self.customers.ids), ("state", "=", "sale")]
        )
        self.assertGreaterEqual(len(orders), 400)
        order_dates = [order.date_order.date() for order in orders]
        self.assertLessEqual(min(order_dates), today - relativedelta(months=23))
        # the replay recomputes at each month's end: the first events carry the end of the month
        # of the first order, whatever day of the month the demo was installed on
        self.assertEqual(min(dates), min(order_dates) + relativedelta(day=31))
        self.assertLessEqual(max(order_dates), today)
        self.assertGreaterEqual(len({(d.year, d.month) for d in order_dates}), 24)
        # the engine's notes on the partners carry the date of the month-end run that wrote them;
        # a customer's first tier and stage are history without a note (the first run: none)
        notes = self.env["mail.message"].search(
            [
                ("model", "=", "res.partner"),
                ("res_id", "in", self.customers.ids),
                ("message_id", "=like", "%-openerp-crm-lifecycle@%"),
            ]
        )
        changes = events.filtered(lambda e: e.old_stage or e.old_tier_id)
        month_ends = {d for d in changes.mapped("date") if d < max(dates)}
        self.assertLessEqual(month_ends, {note.date.date() for note in notes})
        self.assertNotIn(min(dates), {note.date.date() for note in notes})

    def test_rules_locks_referrals_and_potentials(self):
        by_rule = self.customers.filtered(lambda p: p.crm_tier_rule_id == self.china_rule)
        self.assertTrue(by_rule)
        self.assertEqual(set(by_rule.mapped("country_id.code")), {"CN"})
        self.assertEqual(set(by_rule.crm_tier_id.mapped("code")), {TIER_KEY})
        locked = self.Partner.search([("crm_tier_locked", "=", True)])
        self.assertEqual(
            locked, self.env.ref(f"crm_lifecycle_tiering.res_partner_{LOCKED_CUSTOMER}_demo")
        )
        locked = locked.with_company(self.company)
        self.assertEqual(locked.crm_tier_id.code, TIER_VIP)
        self.assertEqual(locked.crm_tier_lock_reason, LOCK_REASON)
        self.assertEqual(locked.crm_tier_lock_user_id, self.env.ref("base.user_admin"))
        lock_event = self.events.filtered(
            lambda e: e.partner_id == locked and e.kind == EVENT_TIER and e.origin == "manual"
        )
        self.assertEqual(lock_event.new_tier_id.code, TIER_VIP)
        self.assertGreaterEqual(len(self.customers.filtered("crm_referred_by_id")), 5)
        self.assertEqual(set(self.customers.mapped("crm_potential")), {"0", "1", "2", "3"})
        self.assertIn("CN", self.customers.mapped("country_id.code"))
        self.assertEqual(
            set(self.customers.mapped("user_id")),
            {self.env.ref("base.user_admin"), self.env.ref("base.user_demo")},
        )
