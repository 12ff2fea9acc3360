"""The customers list shows by default the columns the addons add for people to act on: the tier
and the lifecycle stage (crm_lifecycle_tiering) and the churn risk (crm_churn_warning); the
figures behind them stay optional. The tiering addon's tour (crm_customer_list_tour) shows the
first two on screen, coloured."""

from lxml import etree

from odoo.tests import tagged

from odoo.addons.crm_lifecycle_tiering.tests.common import CrmCase


@tagged("post_install", "-at_install")
class TestCustomerListColumns(CrmCase):
    def test_tier_stage_and_churn_columns_are_shown_by_default(self):
        admin = self.env.ref("base.user_admin")
        self.assertTrue(admin.has_group("crm_churn_warning.crm_churn_warning_group_user"))
        view = (
            self.env["res.partner"]
            .with_user(admin)
            .get_view(self.env.ref("base.view_partner_tree").id, "list")
        )
        optional = {
            node.get("name"): node.get("optional")
            for node in etree.fromstring(view["arch"]).iter("field")
            if node.get("name", "").startswith("crm_")
        }
        self.assertEqual(
            {
                fname: optional.get(fname)
                for fname in ("crm_tier_id", "crm_lifecycle_stage", "crm_churn_level")
            },
            {"crm_tier_id": "show", "crm_lifecycle_stage": "show", "crm_churn_level": "show"},
        )
        self.assertEqual(
            {optional[fname] for fname in ("crm_churn_score", "crm_value_score")}, {"hide"}
        )

    def test_tier_badges_take_the_tier_colour_everywhere(self):
        """The tier shows as a badge in the tier's colour (VIP gold, Key blue) wherever a
        warning or a complaint shows it, as on the customer."""
        vip = self.env.ref("crm_lifecycle_tiering.crm_customer_tier_vip")
        self.assertTrue(vip.color)
        admin = self.env.ref("base.user_admin")
        for model in ("crm.churn.warning", "crm.complaint"):
            Model = self.env[model].with_user(admin)
            for view_type in ("list", "kanban", "form"):
                arch = etree.fromstring(Model.get_view(view_type=view_type)["arch"])
                badges = [
                    node
                    for node in arch.iter("field")
                    if node.get("name") == "tier_id" and node.get("widget") == "badge"
                ]
                self.assertTrue(badges, f"{model} {view_type}")
                for node in badges:
                    self.assertIn("'color_field': 'tier_color'", node.get("options"), model)
                self.assertTrue(arch.xpath("//field[@name='tier_color']"), f"{model} {view_type}")
            records = self.env[model].search([("tier_id", "!=", False)])
            self.assertTrue(records, model)
            for record in records:
                self.assertEqual(record.tier_color, record.tier_id.color)
