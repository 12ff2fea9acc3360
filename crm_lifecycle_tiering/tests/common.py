from odoo.tests import TransactionCase, new_test_user


class TieringCase(TransactionCase):
    """Users of each group and a second company, built once per class."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.other_company = cls.env["res.company"].create({"name": "Tiering Other Co"})
        cls.employee = new_test_user(cls.env, login="tier_employee", groups="base.group_user")
        cls.tier_user = new_test_user(
            cls.env,
            login="tier_user",
            groups="sales_team.group_sale_salesman",
        )
        cls.tier_manager = new_test_user(
            cls.env,
            login="tier_manager",
            groups="crm_lifecycle_tiering.crm_lifecycle_tiering_group_manager,"
            "sales_team.group_sale_salesman",
        )
        cls.Tier = cls.env["crm.customer.tier"]
        cls.tier_vip = cls.env.ref("crm_lifecycle_tiering.crm_customer_tier_vip")
        cls.tier_key = cls.env.ref("crm_lifecycle_tiering.crm_customer_tier_key")
        cls.tier_standard = cls.env.ref("crm_lifecycle_tiering.crm_customer_tier_standard")
