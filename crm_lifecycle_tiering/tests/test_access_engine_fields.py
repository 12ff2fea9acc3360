"""Trust in the values: the engine alone writes a customer's tier, lock, stage and figures (a
salesperson's RPC write is refused, the engine, the lock wizard and "Unlock Tier" still write);
the wizards act only in the user's companies; portal and unrelated internal users read none of
the values; the simulation evaluates the rules' customer filters with its user's rights."""

import re
from datetime import timedelta

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from odoo.addons.crm_lifecycle_tiering.models.lifecycle_data import PARTNER_ENGINE_FIELDS

from .common import ValueCase

# the values of res.partner that tiering adds besides those its engine writes
DERIVED_FIELDS = {
    "crm_potential",
    "crm_recency_days",
    "crm_tenure_days",
    "crm_referred_by_id",
    "crm_referral_ids",
    "crm_lifecycle_event_count",
    "crm_company_currency_id",
    # computed from engine values for display: the reason in words, the colours
    "crm_tier_reason_text",
    "crm_tier_color",
    "crm_rfm_segment_color",
}
TIERING_FIELDS = PARTNER_ENGINE_FIELDS | DERIVED_FIELDS
REFUSED = "^You cannot set %s of Contact by hand: the application computes these values"
NOT_YOUR_COMPANY = "^You cannot act on Tiering Other Co: it is not one of your companies.$"


