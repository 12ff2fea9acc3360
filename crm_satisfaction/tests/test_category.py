from psycopg2.errors import UniqueViolation

from odoo.exceptions import AccessError
from odoo.tests import new_test_user
from odoo.tools import mute_logger

from odoo.addons.crm_lifecycle_tiering.tests.common import CrmCase


class TestComplaintCategory(CrmCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.care_user = new_test_user(
            cls.env, login="care_user", groups="crm_satisfaction.crm_satisfaction_group_user"
        )
        cls.care_manager = new_test_user(
            cls.env, login="care_manager", groups="crm_satisfaction.crm_satisfaction_group_manager"
        )
        cls.Category = cls.env["crm.complaint.category"]

    def test_shipped_categories(self):
        names = self.Category.search([]).mapped("name")
        for name in ("Product Quality", "Delivery", "Service Attitude", "Other"):
            self.assertIn(name, names)

    def test_group_ladder_builds_on_tiering(self):
        self.assertTrue(self.care_manager.has_group("crm_satisfaction.crm_satisfaction_group_user"))
        self.assertTrue(
            self.care_user.has_group("crm_lifecycle_tiering.crm_lifecycle_tiering_group_user")
        )
        self.assertFalse(
            self.care_user.has_group("crm_satisfaction.crm_satisfaction_group_manager")
        )

    def test_access_by_group(self):
        category = self.env.ref("crm_satisfaction.crm_complaint_category_delivery")
        self.assertEqual(category.with_user(self.care_user).name, "Delivery")
        with self.assertRaises(AccessError):
            category.with_user(self.care_user).write({"name": "Shipping"})
        category.with_user(self.care_manager).write({"name": "Shipping"})
        self.assertEqual(category.name, "Shipping")

    def test_name_unique_per_company(self):
        other = self.env["res.company"].create({"name": "Care Other Co"})
        self.Category.create({"name": "Delivery", "company_id": other.id})
        with mute_logger("odoo.sql_db"), self.assertRaises(UniqueViolation):
            with self.env.cr.savepoint():
                self.Category.create({"name": "Delivery"})
                self.env.flush_all()

    def test_menu_for_care_users(self):
        root = self.env.ref("crm_satisfaction.crm_satisfaction_menu_root")
        config = self.env.ref("crm_satisfaction.crm_satisfaction_config_menu")
        user_menus = self.env["ir.ui.menu"].with_user(self.care_user)._visible_menu_ids()
        manager_menus = self.env["ir.ui.menu"].with_user(self.care_manager)._visible_menu_ids()
        self.assertNotIn(config.id, user_menus)
        self.assertIn(config.id, manager_menus)
        self.assertIn(root.id, manager_menus)
