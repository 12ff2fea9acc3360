from datetime import timedelta
from unittest.mock import patch

from lxml import html

from odoo.addons.crm_lifecycle_tiering.models import crm_value_engine

from .common import ValueCase


class TestRefreshAndCron(ValueCase):
    def queued(self, partner):
        return self.env["crm.value.queue"].search(
            [("partner_id", "=", partner.id), ("company_id", "=", self.vc.id)]
        )

    def test_confirm_and_cancel_queue_a_refresh(self):
        customer = self.make_customer("Queue Co")
        cron = self.env.ref("crm_lifecycle_tiering.ir_cron_crm_value_refresh")
        triggers_before = self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)])
        contact = self.env["res.partner"].create({"name": "Buyer", "parent_id": customer.id})
        order = self.make_order(contact, 400, self.crm_today(self.vc))
        # queued and the cron woken, nothing recomputed in the user's transaction
        self.assertEqual(len(self.queued(customer)), 1)
        self.assertGreater(
            self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)]), triggers_before
        )
        self.assertFalse(self.val(customer).crm_lifecycle_stage)
        with patch.object(type(self.env["ir.cron"]), "_commit_progress", return_value=60.0):
            self.engine._cron_refresh_queue()
        self.assertFalse(self.queued(customer))
        self.assertEqual(self.val(customer).crm_order_count, 1)
        self.assertEqual(self.val(customer).crm_lifecycle_stage, "first_purchase")
        event = self.env["crm.lifecycle.event"].search(
            [("partner_id", "=", customer.id), ("kind", "=", "stage")]
        )
        self.assertEqual(event.origin, "order")
        order._action_cancel()
        self.assertEqual(len(self.queued(customer)), 1)
        with patch.object(type(self.env["ir.cron"]), "_commit_progress", return_value=60.0):
            self.engine._cron_refresh_queue()
        self.assertEqual(self.val(customer).crm_order_count, 0)
        self.assertEqual(self.val(customer).crm_lifecycle_stage, "prospect")

    def test_cron_resumes_after_an_interruption_without_double_counting(self):
        customers = [self.make_customer(f"Batch {i}") for i in range(5)]
        for i, customer in enumerate(customers):
            for n in range(i + 1):
                self.make_order(customer, 100, self.AS_OF - timedelta(days=10 * n))
        calls = []

        def out_of_time_after_first_batch(processed=0, remaining=None, deactivate=False):
            calls.append((processed, remaining))
            return 0 if len(calls) == 1 else 60.0

        Cron = type(self.env["ir.cron"])
        with (
            patch.object(crm_value_engine, "BATCH_SIZE", 2),
            patch.object(Cron, "_commit_progress", side_effect=out_of_time_after_first_batch),
        ):
            first = self.engine._run(self.vc, resumable=True, as_of=self.AS_OF)
            self.assertFalse(first["done"])
            self.assertEqual(first["written"], 2)
            valued = [c for c in customers if self.val(c).crm_lifecycle_stage]
            self.assertEqual(valued, customers[:2])
            key = crm_value_engine.CURSOR_PARAM % self.vc.id
            self.assertEqual(
                self.env["ir.config_parameter"].get_param(key),
                f"{self.AS_OF.isoformat()}:{customers[1].id}",
            )
            second = self.engine._run(self.vc, resumable=True, as_of=self.AS_OF)
            self.assertTrue(second["done"])
            self.assertEqual(second["written"], 3)
            self.assertFalse(self.env["ir.config_parameter"].get_param(key))
            # an unchanged re-run writes nothing
            third = self.engine._run(self.vc, resumable=True, as_of=self.AS_OF)
            self.assertEqual((third["written"], third["events"]), (0, 0))
        self.assertEqual([processed for processed, _r in calls[:3]], [2, 2, 1])
        self.assertEqual([remaining for _p, remaining in calls[:3]], [3, 1, 0])
        self.assertEqual([self.val(c).crm_order_count for c in customers], [1, 2, 3, 4, 5])
        stage_events = self.env["crm.lifecycle.event"].search(
            [("partner_id", "in", [c.id for c in customers]), ("kind", "=", "stage")]
        )
        self.assertEqual(len(stage_events), 5)

    def test_nightly_cron_covers_every_company(self):
        customer = self.make_customer("Nightly Co")
        self.make_order(customer, 100, self.crm_today(self.vc))
        with patch.object(type(self.env["ir.cron"]), "_commit_progress", return_value=60.0):
            self.engine._cron_recompute_values()
        self.assertEqual(self.val(customer).crm_lifecycle_stage, "first_purchase")
        self.assertEqual(self.vc.crm_rfm_breakpoints["count"], 1)

    def test_recompute_button_needs_a_manager_and_triggers_the_cron(self):
        cron = self.env.ref("crm_lifecycle_tiering.ir_cron_crm_value_recompute")
        action = self.engine.with_user(self.tier_manager).action_recompute_now()
        self.assertEqual(action["tag"], "display_notification")
        self.assertTrue(self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)]))
        from odoo.exceptions import AccessError

        with self.assertRaises(AccessError):
            self.engine.with_user(self.tier_user).action_recompute_now()


