from psycopg2.errors import UniqueViolation

from odoo.exceptions import AccessError
from odoo.tools import mute_logger

from .common import TieringCase


class TestCustomerTier(TieringCase):
    def test_shipped_tiers_are_ranked(self):
        tiers = self.Tier.search([("code", "in", ["vip", "key", "standard"])])
        self.assertEqual(tiers.mapped("code"), ["vip", "key", "standard"])
        self.assertLess(self.tier_vip.sequence, self.tier_key.sequence)
        self.assertLess(self.tier_key.sequence, self.tier_standard.sequence)

    def test_code_unique_per_company(self):
        self.Tier.create({"name": "VIP B", "code": "vip", "company_id": self.other_company.id})
        with mute_logger("odoo.sql_db"), self.assertRaises(UniqueViolation):
            with self.env.cr.savepoint():
                self.Tier.create({"name": "VIP again", "code": "vip"})
                self.env.flush_all()
        with mute_logger("odoo.sql_db"), self.assertRaises(UniqueViolation):
            with self.env.cr.savepoint():
                self.Tier.create(
                    {"name": "VIP B again", "code": "vip", "company_id": self.other_company.id}
                )
                self.env.flush_all()

    def test_group_ladder(self):
        user_group = self.env.ref("crm_lifecycle_tiering.crm_lifecycle_tiering_group_user")
        manager_group = self.env.ref("crm_lifecycle_tiering.crm_lifecycle_tiering_group_manager")
        self.assertIn(user_group, manager_group.all_implied_ids)
        self.assertTrue(self.tier_manager.has_group(user_group.get_external_id()[user_group.id]))
        self.assertFalse(
            self.tier_user.has_group(manager_group.get_external_id()[manager_group.id])
        )
        salesman = self.env.ref("sales_team.group_sale_salesman")
        self.assertIn(user_group, salesman.all_implied_ids)
        self.assertIn(manager_group, self.env.ref("sales_team.group_sale_manager").all_implied_ids)
        self.assertTrue(
            self.env.ref("base.user_admin").has_group(
                "crm_lifecycle_tiering.crm_lifecycle_tiering_group_manager"
            )
        )

    def test_access_by_group(self):
        # every employee reads tiers (they show on partners), only managers change them
        self.assertEqual(self.tier_vip.with_user(self.employee).name, "VIP")
        with self.assertRaises(AccessError):
            self.tier_vip.with_user(self.tier_user).write({"name": "Gold"})
        with self.assertRaises(AccessError):
            self.Tier.with_user(self.tier_user).create({"name": "Gold", "code": "gold"})
        gold = self.Tier.with_user(self.tier_manager).create({"name": "Gold", "code": "gold"})
        self.assertEqual(gold.company_id, self.env["res.company"])

    def test_company_isolation(self):
        other_tier = self.Tier.create(
            {"name": "Other VIP", "code": "vip", "company_id": self.other_company.id}
        )
        visible = self.Tier.with_user(self.tier_manager).search([("code", "=", "vip")])
        self.assertEqual(visible, self.tier_vip)
        self.tier_manager.write({"company_ids": [(4, self.other_company.id)]})
        both = (
            self.Tier.with_user(self.tier_manager)
            .with_context(allowed_company_ids=[self.company.id, self.other_company.id])
            .search([("code", "=", "vip")])
        )
        self.assertEqual(both, self.tier_vip | other_tier)

    def test_menu_visible_to_managers_only(self):
        menu = self.env.ref("crm_lifecycle_tiering.crm_lifecycle_tiering_config_menu")
        manager_menus = self.env["ir.ui.menu"].with_user(self.tier_manager)._visible_menu_ids()
        user_menus = self.env["ir.ui.menu"].with_user(self.tier_user)._visible_menu_ids()
        self.assertIn(menu.id, manager_menus)
        self.assertNotIn(menu.id, user_menus)
