"""Getting Started on an existing database: the preview shows the tiers and lifecycle stages the
first night assigns, exactly, and leaves nothing behind; Apply saves the start date and schedules
nothing; the nightly recompute then assigns what the preview showed. Only customer value
managers of the company open it."""

from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from unittest.mock import patch

import pytz

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import Form, new_test_user, tagged

from odoo.addons.crm_lifecycle_tiering.models.lifecycle_data import (
    STAGE_CHURNED,
    STAGE_FIRST_PURCHASE,
    STAGE_LOYAL,
    STAGE_PROSPECT,
    STAGE_REPEAT,
)

from .common import CrmHttpCase, ValueCase, insert_orders, preview_traces


@tagged("post_install", "-at_install")
class TestGettingStartedTiers(ValueCase):
    """Value Test Co holds two years of orders before its start date (T, today); its own rules:
    VIP from 10 orders in the 12-month window, Key from 3. Its customers:
    - 3 VIP: an order every 30 days from T-10 to T-700 (12 in the window; loyal);
    - 4 Key: an order every 90 days from T-20 to T-650 (4 in the window; loyal);
    - 2 Key: orders at T-30, T-60 and T-90 (3 in the window; repeat purchase);
    - 5 Standard: orders at T-400 and T-60 (1 in the window; repeat purchase);
    - 2 Standard: one order at T-100 (first purchase);
    - 3 Standard: orders at T-700 and T-300 (churned: no order for 300 days > 180);
    - 1 prospect of the company, without order (no tier)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.today = cls.crm_today(cls.vc)
        cls.vc.crm_start_date = cls.today
        Rule = cls.env["crm.tier.rule"]
        Rule.create(
            [
                {"tier_id": cls.tier_vip.id, "company_id": cls.vc.id, "min_orders_period": 10},
                {"tier_id": cls.tier_key.id, "company_id": cls.vc.id, "min_orders_period": 3},
            ]
        )
        history = {
            "VIP": (3, [10 + 30 * k for k in range(24)]),
            "Key loyal": (4, [20 + 90 * k for k in range(8)]),
            "Key repeat": (2, [30, 60, 90]),
            "Standard repeat": (5, [400, 60]),
            "Standard first": (2, [100]),
            "Churned": (3, [700, 300]),
        }
        cls.groups = {}
        orders = []
        for name, (count, ago) in history.items():
            partners = cls.env["res.partner"].create(
                [{"name": f"GS {name} {i}", "is_company": True} for i in range(count)]
            )
            cls.groups[name] = partners
            orders += [
                (partner, cls.today - timedelta(days=days), 100.0)
                for partner in partners
                for days in ago
            ]
        insert_orders(cls.env, cls.vc, orders, prefix="GETTING-STARTED")
        cls.prospect = cls.make_customer("GS Prospect", company_id=cls.vc.id, customer_rank=1)
        cls.customers = cls.prospect
        for partners in cls.groups.values():
            cls.customers |= partners
        cls.value_cron = cls.env.ref("crm_lifecycle_tiering.ir_cron_crm_value_recompute")
        cls.other_manager = new_test_user(
            cls.env,
            login="gs_other_manager",
            groups="crm_lifecycle_tiering.crm_lifecycle_tiering_group_manager",
        )

    def setUp(self):
        super().setUp()
        # the value recompute is due: the first night is today
        self.value_cron.nextcall = fields.Datetime.now() - timedelta(minutes=1)
        self.env["ir.cron.trigger"].search([("cron_id", "=", self.value_cron.id)]).unlink()

    # ------------------------------------------------------------------ helpers
    def open_wizard(self, user=None):
        return (
            self.env["crm.getting.started"]
            .with_user(user or self.tier_manager)
            .with_company(self.vc)
            .create({})
        )

    def preview_matrix(self, wizard):
        return {
            (tier_id or False, stage): count
            for tier_id, stage, count in wizard.preview_data["values"]["rows"]
        }

    def stored_matrix(self):
        """(tier id, stage) -> customers of the company, as stored."""
        partners = (
            self.env["res.partner"]
            .with_company(self.vc)
            .with_context(active_test=False)
            .search([("crm_lifecycle_stage", "!=", False)])
        )
        return dict(Counter((p.crm_tier_id.id, p.crm_lifecycle_stage) for p in partners))

    def snapshot(self):
        """What a preview must leave as it was: counts of e-mails, activities, messages and
        history events, the customers' values and the company's settings, the callbacks
        waiting for the commit."""
        return {
            **preview_traces(self.env),
            "values": [
                (p.crm_tier_id.id, p.crm_lifecycle_stage, p.crm_order_count, p.crm_value_score)
                for p in self.customers.with_company(self.vc)
            ],
            "company": (self.vc.crm_start_date, self.vc.crm_rfm_breakpoints),
        }

    def run_value_crons(self):
        Engine = self.env["crm.value.engine"]
        with patch.object(type(self.env["ir.cron"]), "_commit_progress", return_value=60.0):
            Engine._cron_recompute_values()
            Engine._cron_refresh_queue()

    # ------------------------------------------------------------------ tests
    def test_preview_then_apply_then_the_first_night(self):
        expected = {
            (self.tier_vip.id, STAGE_LOYAL): 3,
            (self.tier_key.id, STAGE_LOYAL): 4,
            (self.tier_key.id, STAGE_REPEAT): 2,
            (self.tier_standard.id, STAGE_REPEAT): 5,
            (self.tier_standard.id, STAGE_FIRST_PURCHASE): 2,
            (self.tier_standard.id, STAGE_CHURNED): 3,
            (False, STAGE_PROSPECT): 1,
        }
        wizard = self.open_wizard()
        self.assertEqual(wizard.company_id, self.vc)
        self.assertEqual((wizard.start_date, wizard.night_date), (self.today, self.today))
        before = self.snapshot()
        self.assertEqual(before["values"], [(False, False, 0, 0.0)] * 20)

        wizard.action_preview()
        self.assertEqual(wizard.state, "previewed")
        self.assertEqual(self.preview_matrix(wizard), expected)
        # every customer's first tier and stage are history, without chatter notes: 19 buyers
        # get a tier and a stage event, the prospect a stage event
        values = wizard.preview_data["values"]
        self.assertEqual((values["events"], values["notes"]), (39, 0))
        self.assertEqual(wizard.preview_data["night"], self.today.isoformat())
        for text in ("VIP", "Key", "Standard", "No tier", "Loyal", "Churned", "39"):
            self.assertIn(text, wizard.preview_html)
        self.assertEqual(self.snapshot(), before, "the preview left something behind")

        # a start date a month back changes no tier; Apply saves it and schedules nothing
        with Form(wizard) as form:
            form.start_date = self.today - timedelta(days=30)
            self.assertEqual(form.state, "draft", "the preview is outdated")
        wizard.action_preview()
        self.assertEqual(self.preview_matrix(wizard), expected)
        wizard.action_apply()
        self.assertEqual(wizard.state, "applied")
        self.assertEqual(self.vc.crm_start_date, self.today - timedelta(days=30))
        after_apply = self.snapshot()
        self.assertEqual(
            {key: after_apply[key] for key in ("mails", "activities", "messages", "events")},
            {key: before[key] for key in ("mails", "activities", "messages", "events")},
        )
        self.assertEqual(after_apply["values"], before["values"])

        # the first night assigns what the preview showed
        events = self.env["crm.lifecycle.event"].search_count([("company_id", "=", self.vc.id)])
        self.run_value_crons()
        self.assertEqual(self.stored_matrix(), expected)
        self.assertEqual(
            self.env["crm.lifecycle.event"].search_count([("company_id", "=", self.vc.id)]),
            events + 39,
        )
        # previewed again after the night: the same tiers, nothing more to write
        wizard = self.open_wizard()
        wizard.action_preview()
        self.assertEqual(self.preview_matrix(wizard), expected)
        self.assertEqual(wizard.preview_data["values"]["events"], 0)

    def test_first_night_follows_the_recompute_cron(self):
        """The next run of the value recompute, in the company's time zone, is the first
        night; a pending trigger brings it forward."""
        tz = pytz.timezone(self.vc._crm_tz())
        in_3_days = self.today + timedelta(days=3)
        noon = tz.localize(datetime.combine(in_3_days, time(12, 0)))
        self.value_cron.nextcall = noon.astimezone(UTC).replace(tzinfo=None)
        wizard = self.open_wizard()
        self.assertEqual(wizard.night_date, in_3_days)
        wizard.action_preview()
        self.assertEqual(wizard.preview_data["night"], in_3_days.isoformat())
        self.value_cron._trigger()
        wizard.invalidate_recordset(["night_date"])
        self.assertEqual(wizard.night_date, self.today)

    def test_managers_of_the_company_only(self):
        Wizard = self.env["crm.getting.started"]
        for user in (self.tier_user, self.employee):
            with (
                self.subTest(user=user.login),
                self.assertRaisesRegex(
                    AccessError,
                    r"You are not allowed to create 'Getting Started' \(crm.getting.started\)",
                ),
            ):
                Wizard.with_user(user).with_company(self.vc).create({})
        # a manager of customer values elsewhere cannot act on this company
        self.assertNotIn(self.vc, self.other_manager.company_ids)
        with self.assertRaisesRegex(AccessError, "it is not one of your companies"):
            Wizard.with_user(self.other_manager).create({"company_id": self.vc.id})
        # the administrator finds it after the installation, and in CRM > Configuration
        action = self.env.ref("crm_lifecycle_tiering.crm_getting_started_action")
        self.assertEqual(
            self.env.ref("crm_lifecycle_tiering.crm_getting_started_todo").action_id.id,
            action.id,
        )
        self.assertEqual(
            self.env.ref("crm_lifecycle_tiering.crm_getting_started_menu").parent_id,
            self.env.ref("crm.crm_menu_config"),
        )
        self.assertEqual(
            action.group_ids,
            self.env.ref("crm_lifecycle_tiering.crm_lifecycle_tiering_group_manager"),
        )


@tagged("post_install", "-at_install")
class TestGettingStartedTour(CrmHttpCase):
    """The administrator moves the start date of the current company, previews the first night
    and applies: the start date is saved, nothing else happens before the night."""

    def test_getting_started_tour(self):
        company = self.env.ref("base.user_admin").company_id
        events = self.env["crm.lifecycle.event"].search_count([])
        activities = self.env["mail.activity"].search_count([])
        self.start_tour("/odoo", "crm_getting_started_tour", login="admin")
        self.env.invalidate_all()
        self.assertEqual(company.crm_start_date, date(2025, 1, 1))
        self.assertEqual(self.env["crm.lifecycle.event"].search_count([]), events)
        self.assertEqual(self.env["mail.activity"].search_count([]), activities)
