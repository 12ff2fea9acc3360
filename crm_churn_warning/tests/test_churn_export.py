import base64
import io
import json

from openpyxl import load_workbook

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from odoo.addons.crm_lifecycle_tiering.tests.common import CrmCase, make_company_user

from .common import set_churn_values

HEADER = [
    "Customer",
    "Tier",
    "Lifecycle Stage",
    "Salesperson",
    "Churn Score",
    "Churn Risk",
    "Reasons",
    "Probability Alive",
    "Expected Purchases (90 days)",
    "Predicted Value (12 months)",
    "Last Order",
    "Orders",
    "Revenue",
    "Open Warning",
]


@tagged("post_install", "-at_install")
class TestChurnExport(CrmCase):
    """The at-risk workbook, read back with openpyxl: a company of its own with four customers
    (high, medium, low, none) of two salespeople, values written as the engine writes them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env["res.company"].create({"name": "Export Risk Co"})
        cls.env.user.company_ids |= cls.company
        groups = "sales_team.group_sale_salesman,crm_churn_warning.crm_churn_warning_group_user"
        cls.seller = make_company_user(
            cls.env,
            "risk_export_seller",
            groups,
            cls.company,
            name="Sara Seller",
        )
        cls.other_seller = make_company_user(
            cls.env,
            "risk_export_other",
            groups,
            cls.company,
        )
        cls.manager = make_company_user(
            cls.env,
            "risk_export_manager",
            "sales_team.group_sale_manager,crm_churn_warning.crm_churn_warning_group_manager",
            cls.company,
        )
        cls.vip = cls.env.ref("crm_lifecycle_tiering.crm_customer_tier_vip")
        Partner = cls.env["res.partner"].with_company(cls.company)
        cls.partners = {}
        for name, level, score, clv, user, tier in (
            ("Alpha Risk", "high", 80.0, 12000.0, cls.seller, cls.vip),
            ("Beta Risk", "medium", 45.0, 3000.5, cls.other_seller, cls.vip),
            ("Gamma Risk", "low", 25.0, 500.0, cls.seller, False),
            ("Delta Safe", "none", 0.0, 9000.0, cls.seller, False),
        ):
            partner = Partner.create({"name": name, "is_company": True, "user_id": user.id})
            partner.crm_tier_id = tier
            set_churn_values(
                partner,
                cls.company,
                level=level,
                score=score,
                reason_data=json.dumps(
                    [["overdue", [["overdue", {"days": int(score), "interval": 30}]]]]
                ),
                p_alive=0.25,
                expected_purchases=0.5,
                predicted_clv=clv,
            )
            cls.partners[name] = partner

    def _export(self, user, **values):
        wizard = (
            self.env["crm.churn.export.wizard"]
            .with_user(user)
            .with_company(self.company)
            .create({"company_id": self.company.id, **values})
        )
        action = wizard.action_export()
        self.assertIn("/file_data/customers-at-risk-", action["url"])
        return load_workbook(io.BytesIO(base64.b64decode(wizard.file_data)))

    def test_manager_exports_everyone_at_or_above_the_level(self):
        book = self._export(self.manager, min_level="low")
        self.assertEqual(book.sheetnames, ["At-risk Customers", "Summary"])
        sheet = book["At-risk Customers"]
        rows = list(sheet.iter_rows(values_only=True))
        self.assertEqual(list(rows[0]), HEADER)
        # highest score first; the customer without risk is left out
        self.assertEqual([r[0] for r in rows[1:]], ["Alpha Risk", "Beta Risk", "Gamma Risk"])
        alpha = rows[1]
        self.assertEqual(alpha[1], "VIP")
        self.assertEqual(alpha[3], "Sara Seller")
        self.assertEqual(alpha[4], 80.0)
        self.assertEqual(alpha[5], "High")
        self.assertEqual(alpha[6], "No order for 80 days; usual interval 30 days")
        self.assertEqual(alpha[7], 0.25)
        self.assertEqual(alpha[9], 12000.0)
        summary = list(book["Summary"].iter_rows(values_only=True))
        # customers by level (rows, highest first) and tier (columns: VIP, no tier, total)
        self.assertEqual(summary[3][:4], ("Churn Risk", "VIP", "No tier", "Total"))
        self.assertEqual(summary[4][:4], ("High", 1, 0, 1))
        self.assertEqual(summary[5][:4], ("Medium", 1, 0, 1))
        self.assertEqual(summary[6][:4], ("Low", 0, 1, 1))
        self.assertEqual(summary[7][:4], ("Total", 2, 1, 3))
        self.assertEqual(summary[11][:4], ("High", 12000.0, 0, 12000.0))
        self.assertEqual(summary[14][:4], ("Total", 15000.5, 500.0, 15500.5))

    def test_level_and_tier_filters(self):
        book = self._export(self.manager, min_level="medium", tier_ids=[(6, 0, self.vip.ids)])
        rows = list(book["At-risk Customers"].iter_rows(values_only=True))
        self.assertEqual([r[0] for r in rows[1:]], ["Alpha Risk", "Beta Risk"])
        book = self._export(self.manager, min_level="high")
        rows = list(book["At-risk Customers"].iter_rows(values_only=True))
        self.assertEqual([r[0] for r in rows[1:]], ["Alpha Risk"])

    def test_salesperson_exports_only_own_customers(self):
        # even when asking for another salesperson's customers
        book = self._export(self.seller, min_level="low", user_id=self.other_seller.id)
        rows = list(book["At-risk Customers"].iter_rows(values_only=True))
        self.assertEqual([r[0] for r in rows[1:]], ["Alpha Risk", "Gamma Risk"])

    def test_nothing_to_export(self):
        with self.assertRaisesRegex(UserError, "No customer of Export Risk Co"):
            self._export(self.other_seller, min_level="high")

    def test_churn_values_hidden_from_portal_and_other_staff(self):
        """A customer's own portal user and staff outside sales cannot read the scores and
        reasons kept about the customer; a churn user can."""
        alpha = self.partners["Alpha Risk"]
        contact = self.env["res.partner"].create({"name": "Alpha Buyer", "parent_id": alpha.id})
        portal = make_company_user(
            self.env,
            "risk_export_portal",
            "base.group_portal",
            self.company,
            partner_id=contact.id,
        )
        clerk = make_company_user(
            self.env,
            "risk_export_clerk",
            "base.group_user",
            self.company,
        )
        for user in (portal, clerk):
            partner = alpha.with_user(user).with_company(self.company)
            self.assertEqual(partner.name, "Alpha Risk")
            for fname in ("crm_churn_reasons", "crm_churn_score", "crm_predicted_clv"):
                with self.assertRaises(AccessError):
                    partner.read([fname])
        seller = alpha.with_user(self.seller).with_company(self.company)
        self.assertEqual(seller.crm_churn_level, "high")
        self.assertEqual(seller.crm_churn_score, 80.0)