@tagged("post_install", "-at_install")
class TestEngineFieldsAccess(ValueCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.today = cls.crm_today(cls.vc)
        cls.customer = cls.make_customer("Guarded Customer")
        cls.make_order(cls.customer, 300, cls.today - timedelta(days=5))
        cls.engine._refresh_partners(cls.customer, cls.vc)
        cls.portal = new_test_user(
            cls.env,
            login="tier_portal",
            groups="base.group_portal",
            company_id=cls.vc.id,
            company_ids=[(6, 0, cls.vc.ids)],
        )
        cls.portal.partner_id.parent_id = cls.customer

    def as_user(self, user, records):
        return records.with_user(user).with_company(self.vc)

    def crm_fields(self, user, model="res.partner"):
        return {name for name in self.env[model].with_user(user).fields_get() if name[:4] == "crm_"}

    # ------------------------------------------------------------------ 1. engine-owned values
    def test_salesperson_cannot_write_engine_values(self):
        self.assertEqual(self.val(self.customer).crm_tier_id, self.tier_standard)
        customer = self.as_user(self.tier_user, self.customer)
        refused = {
            "crm_tier_id": self.tier_vip.id,
            "crm_tier_locked": True,
            "crm_tier_lock_until": self.today + timedelta(days=365),
            "crm_tier_reason": "Strategic account",
            "crm_value_score": 99.0,
            "crm_lifecycle_stage": "loyal",
            "crm_revenue_total": 1e6,
            "crm_referral_count": 9,
        }
        for fname, value in refused.items():
            label = self.customer._fields[fname].string
            with (
                self.subTest(fname=fname),
                self.assertRaisesRegex(AccessError, REFUSED % re.escape(f"“{label}”")),
            ):
                customer.write({fname: value})
        # a context flag sent over RPC does not make an engine
        with self.assertRaisesRegex(AccessError, REFUSED % "“Tier”, “Tier Locked”"):
            customer.with_context(crm_engine_write=True).write(
                {"crm_tier_id": self.tier_vip.id, "crm_tier_locked": True}
            )
        # nor does creating a customer with a tier
        with self.assertRaisesRegex(AccessError, REFUSED % "“Tier”"):
            self.as_user(self.tier_user, self.env["res.partner"]).create(
                {"name": "Instant VIP", "crm_tier_id": self.tier_vip.id}
            )
        # even a customer value manager changes them only through the buttons
        with self.assertRaisesRegex(AccessError, REFUSED % "“Tier Locked”"):
            self.as_user(self.tier_manager, self.customer).write({"crm_tier_locked": True})
        values = self.val(self.customer)
        self.assertEqual(
            (values.crm_tier_id, values.crm_tier_locked, values.crm_lifecycle_stage),
            (self.tier_standard, False, "first_purchase"),
        )
        self.assertEqual(values.crm_revenue_total, 300.0)
        # what people own stays theirs: the potential, the referrer, the name
        referrer = self.make_customer("Referrer")
        customer.write({"crm_potential": "3", "crm_referred_by_id": referrer.id, "name": "Renamed"})
        self.assertEqual(self.val(self.customer).crm_potential, "3")
        self.assertEqual(referrer.crm_referral_count, 1)
        self.as_user(self.tier_user, self.env["res.partner"]).create({"name": "New lead"})

    def test_engine_and_buttons_still_write(self):
        # the engine (orders confirmed, nightly run) writes the values
        self.make_order(self.customer, 500, self.today - timedelta(days=1))
        self.engine._refresh_partners(self.customer, self.vc)
        self.assertEqual(self.val(self.customer).crm_revenue_total, 800.0)
        # the lock wizard, for a manager, locks; "Unlock Tier" releases
        wizard = (
            self.as_user(self.tier_manager, self.env["crm.tier.lock.wizard"])
            .with_context(active_model="res.partner", active_ids=self.customer.ids)
            .create({"tier_id": self.tier_vip.id, "reason": "Board decision"})
        )
        wizard.action_lock()
        values = self.val(self.customer)
        self.assertEqual(
            (values.crm_tier_id, values.crm_tier_locked, values.crm_tier_lock_user_id),
            (self.tier_vip, True, self.tier_manager),
        )
        self.as_user(self.tier_manager, self.customer).action_crm_unlock_tier()
        values = self.val(self.customer)
        self.assertEqual((values.crm_tier_id, values.crm_tier_locked), (self.tier_standard, False))

    def test_merging_customers_carries_their_values(self):
        # an administrator (not the superuser) merges a duplicate into a valued customer
        admin = self.env.ref("base.user_admin")
        admin.company_ids |= self.vc
        duplicate = self.make_customer("Guarded Customer (duplicate)")
        self.make_order(duplicate, 100, self.today - timedelta(days=2))
        self.engine._refresh_partners(duplicate, self.vc)
        Merge = self.env["base.partner.merge.automatic.wizard"].with_user(admin)
        Merge.with_company(self.vc)._merge((self.customer | duplicate).ids, self.customer)
        self.assertFalse(duplicate.exists())
        self.engine._refresh_partners(self.customer, self.vc)
        self.assertEqual(self.val(self.customer).crm_order_count, 2)

    # ------------------------------------------------------------------ 2. the wizards' company
    def test_wizards_act_in_the_users_companies_only(self):
        other = self.other_company
        self.assertNotIn(other, self.tier_manager.company_ids)
        Lock = self.as_user(self.tier_manager, self.env["crm.tier.lock.wizard"])
        wizard = Lock.create(
            {
                "partner_ids": [(6, 0, self.customer.ids)],
                "company_id": other.id,
                "tier_id": self.tier_vip.id,
                "reason": "Locked from the wrong company",
            }
        )
        with self.assertRaisesRegex(AccessError, NOT_YOUR_COMPANY):
            wizard.action_lock()
        in_other = self.customer.with_company(other)
        self.assertEqual((in_other.crm_tier_id, in_other.crm_tier_locked), (self.Tier, False))

        simulation = self.as_user(self.tier_manager, self.env["crm.tier.simulation"]).create(
            {"company_id": other.id}
        )
        with self.assertRaisesRegex(AccessError, NOT_YOUR_COMPANY):
            simulation.action_simulate()
        with self.assertRaisesRegex(AccessError, NOT_YOUR_COMPANY):
            simulation.action_apply()
        self.assertEqual(simulation.state, "draft")

        report = self.as_user(self.tier_user, self.env["crm.value.report.wizard"]).create(
            {"company_id": other.id}
        )
        with self.assertRaisesRegex(AccessError, NOT_YOUR_COMPANY):
            report.action_export()
        self.assertFalse(report.file_data)

        # in their own company, the same wizards work
        Lock.create(
            {
                "partner_ids": [(6, 0, self.customer.ids)],
                "tier_id": self.tier_key.id,
                "reason": "Right company",
            }
        ).action_lock()
        self.assertEqual(self.val(self.customer).crm_tier_id, self.tier_key)
        report = self.as_user(self.tier_user, self.env["crm.value.report.wizard"]).create({})
        report.action_export()
        self.assertTrue(report.file_data)

    # ------------------------------------------------------------------ 3. who reads the values
    def test_who_reads_the_values(self):
        # no value of any of our addons for a portal customer or an unrelated employee
        self.assertEqual(self.crm_fields(self.portal), set())
        self.assertEqual(self.crm_fields(self.employee), set())
        # salespeople (customer value users) and managers read them all
        self.assertLessEqual(TIERING_FIELDS, self.crm_fields(self.tier_user))
        self.assertLessEqual(TIERING_FIELDS, self.crm_fields(self.tier_manager))
        # the portal customer reads its own contact, but none of the values
        own = self.portal.partner_id.with_user(self.portal)
        self.assertEqual(own.read(["name"])[0]["name"], self.portal.name)
        for user, partner in ((self.portal, own), (self.employee, self.customer)):
            for fname in ("crm_tier_id", "crm_tier_lock_reason", "crm_value_score"):
                with (
                    self.subTest(user=user.login, fname=fname),
                    self.assertRaisesRegex(AccessError, f'access the field "{fname}"'),
                ):
                    partner.with_user(user).with_company(self.vc).read([fname])
        with self.assertRaisesRegex(AccessError, 'access the field "crm_revenue_period"'):
            self.as_user(self.employee, self.env["res.partner"]).search(
                [("crm_revenue_period", ">", 1000)]
            )
        self.assertEqual(
            self.as_user(self.tier_user, self.customer).read(["crm_tier_id"])[0]["crm_tier_id"],
            (self.tier_standard.id, self.tier_standard.display_name),
        )
        # the contact screens load for everyone, with the values for those who read them
        views = [(False, "form"), (False, "list"), (False, "kanban"), (False, "search")]
        for user in (self.employee, self.tier_user, self.tier_manager):
            with self.subTest(user=user.login):
                result = self.as_user(user, self.env["res.partner"]).get_views(views)
                arch = "".join(view["arch"] for view in result["views"].values())
                shown = {f for f in result["models"]["res.partner"]["fields"] if f[:4] == "crm_"}
                if user == self.employee:
                    self.assertNotIn('name="crm_', arch)
                    self.assertEqual(shown, set())
                else:
                    self.assertIn('name="crm_tier_id"', arch)
                    self.assertIn("crm_value_score", shown)

    def test_engine_owned_set(self):
        # every crm_ value tiering adds to res.partner is the engine's, or derived
        added = {
            fname
            for fname, field in self.env["res.partner"]._fields.items()
            if fname[:4] == "crm_" and field._module == "crm_lifecycle_tiering"
        }
        self.assertEqual(PARTNER_ENGINE_FIELDS, added - DERIVED_FIELDS)
        self.assertLessEqual(DERIVED_FIELDS, added)

    # ------------------------------------------------------------------ 4. rule filters
    def test_simulation_evaluates_filters_with_the_users_rights(self):
        big, small = self.make_customer("Big Spender"), self.make_customer("Small Spender")
        self.make_order(big, 2000, self.today - timedelta(days=3))
        self.make_order(small, 100, self.today - timedelta(days=3))
        self.engine._recompute_company(self.vc)
        rule = self.make_rule(
            self.tier_vip, partner_domain="[('sale_order_ids.amount_untaxed', '>', 1000)]"
        )
        no_sales = new_test_user(
            self.env,
            login="tier_manager_no_sales",
            groups="crm_lifecycle_tiering.crm_lifecycle_tiering_group_manager",
            company_id=self.vc.id,
            company_ids=[(6, 0, self.vc.ids)],
        )
        sales_manager = new_test_user(
            self.env,
            login="tier_sales_manager",
            groups="sales_team.group_sale_manager",
            company_id=self.vc.id,
            company_ids=[(6, 0, self.vc.ids)],
        )

        def simulate(user):
            wizard = self.as_user(user, self.env["crm.tier.simulation"]).create({})
            wizard.action_simulate()
            return wizard

        # a tiering manager without sales rights learns nothing about orders
        refused = (
            f"^The customer filter of rule “{rule.display_name}” reads data you have no access "
            "to: You are not allowed to access 'Sales Order'"
        )
        wizard = self.as_user(no_sales, self.env["crm.tier.simulation"]).create({})
        with self.assertRaisesRegex(AccessError, refused):
            wizard.action_simulate()
        with self.assertRaisesRegex(AccessError, refused):
            wizard.action_apply()
        self.assertEqual((wizard.state, wizard.line_ids), ("draft", wizard.line_ids.browse()))
        # nor by writing a rule the nightly run would evaluate for it (the refused rule is
        # rolled back, as it would be in a request)
        with (
            self.assertRaisesRegex(
                AccessError,
                "^The customer filter of rule “Big buyers” reads data you have no access to: ",
            ),
            self.env.cr.savepoint(),
        ):
            self.as_user(no_sales, self.env["crm.tier.rule"]).create(
                {
                    "name": "Big buyers",
                    "tier_id": self.tier_key.id,
                    "company_id": self.vc.id,
                    "partner_domain": "[('sale_order_ids.amount_untaxed', '>', 1)]",
                }
            )
        self.as_user(no_sales, self.env["crm.tier.rule"]).create(
            {
                "name": "Big countries",
                "tier_id": self.tier_key.id,
                "company_id": self.vc.id,
                "min_orders_period": 99,
                "partner_domain": "[('country_id.code', '=', 'BE')]",
            }
        )
        self.assertEqual(self.val(big).crm_tier_id, self.tier_standard)
        # a salesperson-manager sees its own orders only: Big's order is someone else's
        self.assertFalse(simulate(self.tier_manager).line_ids)
        # a sales manager sees every order: Big would move up
        line = simulate(sales_manager).line_ids
        self.assertEqual(
            (line.partner_id, line.old_tier_id, line.new_tier_id),
            (big, self.tier_standard, self.tier_vip),
        )
        # the nightly run evaluates the filters as the system
        self.engine.with_user(no_sales)._recompute_company(self.vc)
        self.assertEqual(self.val(big).crm_tier_id, self.tier_vip)
        self.assertEqual(self.val(small).crm_tier_id, self.tier_standard)
