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
