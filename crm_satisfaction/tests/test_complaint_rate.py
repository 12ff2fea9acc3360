from datetime import datetime

from odoo.tests import TransactionCase


class TestComplaintRate(TransactionCase):
    def test_complaints_per_100_active_customers(self):
        company = self.env["res.company"].create({"name": "Rate Co"})
        self.env.user.company_ids |= company
        product = self.env["product.product"].create(
            {"name": "Service", "type": "service", "list_price": 10}
        )
        customers = self.env["res.partner"].create(
            [{"name": f"Rate customer {i}", "is_company": True} for i in range(4)]
        )
        # orders: 3 customers active in March 2026 (orders within 12 months), the fourth
        # bought in January 2025 only, so it is no longer active by March 2026
        for customer, day in zip(
            customers,
            [
                datetime(2026, 2, 1),
                datetime(2025, 6, 1),
                datetime(2026, 3, 10),
                datetime(2025, 1, 15),
            ],
            strict=True,
        ):
            order = (
                self.env["sale.order"]
                .with_company(company)
                .create(
                    {
                        "partner_id": customer.id,
                        "company_id": company.id,
                        "order_line": [(0, 0, {"product_id": product.id, "price_unit": 10})],
                    }
                )
            )
            order.action_confirm()
            order.date_order = day
        Complaint = self.env["crm.complaint"].with_company(company)
        for customer, reported in (
            (customers[0], datetime(2026, 3, 2, 10)),
            (customers[1], datetime(2026, 3, 20, 10)),
            (customers[0], datetime(2025, 2, 3, 10)),
        ):
            Complaint.create(
                {
                    "name": "Late",
                    "partner_id": customer.id,
                    "company_id": company.id,
                    "reported_date": reported,
                }
            )
        self.env.flush_all()
        rows = self.env["crm.complaint.rate.report"].search(
            [("company_id", "=", company.id)], order="month"
        )
        self.assertEqual(
            [
                (r.month.isoformat(), r.complaint_count, r.active_customer_count, r.complaint_rate)
                for r in rows
            ],
            [("2025-02-01", 1, 1, 100.0), ("2026-03-01", 2, 3, 66.67)],
        )
