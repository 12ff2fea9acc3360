from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestTierTour(HttpCase):
    def test_tier_config_tour(self):
        vip = self.env.ref("crm_lifecycle_tiering.crm_customer_tier_vip")
        self.start_tour("/odoo", "crm_tier_config_tour", login="admin")
        self.assertEqual(vip.name, "VIP Platinum")
        self.assertEqual(vip.code, "vip")
