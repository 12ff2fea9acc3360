from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import CrmHttpCase, TieringCase, make_sale_order

# the screens of each document showing the customer's tier: form, list, search
TIER_DOCUMENT_VIEWS = {
    "sale.order": (
        "sale.view_order_form",
        "sale.view_quotation_tree",
        "sale.sale_order_view_search_inherit_quotation",
    ),
    "account.move": (
        "account.view_move_form",
        "account.view_out_invoice_tree",
        "account.view_account_invoice_filter",
    ),
    "crm.lead": (
        "crm.crm_lead_view_form",
        "crm.crm_case_tree_view_oppor",
        "crm.view_crm_case_opportunities_filter",
    ),
}


class TierDocumentCase(TieringCase):
    """A customer company, VIP in the main company and Standard in the other one, with a
    contact; a product; documents of the contact made by the helpers below."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.user.company_ids |= cls.other_company
        cls.customer = cls.make_customer("Tiered Documents Co")
        cls.contact = cls.env["res.partner"].create(
            {"name": "Mia Tiered", "parent_id": cls.customer.id}
        )
        cls.set_tier(cls.customer, cls.company, cls.tier_vip)
        cls.set_tier(cls.customer, cls.other_company, cls.tier_standard)
        cls.product = cls.env["product.product"].create(
            {"name": "Tiered Service", "type": "service", "list_price": 50, "taxes_id": False}
        )

    @classmethod
    def set_tier(cls, partner, company, tier):
        partner.with_company(company).sudo().crm_tier_id = tier

    def make_quotation(self, company, confirm=False):
        line = {"product_id": self.product.id, "price_unit": 50, "tax_ids": False}
        return make_sale_order(self.env, self.contact, company, [line], confirm=confirm)

    def make_draft_invoice(self, company, move_type="out_invoice"):
        day = self.crm_today(company)
        return self.make_invoice(self.contact, 50, day, move_type, state="draft", company=company)

    def make_lead(self, company):
        return self.env["crm.lead"].create(
            {
                "name": "Tiered opportunity",
                "type": "opportunity",
                "partner_id": self.contact.id,
                "company_id": company.id,
            }
        )

    def make_documents(self, company):
        return (
            self.make_quotation(company),
            self.make_draft_invoice(company),
            self.make_lead(company),
        )


class TestTierOnDocuments(TierDocumentCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # invoices in the other company too
        cls.env["account.chart.template"].try_loading(
            "generic_coa", company=cls.other_company, install_demo=False
        )

    def test_tier_of_the_customer_in_the_document_company(self):
        for company, tier in (
            (self.company, self.tier_vip),
            (self.other_company, self.tier_standard),
        ):
            for document in self.make_documents(company):
                with self.subTest(company=company.name, model=document._name):
                    self.assertEqual(document.crm_tier_id, tier)
                    self.assertEqual(document.crm_tier_color, tier.color)

    def test_vendor_bill_takes_no_tier(self):
        bill = self.make_draft_invoice(self.company, move_type="in_invoice")
        self.assertFalse(bill.crm_tier_id)
        self.assertFalse(bill.crm_tier_summary)

    def test_open_documents_follow_the_customer_closed_keep_their_tier(self):
        open_documents = self.make_documents(self.company)
        order = self.make_quotation(self.company, confirm=True)
        invoice = self.make_draft_invoice(self.company)
        invoice.action_post()
        won, lost = self.make_lead(self.company), self.make_lead(self.company)
        won.action_set_won()
        lost.action_set_lost()
        other_company_documents = self.make_documents(self.other_company)
        for document in (*open_documents, order, invoice, won, lost):
            self.assertEqual(document.crm_tier_id, self.tier_vip, document._name)

        self.set_tier(self.customer, self.company, self.tier_key)

        for document in open_documents:
            self.assertEqual(document.crm_tier_id, self.tier_key, document._name)
        for document in (order, invoice, won, lost):
            self.assertEqual(document.crm_tier_id, self.tier_vip, document._name)
        for document in other_company_documents:
            self.assertEqual(document.crm_tier_id, self.tier_standard, document._name)

    def test_manager_locking_the_tier_moves_open_documents(self):
        quotation, invoice, lead = self.make_documents(self.company)
        self.assertEqual(quotation.crm_tier_id, self.tier_vip)
        self.env.flush_all()
        wizard = (
            self.env["crm.tier.lock.wizard"]
            .with_user(self.tier_manager)
            .create(
                {
                    "partner_ids": [(6, 0, self.customer.ids)],
                    "company_id": self.company.id,
                    "tier_id": self.tier_key.id,
                    "reason": "Strategic account",
                }
            )
        )
        wizard.action_lock()
        for document in (quotation, invoice, lead):
            self.assertEqual(document.crm_tier_id, self.tier_key, document._name)

    def test_refresh_after_the_engine_writes_tiers_in_sql(self):
        """The value engine writes tiers with SQL (no ORM write): it calls the refresh."""
        quotation, invoice, lead = self.make_documents(self.company)
        self.env.flush_all()
        self.env.cr.execute(
            """UPDATE res_partner
                  SET crm_tier_id = COALESCE(crm_tier_id, '{}'::jsonb)
                                    || jsonb_build_object(%s::text, %s)
                WHERE id = %s""",
            [self.company.id, self.tier_key.id, self.customer.id],
        )
        self.env.invalidate_all()
        self.assertEqual(quotation.crm_tier_id, self.tier_vip)
        Partner = self.env["res.partner"]
        Partner._crm_refresh_document_tiers(self.customer, self.company)
        self.env.invalidate_all()
        for document in (quotation, invoice, lead):
            self.assertEqual(document.crm_tier_id, self.tier_key, document._name)

    def test_update_on_history_gives_a_tier_to_open_documents_only(self):
        """Updating a database whose documents have no tier column yet: the open documents get
        their customer's tier, the closed ones none (today's tier would be wrong for them)."""
        quotation = self.make_quotation(self.company)
        order = self.make_quotation(self.company, confirm=True)
        self.env.flush_all()
        self.env.cr.execute("ALTER TABLE sale_order DROP COLUMN crm_tier_id")
        self.env.invalidate_all()
        self.env.registry.init_models(
            self.env.cr, ["sale.order"], {"module": "crm_lifecycle_tiering"}, install=False
        )
        self.env.invalidate_all()
        self.assertEqual(quotation.crm_tier_id, self.tier_vip)
        self.assertFalse(order.crm_tier_id)

    def test_tier_is_not_set_by_hand(self):
        quotation = self.make_quotation(self.company)
        with self.assertRaisesRegex(AccessError, "follows the customer's tier"):
            quotation.with_user(self.tier_manager).write({"crm_tier_id": self.tier_key.id})
        self.assertEqual(quotation.crm_tier_id, self.tier_vip)

    def test_group_by_and_filter_by_tier(self):
        quotations = self.make_quotation(self.company) | self.make_quotation(self.other_company)
        SaleOrder = self.env["sale.order"].with_context(
            allowed_company_ids=[self.company.id, self.other_company.id]
        )
        groups = dict(
            SaleOrder._read_group([("id", "in", quotations.ids)], ["crm_tier_id"], ["__count"])
        )
        self.assertEqual(groups, {self.tier_vip: 1, self.tier_standard: 1})
        found = SaleOrder.search(
            [("id", "in", quotations.ids), ("crm_tier_id", "=", self.tier_vip.id)]
        )
        self.assertEqual(found.company_id, self.company)


class TestEntitlementSummary(TierDocumentCase):
    POLICY = "<p><br></p><p>Dedicated <strong>hotline</strong> &amp; visits</p><p>Second line</p>"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("zh_CN")
        cls.env["ir.module.module"]._load_module_terms(["crm_lifecycle_tiering"], ["zh_CN"])
        cls.tier = cls.Tier.create({"name": "Gold", "code": "gold_docs", "color": 3})
        cls.tier.service_policy = cls.POLICY
        # the policy is translated term by term (a paragraph a term)
        cls.tier.update_field_translations(
            "service_policy",
            {
                "zh_CN": {
                    "Dedicated <strong>hotline</strong> &amp; visits": "专属热线与上门服务",
                    "Second line": "第二行",
                }
            },
        )
        cls.set_tier(cls.customer, cls.company, cls.tier)
        # only the parts of this addon: complaint deadlines (crm_satisfaction) left out
        if "crm.complaint.sla" in cls.env:
            cls.env["crm.complaint.sla"].search([]).active = False

    def summary(self, lang, company=None):
        return (
            self.tier.with_company(company or self.company)
            .with_context(lang=lang)
            .entitlement_summary
        )

    def set_benefits(self):
        """The tier's benefits in the main company."""
        self.manager = new_test_user(self.env, login="tier_docs_manager", name="Ada Manager")
        team = self.env["crm.team"].create({"name": "Key Accounts Docs"})
        values = {
            "pricelist_id": self.env["product.pricelist"].create({"name": "Gold Prices"}).id,
            "payment_term_id": self.env.ref("account.account_payment_term_30days").id,
            "account_manager_id": self.manager.id,
            "account_team_id": team.id,
        }
        self.tier.with_company(self.company).write(values)

    def test_policy_line_alone(self):
        self.assertEqual(self.summary("en_US"), "Dedicated hotline & visits")
        self.assertEqual(self.summary("zh_CN"), "专属热线与上门服务")

    def test_policy_line_shortened(self):
        self.tier.with_context(lang="en_US").service_policy = f"<p>{'word ' * 30}</p>"
        self.assertEqual(self.summary("en_US"), " ".join(["word"] * 15) + " …")

    def test_no_benefit_no_policy(self):
        self.tier.service_policy = False
        self.assertEqual(self.summary("en_US"), "")
        quotation = self.make_quotation(self.company)
        self.assertFalse(quotation.crm_tier_summary)

    def test_benefits_english_and_chinese(self):
        self.set_benefits()
        self.assertEqual(
            self.summary("en_US"),
            "Pricelist: Gold Prices · Payment terms: 30 Days · Account manager: Ada Manager"
            " · Key-account team: Key Accounts Docs · Dedicated hotline & visits",
        )
        self.assertEqual(
            self.summary("zh_CN"),
            "价格表：Gold Prices · 付款条款：30 Days · 客户经理：Ada Manager"
            " · 大客户团队：Key Accounts Docs · 专属热线与上门服务",
        )
        # benefits are per company: none in the other company
        self.assertEqual(self.summary("en_US", self.other_company), "Dedicated hotline & visits")

    def test_summary_on_documents_in_their_company(self):
        quotation = self.make_quotation(self.company)
        self.assertEqual(quotation.crm_tier_summary, "Dedicated hotline & visits")
        chinese = quotation.with_context(lang="zh_CN")
        self.assertEqual(chinese.crm_tier_summary, "专属热线与上门服务")
        # read from the other company, the quotation still shows the tier of its own company
        self.assertEqual(
            quotation.with_company(self.other_company).crm_tier_summary,
            "Dedicated hotline & visits",
        )


