from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from odoo.addons.crm_lifecycle_tiering.models.lifecycle_data import (
    EVENT_TIER,
    ORIGIN_MANUAL,
)

from .common import CrmHttpCase, make_sale_order


@tagged("post_install", "-at_install")
class TestTierRulesTour(CrmHttpCase):
    """An administrator lowers a Key rule's threshold, simulates, applies and sees the customer
    move to Key: the data is the test's own, in the administrator's current company."""

    def setUp(self):
        super().setUp()
        admin = self.env.ref("base.user_admin")
        self.company = admin.company_id
        self.tier_key = self.env.ref("crm_lifecycle_tiering.crm_customer_tier_key")
        self.tier_standard = self.env.ref("crm_lifecycle_tiering.crm_customer_tier_standard")
        # only this test's rule decides: the shipped shared rules (value score) and any rule of
        # the company would tier customers by demo data
        self.env["crm.tier.rule"].search(
            [("company_id", "in", [False, self.company.id])]
        ).active = False
        self.rule = self.env["crm.tier.rule"].create(
            {
                "tier_id": self.tier_key.id,
                "company_id": self.company.id,
                "min_revenue_period": 5000000,
            }
        )
        self.customer = self.env["res.partner"].create(
            {"name": "Tour Customer Ltd", "is_company": True}
        )
        product = self.env["product.product"].create(
            {"name": "Tour Service", "type": "service", "list_price": 1000000, "taxes_id": False}
        )
        now = fields.Datetime.now()
        for days in (15, 45, 75):
            make_sale_order(
                self.env,
                self.customer,
                self.company,
                [{"product_id": product.id, "price_unit": 1000000, "tax_ids": False}],
                moment=now - timedelta(days=days),
            )
        self.env["crm.value.engine"]._recompute_company(self.company)
        values = self.customer.with_company(self.company)
        self.assertEqual(values.crm_revenue_period, 3000000)
        self.assertEqual(values.crm_tier_id, self.tier_standard)

    def test_edit_simulate_apply_tour(self):
        self.start_tour("/odoo", "crm_tier_config_tour", login="admin")
        self.env.invalidate_all()
        self.assertEqual(self.rule.min_revenue_period, 2000000)
        values = self.customer.with_company(self.company)
        self.assertEqual(values.crm_tier_id, self.tier_key)
        self.assertEqual(values.crm_tier_rule_id, self.rule)
        event = self.env["crm.lifecycle.event"].search(
            [
                ("partner_id", "=", self.customer.id),
                ("company_id", "=", self.company.id),
                ("kind", "=", EVENT_TIER),
                ("origin", "=", ORIGIN_MANUAL),
            ]
        )
        self.assertEqual(len(event), 1)
        self.assertEqual(event.old_tier_id, self.tier_standard)
        self.assertEqual(event.new_tier_id, self.tier_key)
        self.assertEqual(event.rule_id, self.rule)
