"""The entitlement line of the customer's tier under the tier badge of a churn warning, in the
warning's company."""

from odoo.tests import tagged

from odoo.addons.crm_churn_warning.models.churn_data import LEVEL_HIGH

from .common import ChurnCase


@tagged("post_install", "-at_install")
class TestWarningTierSummary(ChurnCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tier = cls.env["crm.customer.tier"].create(
            {
                "name": "Churn Gold",
                "code": "churn_gold_summary",
                "service_policy": "<p>Retention call by a senior</p><p>More</p>",
            }
        )
        cls.customer = cls.make_customer("Gold Leaving", user_id=cls.churn_user.id)
        cls.warning = cls.env["crm.churn.warning"].create(
            {
                "partner_id": cls.customer.id,
                "company_id": cls.company.id,
                "level": LEVEL_HIGH,
                "tier_id": cls.tier.id,
            }
        )

    def test_line_under_the_badge_in_the_warning_company(self):
        expected = self.tier.with_company(self.company).entitlement_summary
        self.assertTrue(expected.endswith("Retention call by a senior"), expected)
        warning = self.warning.with_user(self.churn_user)
        self.assertEqual(warning.crm_tier_summary, expected)
        form = warning.get_views(
            [(self.env.ref("crm_churn_warning.crm_churn_warning_view_form").id, "form")]
        )
        self.assertIn('name="crm_tier_summary"', form["views"]["form"]["arch"])

    def test_no_tier_no_line(self):
        self.warning.tier_id = False
        self.assertFalse(self.warning.with_user(self.churn_user).crm_tier_summary)
