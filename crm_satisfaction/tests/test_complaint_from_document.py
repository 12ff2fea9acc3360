"""The "Complaint" button of sales orders and customer invoices: the new complaint is about the
document's customer, linked to the document, in the document's company (not the user's current
one), with that company's team."""

from odoo.tests import Form, tagged

from odoo.addons.crm_lifecycle_tiering.tests.common import CrmCase, make_company_user


@tagged("post_install", "-at_install")
class TestComplaintFromDocument(CrmCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.home = cls.env["res.company"].create({"name": "Document Home Co"})
        cls.company = cls.env["res.company"].create({"name": "Document Sales Co"})
        companies = cls.home | cls.company
        cls.env.user.company_ids |= companies
        cls.env["account.chart.template"].try_loading(
            "generic_coa", company=cls.company, install_demo=False
        )
        cls.agent = make_company_user(
            cls.env,
            "doc_agent",
            "crm_satisfaction.crm_satisfaction_group_user,"
            "sales_team.group_sale_salesman_all_leads,account.group_account_invoice",
            cls.home,
            name="Document Agent",
        )
        cls.agent.company_ids = companies
        Team = cls.env["crm.complaint.team"]
        cls.home_team = Team.create(
            {
                "name": "Home care",
                "company_id": cls.home.id,
                "member_ids": [(6, 0, cls.agent.ids)],
            }
        )
        cls.sales_team = Team.create(
            {
                "name": "Sales Co care",
                "company_id": cls.company.id,
                "member_ids": [(6, 0, cls.agent.ids)],
            }
        )
        cls.customer = cls.env["res.partner"].create(
            {"name": "Document Customer", "is_company": True, "email": "doc@example.com"}
        )
        cls.buyer = cls.env["res.partner"].create(
            {
                "name": "Document Buyer",
                "parent_id": cls.customer.id,
                "email": "buyer@doc.example.com",
                "phone": "+32 2 555 00 00",
            }
        )
        product = cls.env["product.product"].create(
            {
                "name": "Document Service",
                "type": "service",
                "invoice_policy": "order",
                "list_price": 80,
                "taxes_id": False,
            }
        )
        cls.order = (
            cls.env["sale.order"]
            .with_company(cls.company)
            .create(
                {
                    "partner_id": cls.buyer.id,
                    "company_id": cls.company.id,
                    "order_line": [(0, 0, {"product_id": product.id, "tax_ids": False})],
                }
            )
        )
        cls.order.action_confirm()
        cls.invoice = cls.order._create_invoices()
        cls.invoice.action_post()

    def as_agent(self, record):
        """The record as the agent working in the home company with both companies enabled."""
        env = self.env(
            user=self.agent,
            context=dict(self.env.context, allowed_company_ids=[self.home.id, self.company.id]),
        )
        self.assertEqual(env.company, self.home)
        return record.with_env(env)

    def file_from(self, document, link):
        """Files a complaint from the document's button, as the agent: the form opens on the
        document's buyer, company and name, linked to it by the field ``link``."""
        action = self.as_agent(document).action_crm_new_complaint()
        self.assertEqual(
            (action["type"], action["res_model"], action["view_mode"], action["target"]),
            ("ir.actions.act_window", "crm.complaint", "form", "current"),
        )
        with Form(
            self.as_agent(self.env["crm.complaint"]).with_context(**action["context"])
        ) as form:
            form.description = "Half of it is missing."
        self.assertEqual(
            action["context"],
            {
                "default_partner_id": self.buyer.id,
                "default_company_id": self.company.id,
                "default_name": f"About {document.name}",
                f"default_{link}": document.id,
            },
        )
        complaint = form.record
        self.assertEqual(complaint.name, f"About {document.name}")
        self.assertEqual(complaint.partner_id, self.buyer)
        self.assertEqual(complaint.commercial_partner_id, self.customer)
        self.assertEqual(complaint[link], document)
        return complaint

    def test_complaint_about_a_sales_order(self):
        self.assertEqual(self.order.state, "sale")
        complaint = self.file_from(self.order, "sale_order_id")
        self.assertEqual(complaint.email_from, "buyer@doc.example.com")
        self.assertEqual(complaint.partner_phone, "+32 2 555 00 00")
        self.assertFalse(complaint.invoice_id)
        # the order's company, its team and that team's member, not the user's current company
        self.assertEqual(complaint.company_id, self.company)
        self.assertEqual(complaint.team_id, self.sales_team)
        self.assertEqual(complaint.user_id, self.agent)
        self.assertTrue(complaint.reference.startswith("CMP/"))
        # the customer's counters in that company see it
        customer = self.customer.with_company(self.company)
        self.assertEqual(
            (customer.crm_complaint_open_count, customer.crm_complaint_count_period), (1, 1)
        )
        home_customer = self.customer.with_company(self.home)
        self.assertEqual(home_customer.crm_complaint_open_count, 0)

    def test_complaint_about_an_invoice(self):
        self.assertEqual((self.invoice.state, self.invoice.move_type), ("posted", "out_invoice"))
        self.assertEqual(self.invoice.partner_id, self.buyer)
        complaint = self.file_from(self.invoice, "invoice_id")
        self.assertFalse(complaint.sale_order_id)
        self.assertEqual(complaint.company_id, self.company)
        self.assertEqual(complaint.team_id, self.sales_team)
        self.assertEqual(complaint.user_id, self.agent)