class TestSimulation(ValueCase):
    def test_simulate_then_apply(self):
        # the simulation evaluates the rules as of today: orders of three days ago
        today = self.crm_today(self.vc)
        small, big = self.make_customer("Small"), self.make_customer("Big")
        self.make_order(small, 100, today - timedelta(days=3))
        for amount in (3000, 4000):
            self.make_order(big, amount, today - timedelta(days=3))
        self.run_engine(as_of=today)
        self.assertEqual(self.val(big).crm_tier_id, self.tier_standard)
        self.make_rule(self.tier_vip, min_revenue_period=5000)
        wizard = (
            self.env["crm.tier.simulation"].with_user(self.tier_manager).with_company(self.vc)
        ).create({})
        wizard.action_simulate()
        self.assertEqual(wizard.state, "simulated")
        self.assertEqual(wizard.evaluated_count, 2)
        self.assertEqual(wizard.moved_count, 1)
        self.assertEqual((wizard.upgrade_count, wizard.downgrade_count), (1, 0))
        line = wizard.line_ids
        self.assertEqual(line.partner_id, big)
        self.assertEqual((line.old_tier_id, line.new_tier_id), (self.tier_standard, self.tier_vip))
        self.assertEqual(line.direction, "up")
        self.assertEqual(line.reason_text, "Revenue 12 months $\xa07,000.00 ≥ $\xa05,000.00")
        self.assertIn("o_crm_tier_matrix", wizard.matrix_html)
        # nothing applied yet
        self.assertEqual(self.val(big).crm_tier_id, self.tier_standard)
        wizard.action_apply()
        self.assertEqual(wizard.state, "applied")
        self.assertEqual(wizard.applied_count, 1)
        self.assertEqual(self.val(big).crm_tier_id, self.tier_vip)
        event = self.env["crm.lifecycle.event"].search(
            [("partner_id", "=", big.id), ("kind", "=", "tier"), ("origin", "=", "manual")]
        )
        self.assertEqual(event.new_tier_id, self.tier_vip)

    def test_matrix_counts(self):
        today = self.crm_today(self.vc)
        customers = [self.make_customer(f"M{i}") for i in range(3)]
        for customer in customers:
            self.make_order(customer, 1000, today - timedelta(days=1))
        self.run_engine(as_of=today)
        self.make_rule(self.tier_key, min_revenue_period=500)
        wizard = self.env["crm.tier.simulation"].with_company(self.vc).create({})
        wizard.action_simulate()
        # the wizard's own matrix: one row (Standard), 3 in the Key column, nothing elsewhere
        table = html.fromstring(str(wizard.matrix_html))
        header = [th.text_content() for th in table.xpath("//thead/tr/th")][1:]
        rows = {
            tr.xpath("./th")[0].text_content(): [td.text_content() for td in tr.xpath("./td")]
            for tr in table.xpath("//tbody/tr")
        }
        self.assertEqual(list(rows), [self.tier_standard.name])
        self.assertEqual(
            dict(zip(header, rows[self.tier_standard.name], strict=True)),
            {name: "3" if name == self.tier_key.name else "" for name in header},
        )
        self.assertIn(self.tier_vip.name, header)
        self.assertEqual(header[-1], "No tier")
        self.assertEqual(wizard.moved_count, 3)
        self.assertEqual(set(wizard.line_ids.new_tier_id.ids), {self.tier_key.id})
