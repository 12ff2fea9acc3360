"""The three addons installed together: web login, menus and groups across addons."""

import re
import struct

from odoo.modules.module import Manifest
from odoo.tests import tagged

from odoo.addons.crm_lifecycle_tiering.tests.common import CrmHttpCase

ADDONS = ("crm_lifecycle_tiering", "crm_satisfaction", "crm_churn_warning")


@tagged("post_install", "-at_install")
class TestPlatform(CrmHttpCase):
    def test_addons_installed_with_dependencies(self):
        modules = self.env["ir.module.module"].search([("name", "in", ADDONS)])
        self.assertEqual(sorted(modules.mapped("name")), sorted(ADDONS))
        self.assertEqual(set(modules.mapped("state")), {"installed"})
        deps = {m.name: set(m.dependencies_id.mapped("name")) for m in modules}
        self.assertEqual(deps["crm_lifecycle_tiering"], {"sale_management", "crm", "loyalty"})
        # Odoo installs the sales side of the loyalty app with sales and loyalty
        sale_loyalty = self.env["ir.module.module"].search([("name", "=", "sale_loyalty")])
        self.assertEqual(sale_loyalty.state, "installed")
        self.assertEqual(
            deps["crm_satisfaction"],
            {"crm_lifecycle_tiering", "survey", "mail", "portal", "resource"},
        )
        self.assertEqual(deps["crm_churn_warning"], {"crm_lifecycle_tiering", "crm_satisfaction"})

    def test_login_page_and_session(self):
        response = self.url_open("/web/login")
        self.assertEqual(response.status_code, 200)
        self.assertIn('name="login"', response.text)
        # before logging in, the web client sends to the login page; the action RPC refuses
        response = self.url_open("/odoo", allow_redirects=False)
        self.assertEqual(response.status_code, 303)
        self.assertIn("/web/login", response.headers["Location"])
        with self.assertRaisesRegex(Exception, "SessionExpired"):
            self.make_jsonrpc_request(
                "/web/action/load", {"action_id": "crm_lifecycle_tiering.crm_customer_tier_action"}
            )
        # logged in, each addon's main action loads with its model and views
        self.authenticate("admin", "admin")
        for xmlid, model in (
            ("crm_lifecycle_tiering.crm_customer_tier_action", "crm.customer.tier"),
            ("crm_satisfaction.crm_complaint_action", "crm.complaint"),
            ("crm_churn_warning.crm_churn_warning_action", "crm.churn.warning"),
        ):
            with self.subTest(action=xmlid):
                action = self.make_jsonrpc_request("/web/action/load", {"action_id": xmlid})
                self.assertEqual(action["id"], self.env.ref(xmlid).id)
                self.assertEqual(action["res_model"], model)
                self.assertTrue(action["views"])

    def test_admin_manages_every_addon(self):
        admin = self.env.ref("base.user_admin")
        for group in (
            "crm_lifecycle_tiering.crm_lifecycle_tiering_group_manager",
            "crm_satisfaction.crm_satisfaction_group_manager",
            "crm_churn_warning.crm_churn_warning_group_manager",
        ):
            self.assertTrue(admin.has_group(group), group)
        privileges = self.env["res.groups.privilege"].search(
            [("name", "in", ["Customer Value", "Customer Care", "Churn Warning"])]
        )
        self.assertEqual(len(privileges), 3)
        for privilege in privileges:
            self.assertEqual(privilege.group_ids.mapped("name"), ["User", "Manager"])

    def test_apps_page_shows_screenshots(self):
        """Each addon's Apps page (static/description/index.html) shows screenshots of its main
        screens, served by Odoo, and the manifest names its main screenshot."""
        for addon in ADDONS:
            response = self.url_open(f"/{addon}/static/description/index.html")
            self.assertEqual(response.status_code, 200, addon)
            images = re.findall(r'<img src="([^"]+)"', response.text)
            self.assertGreaterEqual(len(images), 5, addon)
            for image in images:
                shot = self.url_open(f"/{addon}/static/description/{image}")
                self.assertEqual(shot.status_code, 200, f"{addon}: {image}")
                self.assertEqual(shot.content[:8], b"\x89PNG\r\n\x1a\n", f"{addon}: {image}")
                # a screenshot at 1440 x 900, the size the screens are checked at
                self.assertEqual(
                    struct.unpack(">II", shot.content[16:24]), (1440, 900), f"{addon}: {image}"
                )
            manifest = Manifest.for_addon(addon)
            self.assertTrue(manifest["images"], addon)
            self.assertIn(manifest["images"][0].rsplit("/", 1)[1], images, addon)
