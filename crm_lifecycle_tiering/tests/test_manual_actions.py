"""What a manager can do by hand: recompute one customer from its form, recompute everyone from
the settings, unlock a locked tier; and who may not."""

from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import ValueCase


@tagged("post_install", "-at_install")
class TestManualActions(ValueCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.today = cls.crm_today(cls.vc)
        cls.customer = cls.make_customer("Refresh Me")
        cls.contact = cls.env["res.partner"].create({"name": "Buyer", "parent_id": cls.customer.id})
        cls.make_order(cls.customer, 200, cls.today - timedelta(days=10))
        cls.make_order(cls.contact, 300, cls.today - timedelta(days=3))
        cls.bystander = cls.make_customer("Not Me")
        cls.make_order(cls.bystander, 400, cls.today - timedelta(days=5))
        # an administrator of the settings who is no customer value manager
        cls.settings_admin = new_test_user(
            cls.env, login="tier_settings_admin", groups="base.group_user,base.group_system"
        )
        cls.key_rule = cls.env["crm.tier.rule"].create(
            {"tier_id": cls.tier_key.id, "company_id": cls.vc.id, "min_revenue_period": 500}
        )

    def as_user(self, user, records):
        return records.with_user(user).with_company(self.vc)

    def events(self, partner, kind):
        return self.env["crm.lifecycle.event"].search(
            [("partner_id", "=", partner.id), ("kind", "=", kind)], order="id"
        )

    def assertRefreshed(self):
        values = self.val(self.customer)
        self.assertEqual(
            (
                values.crm_order_count,
                values.crm_revenue_total,
                values.crm_revenue_period,
                values.crm_avg_order_value,
                values.crm_purchase_interval,
                values.crm_first_order_date,
                values.crm_last_order_date,
                values.crm_lifecycle_stage,
                values.crm_tier_id,
                values.crm_tier_rule_id,
                values.crm_tier_reason_text,
            ),
            (
                2,
                500.0,
                500.0,
                250.0,
                7.0,
                self.today - timedelta(days=10),
                self.today - timedelta(days=3),
                "repeat",
                self.tier_key,
                self.key_rule,
                "Revenue 12 months $\xa0500.00 ≥ $\xa0500.00",
            ),
        )

    # ------------------------------------------------------------------ one customer
    def test_refresh_one_customer_from_its_form(self):
        # the button on a contact recomputes its company, as of today, and no one else
        result = self.as_user(self.tier_manager, self.contact).action_crm_refresh_values()
        self.assertIs(result, True)
        self.assertRefreshed()
        self.assertFalse(self.val(self.contact).crm_lifecycle_stage)
        self.assertFalse(self.val(self.bystander).crm_lifecycle_stage)
        self.assertEqual(self.val(self.bystander).crm_order_count, 0)
        # in the current company only
        self.assertFalse(self.val(self.customer, self.company).crm_lifecycle_stage)
        events = self.events(self.customer, "stage") | self.events(self.customer, "tier")
        self.assertEqual(
            sorted((e.kind, e.new_stage, e.new_tier_id.code or None) for e in events),
            [("stage", "repeat", "key"), ("tier", "repeat", "key")],
        )
        self.assertEqual(set(events.mapped("origin")), {"manual"})
        self.assertEqual(events.user_id, self.tier_manager)
        self.assertEqual(set(events.mapped("date")), {self.today})
        # a second click finds nothing to change
        self.as_user(self.tier_manager, self.customer).action_crm_refresh_values()
        self.assertEqual(len(self.events(self.customer, "stage")), 1)

    def test_refresh_one_customer_needs_a_manager(self):
        for user in (self.tier_user, self.employee):
            with self.assertRaisesRegex(
                AccessError, "^Only customer value managers can recompute values.$"
            ):
                self.as_user(user, self.customer).action_crm_refresh_values()
        self.assertFalse(self.val(self.customer).crm_lifecycle_stage)
        self.assertFalse(self.events(self.customer, "stage"))

    # ------------------------------------------------------------------ everyone, from settings
    def test_settings_button_wakes_the_recompute(self):
        cron = self.env.ref("crm_lifecycle_tiering.ir_cron_crm_value_recompute")
        Trigger = self.env["ir.cron.trigger"]
        before = Trigger.search([("cron_id", "=", cron.id)])
        admin = self.env.ref("base.user_admin")
        admin.company_ids |= self.vc
        settings = self.as_user(admin, self.env["res.config.settings"]).create({})
        action = settings.action_crm_recompute_values()
        self.assertEqual(action["tag"], "display_notification")
        self.assertEqual(action["params"]["title"], "Customer values")
        triggers = Trigger.search([("cron_id", "=", cron.id)]) - before
        self.assertEqual(len(triggers), 1)
        self.assertLessEqual(triggers.call_at, fields.Datetime.now())
        # the button computes nothing in the user's transaction: the cron does, for everyone
        self.assertFalse(self.val(self.customer).crm_lifecycle_stage)
        with patch.object(type(self.env["ir.cron"]), "_commit_progress", return_value=60.0):
            self.engine._cron_recompute_values()
        self.assertRefreshed()
        bystander = self.val(self.bystander)
        self.assertEqual(
            (
                bystander.crm_order_count,
                bystander.crm_revenue_total,
                bystander.crm_lifecycle_stage,
                bystander.crm_tier_id,
            ),
            (1, 400.0, "first_purchase", self.tier_standard),
        )
        self.assertEqual(set(self.events(self.customer, "stage").mapped("origin")), {"cron"})

    def test_settings_button_needs_settings_and_manager_rights(self):
        cron = self.env.ref("crm_lifecycle_tiering.ir_cron_crm_value_recompute")
        Trigger = self.env["ir.cron.trigger"]
        before = Trigger.search_count([("cron_id", "=", cron.id)])
        # a customer value manager without the settings: the settings do not open
        with self.assertRaisesRegex(AccessError, r"\(res\.config\.settings\)"):
            self.as_user(self.tier_manager, self.env["res.config.settings"]).create({})
        # a settings administrator who is no customer value manager: the button refuses
        self.settings_admin.company_ids |= self.vc
        settings = self.as_user(self.settings_admin, self.env["res.config.settings"]).create({})
        with self.assertRaisesRegex(
            AccessError, "^Only customer value managers can recompute values.$"
        ):
            settings.action_crm_recompute_values()
        self.assertEqual(Trigger.search_count([("cron_id", "=", cron.id)]), before)

    # ------------------------------------------------------------------ unlocking a tier
    def lock(self, tier, reason):
        wizard = (
            self.env["crm.tier.lock.wizard"]
            .with_user(self.tier_manager)
            .with_company(self.vc)
            .with_context(active_model="res.partner", active_ids=self.customer.ids)
            .create({"tier_id": tier.id, "reason": reason})
        )
        wizard.action_lock()
        # the tracking of the lock, as the commit logs it
        self.env.cr.precommit.run()

    def lock_messages(self):
        """The chatter messages that tell a lock or its release, oldest first."""
        return self.env["mail.message"].search(
            [
                ("model", "=", "res.partner"),
                ("res_id", "=", self.customer.id),
                ("tracking_value_ids.field_id.name", "=", "crm_tier_locked"),
            ],
            order="id",
        )

    def test_unlock_gives_the_rule_tier_back(self):
        self.run_engine(as_of=self.today)
        self.assertEqual(self.val(self.customer).crm_tier_id, self.tier_key)
        self.lock(self.tier_vip, "Board decision")
        self.run_engine(as_of=self.today)
        locked = self.val(self.customer)
        self.assertEqual(locked.crm_tier_id, self.tier_vip)
        self.assertFalse(locked.crm_tier_rule_id)
        self.assertEqual(
            locked.crm_tier_reason_text, f"Tier locked by {self.tier_manager.name}: Board decision"
        )

        self.assertIs(self.as_user(self.tier_manager, self.contact).action_crm_unlock_tier(), True)
        partner = self.val(self.customer)
        self.assertEqual(
            (
                partner.crm_tier_locked,
                partner.crm_tier_lock_reason,
                partner.crm_tier_lock_until,
                partner.crm_tier_lock_user_id,
            ),
            (False, False, False, self.env["res.users"]),
        )
        # the customer is recomputed at once: back to the tier its rule gives
        self.assertRefreshed()
        self.assertEqual(partner.crm_tier_since, self.today)
        tier_events = self.events(self.customer, "tier")
        self.assertEqual(
            [(e.old_tier_id, e.new_tier_id, e.origin) for e in tier_events],
            [
                (self.Tier, self.tier_key, "cron"),
                (self.tier_key, self.tier_vip, "manual"),
                (self.tier_vip, self.tier_key, "manual"),
            ],
        )
        unlocked = tier_events[-1]
        self.assertEqual(
            (unlocked.rule_id, unlocked.reason_text, unlocked.user_id, unlocked.date),
            (
                self.key_rule,
                "Revenue 12 months $\xa0500.00 ≥ $\xa0500.00",
                self.tier_manager,
                self.today,
            ),
        )
        # the chatter tells who released the lock, as tracked values (no sentence stored in the
        # language of the one who acted); the tier's return, the engine's message tells
        self.env.cr.precommit.run()
        locked_note, released_note = self.lock_messages()
        self.assertEqual(released_note.author_id, self.tier_manager.partner_id)
        self.assertFalse(released_note.body)
        self.assertEqual(
            {
                tracking.field_id.name: (
                    tracking.old_value_integer,
                    tracking.new_value_integer,
                    tracking.old_value_char or "",
                    tracking.new_value_char or "",
                )
                for tracking in released_note.tracking_value_ids
            },
            {
                "crm_tier_locked": (1, 0, "", ""),
                "crm_tier_lock_reason": (0, 0, "Board decision", ""),
            },
        )
        self.assertEqual(
            {
                tracking.field_id.name: (tracking.old_value_char or "", tracking.new_value_char)
                for tracking in locked_note.tracking_value_ids
                if tracking.field_id.name in ("crm_tier_id", "crm_tier_lock_reason")
            },
            {"crm_tier_id": ("Key", "VIP"), "crm_tier_lock_reason": ("", "Board decision")},
        )
        # each tier change told once: the lock's, and the engine's when the rule's tier is back
        tier_changes = sorted(
            (tracking.mail_message_id.id, tracking.old_value_char, tracking.new_value_char)
            for tracking in self.env["mail.message"]
            .search([("model", "=", "res.partner"), ("res_id", "=", self.customer.id)])
            .tracking_value_ids
            if tracking.field_id.name == "crm_tier_id"
        )
        self.assertEqual(
            [(old, new) for _id, old, new in tier_changes], [("Key", "VIP"), ("VIP", "Key")]
        )
        self.assertEqual(tier_changes[0][0], locked_note.id)
        # the next run keeps the rule's tier and has nothing left to write
        result = self.run_engine(as_of=self.today)
        self.assertEqual((result["written"], result["events"]), (0, 0))
        self.assertRefreshed()
        self.assertEqual(len(self.events(self.customer, "tier")), 3)

    def test_unlock_needs_a_manager(self):
        self.run_engine(as_of=self.today)
        self.lock(self.tier_vip, "Board decision")
        for user in (self.tier_user, self.employee):
            with self.assertRaisesRegex(
                AccessError, "^Only customer value managers can unlock tiers.$"
            ):
                self.as_user(user, self.customer).action_crm_unlock_tier()
        partner = self.val(self.customer)
        self.assertTrue(partner.crm_tier_locked)
        self.assertEqual(partner.crm_tier_lock_reason, "Board decision")
        self.assertEqual(partner.crm_tier_id, self.tier_vip)
