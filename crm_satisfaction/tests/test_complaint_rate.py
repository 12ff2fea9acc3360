from datetime import date, datetime

from freezegun import freeze_time

from odoo.addons.crm_lifecycle_tiering.tests.common import CrmCase

from .test_complaint import ComplaintCase


def rounded(groups):
    """_read_group rows with their floats rounded to 2 digits, as the views show them."""
    return [
        tuple(round(value, 2) if isinstance(value, float) else value for value in group)
        for group in groups
    ]


class TestComplaintRate(CrmCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env["res.company"].create({"name": "Rate Co"})
        cls.env.user.company_ids |= cls.company
        cls.product = product = cls.env["product.product"].create(
            {"name": "Service", "type": "service", "list_price": 10}
        )
        cls.customers = cls.env["res.partner"].create(
            [{"name": f"Rate customer {i}", "is_company": True} for i in range(4)]
        )
        # orders: 3 customers active in March 2026 (orders within 12 months), the fourth
        # bought in January 2025 only, so it is no longer active by March 2026
        for customer, day in zip(
            cls.customers,
            [
                datetime(2026, 2, 1),
                datetime(2025, 6, 1),
                datetime(2026, 3, 10),
                datetime(2025, 1, 15),
            ],
            strict=True,
        ):
            order = (
                cls.env["sale.order"]
                .with_company(cls.company)
                .create(
                    {
                        "partner_id": customer.id,
                        "company_id": cls.company.id,
                        "order_line": [(0, 0, {"product_id": product.id, "price_unit": 10})],
                    }
                )
            )
            order.action_confirm()
            order.date_order = day
        cls.vip = cls.env.ref("crm_lifecycle_tiering.crm_customer_tier_vip")
        cls.customers[0].with_company(cls.company).crm_tier_id = cls.vip
        cls.delivery, cls.quality = cls.env["crm.complaint.category"].create(
            [
                {"name": "Rate delivery", "company_id": cls.company.id},
                {"name": "Rate quality", "company_id": cls.company.id},
            ]
        )
        cls.team_1, cls.team_2 = cls.env["crm.complaint.team"].create(
            [
                {"name": "Rate team 1", "company_id": cls.company.id},
                {"name": "Rate team 2", "company_id": cls.company.id},
            ]
        )
        cls.Report = cls.env["crm.complaint.rate.report"]

    def file(self, customer, reported, category, team, channel="phone"):
        return (
            self.env["crm.complaint"]
            .with_company(self.company)
            .create(
                {
                    "name": "Late",
                    "partner_id": customer.id,
                    "company_id": self.company.id,
                    "reported_date": reported,
                    "category_id": category.id,
                    "team_id": team.id,
                    "channel": channel,
                }
            )
        )

    def read_report(self, groupby, domain=()):
        self.env.flush_all()
        return rounded(
            self.Report._read_group(
                [("company_id", "=", self.company.id), *domain],
                groupby,
                ["complaint_count:sum", "active_customer_count:max", "complaint_rate:sum"],
            )
        )

    def test_complaints_per_100_active_customers(self):
        customers = self.customers
        self.file(customers[1], datetime(2026, 3, 2, 10), self.delivery, self.team_1)
        self.file(customers[2], datetime(2026, 3, 20, 10), self.delivery, self.team_1)
        self.file(customers[0], datetime(2025, 2, 3, 10), self.delivery, self.team_1)
        self.env.flush_all()
        self.assertEqual(
            self.rate_rows(), [("2025-02-01", 1, 1, 100.0), ("2026-03-01", 2, 3, 66.67)]
        )

    def rate_rows(self):
        self.env.flush_all()
        self.env.invalidate_all()
        rows = self.Report.search([("company_id", "=", self.company.id)], order="month")
        return [
            (
                r.month.isoformat(),
                r.complaint_count,
                r.active_customer_count,
                round(r.complaint_rate, 2),
            )
            for r in rows
        ]

    def test_months_and_active_customers_in_company_time_zone(self):
        """Complaint months and the active customers' twelve months are counted on the
        company's local days: an order placed early on 1 April 2025 in Shanghai (31 March in
        UTC) keeps its customer active through March 2026, and a complaint made early on
        1 April 2026 there belongs to April."""
        self.company.partner_id.tz = "Asia/Shanghai"
        newcomer = self.env["res.partner"].create({"name": "Rate newcomer", "is_company": True})
        order = (
            self.env["sale.order"]
            .with_company(self.company)
            .create(
                {
                    "partner_id": newcomer.id,
                    "company_id": self.company.id,
                    "order_line": [(0, 0, {"product_id": self.product.id, "price_unit": 10})],
                }
            )
        )
        order.action_confirm()
        order.date_order = datetime(2025, 3, 31, 20, 0)  # 1 April 2025, 04:00 in Shanghai
        self.file(self.customers[1], datetime(2026, 3, 15, 10), self.delivery, self.team_1)
        # 1 April 2026, 01:00 in Shanghai
        self.file(self.customers[2], datetime(2026, 3, 31, 17, 0), self.delivery, self.team_1)
        self.assertEqual(
            self.rate_rows(),
            [("2026-03-01", 1, 4, 25.0), ("2026-04-01", 1, 3, 33.33)],
        )

    def test_active_customers_follow_the_invoice_setting(self):
        """A company valuing its customers by invoices counts as active the customers with a
        posted invoice in the twelve months (a refund alone does not make one active); back on
        orders, the same report counts the customers with a confirmed order, at once."""
        self.env["account.chart.template"].try_loading(
            "generic_coa", company=self.company, install_demo=False
        )
        newcomer = self.env["res.partner"].create({"name": "Rate invoiced", "is_company": True})

        self.make_invoice(self.customers[3], 50, date(2026, 1, 10), company=self.company)
        self.make_invoice(newcomer, 50, date(2025, 12, 1), company=self.company)
        self.make_invoice(
            self.customers[0], 50, date(2026, 2, 15), "out_refund", company=self.company
        )
        self.file(self.customers[1], datetime(2026, 3, 15, 10), self.delivery, self.team_1)
        self.company.crm_value_source = "invoice"
        self.assertEqual(self.rate_rows(), [("2026-03-01", 1, 2, 50.0)])
        self.company.crm_value_source = "order"
        self.assertEqual(self.rate_rows(), [("2026-03-01", 1, 3, 33.33)])

    def test_rate_by_category_tier_team_channel_and_period(self):
        customers = self.customers
        march = datetime(2026, 3, 2, 10)
        # March 2026, 3 active customers: 5 complaints -> 166.67 per 100
        self.file(customers[0], march, self.delivery, self.team_1, "phone")
        self.file(customers[1], march, self.delivery, self.team_1, "email")
        self.file(customers[2], march, self.quality, self.team_2, "phone")
        self.file(customers[2], datetime(2026, 3, 30, 18), self.quality, self.team_2, "phone")
        # 23:59 on the last day of March where the company is: a March complaint
        self.file(
            customers[1],
            self.to_utc(datetime(2026, 3, 31, 23, 59), self.company),
            self.quality,
            self.team_1,
            "web",
        )
        # February 2025, 1 active customer (the January 2025 order): 1 complaint -> 100
        self.file(customers[0], datetime(2025, 2, 3, 10), self.delivery, self.team_1, "phone")

        # one row per company, month, category, tier, team and channel
        self.env.flush_all()
        rows = self.Report.search([("company_id", "=", self.company.id)])
        self.assertEqual(
            sorted(
                (
                    r.month.isoformat(),
                    r.category_id.name,
                    r.tier_id == self.vip,
                    r.team_id.name,
                    r.channel,
                    r.complaint_count,
                    r.active_customer_count,
                    round(r.complaint_rate, 2),
                )
                for r in rows
            ),
            [
                ("2025-02-01", "Rate delivery", True, "Rate team 1", "phone", 1, 1, 100.0),
                ("2026-03-01", "Rate delivery", False, "Rate team 1", "email", 1, 3, 33.33),
                ("2026-03-01", "Rate delivery", True, "Rate team 1", "phone", 1, 3, 33.33),
                ("2026-03-01", "Rate quality", False, "Rate team 1", "web", 1, 3, 33.33),
                ("2026-03-01", "Rate quality", False, "Rate team 2", "phone", 2, 3, 66.67),
            ],
        )

        # by period: the month's rate, its active customers shown once (not summed)
        self.assertEqual(
            self.read_report(["month:month"]),
            [
                (datetime(2025, 2, 1).date(), 1, 1, 100.0),
                (datetime(2026, 3, 1).date(), 5, 3, 166.67),
            ],
        )
        # the period's total: complaints per 100 active customers, month by month
        self.assertEqual(self.read_report([]), [(6, 3, 266.67)])

        march_only = [("month", "=", "2026-03-01")]
        # by category, tier, team, channel: the parts add up to the month's 166.67
        self.assertEqual(
            self.read_report(["category_id"], march_only),
            [(self.delivery, 2, 3, 66.67), (self.quality, 3, 3, 100.0)],
        )
        standard = self.customers[1].with_company(self.company).crm_tier_id
        self.assertNotEqual(standard, self.vip)
        self.assertEqual(
            dict((tier, values) for tier, *values in self.read_report(["tier_id"], march_only)),
            {self.vip: [1, 3, 33.33], standard: [4, 3, 133.33]},
        )
        self.assertEqual(
            self.read_report(["team_id"], march_only),
            [(self.team_1, 3, 3, 100.0), (self.team_2, 2, 3, 66.67)],
        )
        self.assertEqual(
            self.read_report(["channel"], march_only),
            [("email", 1, 3, 33.33), ("phone", 3, 3, 100.0), ("web", 1, 3, 33.33)],
        )
        # a cross of two dimensions over the whole period
        self.assertEqual(
            self.read_report(["month:month", "category_id"]),
            [
                (datetime(2025, 2, 1).date(), self.delivery, 1, 1, 100.0),
                (datetime(2026, 3, 1).date(), self.delivery, 2, 3, 66.67),
                (datetime(2026, 3, 1).date(), self.quality, 3, 3, 100.0),
            ],
        )


class TestComplaintAnalysis(ComplaintCase):
    """Mean times to acknowledge and resolve and SLA compliance, per complaint, grouped by
    category, tier, team, channel and month in the complaint analysis."""

    def test_times_and_sla_compliance_by_dimension(self):
        Category = self.env["crm.complaint.category"]
        parts, billing = Category.create(
            [
                {"name": "Analysis parts", "company_id": self.company.id},
                {"name": "Analysis billing", "company_id": self.company.id},
            ]
        )
        team_2 = self.env["crm.complaint.team"].create(
            {"name": "Billing desk", "company_id": self.company.id}
        )
        # met: acknowledged after 1 h, resolved after 4 h (standard SLA: 8 h / 40 h)
        met = self.file(category_id=parts.id, channel="phone")
        with freeze_time("2026-03-02 11:00:00"):
            met.stage_id = self.stage_ack
        with freeze_time("2026-03-02 15:00:00"):
            met.stage_id = self.stage_resolved
        # VIP (2 h / 16 h): acknowledged after 2 working hours, at 13:00, past the 12:00
        # deadline; resolved after 8 working hours: breached
        late_ack = self.file(self.vip_customer, category_id=parts.id, channel="email")
        with freeze_time("2026-03-02 13:00:00"):
            late_ack.stage_id = self.stage_ack
        with freeze_time("2026-03-03 10:00:00"):
            late_ack.stage_id = self.stage_resolved
        # open, on track: no time, no SLA outcome yet
        on_track = self.file(category_id=billing.id, team_id=team_2.id, channel="phone")
        # open, never acknowledged, checked after its Tuesday 10:00 deadline: breached
        overdue = self.file(category_id=billing.id, team_id=team_2.id, channel="email")
        overdue._update_sla_status(datetime(2026, 3, 4, 10, 0))
        complaints = met | late_ack | on_track | overdue
        self.assertEqual(
            complaints.mapped("sla_status"), ["met", "breached", "on_track", "breached"]
        )
        self.assertEqual(met.tier_id, on_track.tier_id)
        self.assertNotEqual(met.tier_id, self.vip)
        self.assertEqual(late_ack.tier_id, self.vip)

        def analysis(groupby):
            """{group key: (complaints, hours to acknowledge, hours to resolve, SLA %,
            complaints with an SLA outcome)}"""
            self.env.flush_all()
            groups = self.env["crm.complaint"]._read_group(
                [("id", "in", complaints.ids)],
                groupby,
                [
                    "__count",
                    "ack_hours_taken:avg",
                    "resolve_hours_taken:avg",
                    "sla_met_percent:avg",
                    "sla_met_percent:count",
                ],
            )
            return {
                group[0] if groupby else None: tuple(
                    round(value, 2) if isinstance(value, float) else value
                    for value in group[len(groupby) :]
                )
                for group in groups
            }

        self.assertEqual(analysis([]), {None: (4, 1.5, 6.0, 33.33, 3)})
        self.assertEqual(
            analysis(["category_id"]),
            {billing: (2, False, False, 0.0, 1), parts: (2, 1.5, 6.0, 50.0, 2)},
        )
        self.assertEqual(
            analysis(["tier_id"]),
            {met.tier_id: (3, 1.0, 4.0, 50.0, 2), self.vip: (1, 2.0, 8.0, 0.0, 1)},
        )
        self.assertEqual(
            analysis(["team_id"]),
            {team_2: (2, False, False, 0.0, 1), self.team: (2, 1.5, 6.0, 50.0, 2)},
        )
        self.assertEqual(
            analysis(["channel"]),
            {"email": (2, 2.0, 8.0, 0.0, 2), "phone": (2, 1.0, 4.0, 100.0, 1)},
        )
        self.assertEqual(
            list(analysis(["reported_date:month"]).values()), [(4, 1.5, 6.0, 33.33, 3)]
        )

    def test_reopened_complaint_leaves_compliance_until_decided_again(self):
        complaint = self.file()
        with freeze_time("2026-03-02 11:00:00"):
            complaint.stage_id = self.stage_ack
        with freeze_time("2026-03-02 15:00:00"):
            complaint.stage_id = self.stage_closed
        self.assertEqual(complaint.sla_met_percent, 100.0)

        def outcome():
            self.env.flush_all()
            return self.env["crm.complaint"]._read_group(
                [("id", "=", complaint.id)], [], ["sla_met_percent:count", "sla_met_percent:avg"]
            )[0]

        self.assertEqual(outcome(), (1, 100.0))
        # reopened within its deadlines: no outcome until it is resolved again
        with freeze_time("2026-03-03 09:00:00"):
            complaint.action_reopen()
        self.assertEqual(complaint.sla_status, "on_track")
        self.assertEqual(outcome(), (0, False))
        # then it runs past its resolution deadline (Monday 9 March 10:00): breached
        complaint._update_sla_status(datetime(2026, 3, 9, 11, 0))
        self.assertEqual(complaint.sla_status, "breached")
        self.assertEqual(outcome(), (1, 0.0))