class TestTierOnDocumentsAccess(TierDocumentCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # invoicing without sales: no customer tiers
        cls.billing = new_test_user(
            cls.env, login="tier_docs_billing", groups="account.group_account_invoice"
        )

    def get_tier_views(self, model):
        """The form, list and search views of `model` that show the tier, as its user gets
        them."""
        view_ids = [self.env.ref(xmlid).id for xmlid in TIER_DOCUMENT_VIEWS[model._name]]
        views = model.get_views(list(zip(view_ids, ("form", "list", "search"), strict=True)))
        return views["views"]

    def test_user_without_tiers_gets_no_tier_field(self):
        self.assertFalse(
            self.billing.has_group("crm_lifecycle_tiering.crm_lifecycle_tiering_group_user")
        )
        Move = self.env["account.move"].with_user(self.billing)
        self.assertNotIn("crm_tier_id", Move.fields_get())
        self.assertNotIn("crm_tier_summary", Move.fields_get())
        invoice = self.make_draft_invoice(self.company).with_user(self.billing)
        with self.assertRaisesRegex(AccessError, "crm_tier_id"):
            invoice.read(["crm_tier_id"])
        # the invoice screens load without the tier
        for view_type, view in self.get_tier_views(Move).items():
            with self.subTest(view=view_type):
                self.assertNotIn("crm_tier", view["arch"])
        self.assertEqual(invoice.read(["name"])[0]["name"], invoice.name)

    def test_salesperson_sees_the_tier_on_every_document_screen(self):
        for model in TIER_DOCUMENT_VIEWS:
            views = self.get_tier_views(self.env[model].with_user(self.tier_user))
            for view_type, view in views.items():
                with self.subTest(model=model, view=view_type):
                    self.assertIn('name="crm_tier_id"', view["arch"])

    def test_pipeline_card_shows_the_tier(self):
        Lead = self.env["crm.lead"].with_user(self.tier_user)
        view = Lead.get_views([(self.env.ref("crm.crm_case_kanban_view_leads").id, "kanban")])
        arch = view["views"]["kanban"]["arch"]
        self.assertIn('name="crm_tier_id"', arch)
        self.assertIn('name="crm_tier_color"', arch)


@tagged("post_install", "-at_install")
class TestTierOnQuotationTour(CrmHttpCase):
    """A salesperson opens a VIP customer's quotation: the VIP badge and the entitlement line
    are next to the customer, the lines carry the VIP pricelist's price; confirmed, the order
    keeps it."""

    def test_vip_quotation_tour(self):
        company = self.env.ref("base.user_admin").company_id
        # pricelists in use, as in a company that sells at tier prices
        self.env.ref("base.group_user").implied_ids |= self.env.ref(
            "product.group_product_pricelist"
        )
        salesperson = new_test_user(
            self.env,
            login="tier_docs_salesperson",
            groups="sales_team.group_sale_salesman",
            company_id=company.id,
        )
        product = self.env["product.product"].create(
            {"name": "Tour Docs Service", "type": "service", "list_price": 10}
        )
        vip_prices = self.env["product.pricelist"].create(
            {
                "name": "Tour VIP prices",
                "company_id": company.id,
                "currency_id": company.currency_id.id,
                "item_ids": [
                    (
                        0,
                        0,
                        {
                            "applied_on": "0_product_variant",
                            "product_id": product.id,
                            "compute_price": "fixed",
                            "fixed_price": 8.5,
                        },
                    )
                ],
            }
        )
        tier_vip = self.env.ref("crm_lifecycle_tiering.crm_customer_tier_vip")
        tier_vip.service_policy = "<p>Dedicated hotline within the hour</p>"
        tier_vip.with_company(company).pricelist_id = vip_prices
        customer = self.env["res.partner"].create({"name": "Tour VIP Docs Ltd", "is_company": True})
        # the customer enters the tier as the value engine moves it: the tier's pricelist
        # becomes the customer's
        customer.with_company(company).sudo().crm_tier_id = tier_vip
        self.env["crm.customer.tier"]._apply_benefits(company, [(customer.id, False, tier_vip.id)])
        self.assertEqual(customer.with_company(company).property_product_pricelist, vip_prices)
        quotation = make_sale_order(
            self.env,
            customer,
            company,
            [{"product_id": product.id, "product_uom_qty": 4}],
            confirm=False,
            user_id=salesperson.id,
        )
        self.start_tour(
            f"/odoo/action-sale.action_quotations_with_onboarding/{quotation.id}",
            "crm_tier_on_quotation_tour",
            login=salesperson.login,
        )
        self.assertEqual(quotation.state, "sale")
        self.assertEqual(quotation.pricelist_id, vip_prices)
        self.assertEqual(quotation.order_line.price_unit, 8.5)
        self.assertEqual(quotation.amount_untaxed, 34.0)
