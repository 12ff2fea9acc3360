import base64
import io
from datetime import datetime, timedelta

from openpyxl import load_workbook

from odoo.addons.crm_lifecycle_tiering.models.lifecycle_data import (
    STAGE_CHURNED,
    STAGE_FIRST_PURCHASE,
    STAGE_PROSPECT,
    STAGE_REPEAT,
)

from .common import ValueCase

DETAIL_HEADER = [
    "Customer",
    "Salesperson",
    "Tier",
    "Lifecycle Stage",
    "RFM Segment",
    "First Purchase",
    "Last Purchase",
    "Days Since Last Purchase",
    "Orders",
    "Revenue (all time)",
    "Orders in Window",
    "Revenue in Window",
    "Average Order Value",
    "Mean Days Between Purchases",
    "R",
    "F",
    "M",
    "Value Score",
    "Referrals",
    "Tier Reason",
]
COL = {title: index for index, title in enumerate(DETAIL_HEADER)}
MONEY_FORMAT = '"$"#,##0.00'  # the test company's currency is USD, symbol before


class TestValueReport(ValueCase):
    """The customer-value workbook, read back with openpyxl: a company of its own with four
    customers whose tier, stage and figures are known (one per tier, and a prospect)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        as_of = cls.AS_OF
        cls.alpha = cls.make_customer("Alpha Corp", user_id=cls.tier_user.id)
        cls.make_order(cls.alpha, 4000, as_of - timedelta(days=10))
        cls.make_order(cls.alpha, 2000, as_of - timedelta(days=40))
        cls.beta = cls.make_customer("Beta Ltd", user_id=cls.tier_manager.id)
        cls.make_order(cls.beta, 1500, as_of - timedelta(days=20))
        # one order, before the 12-month window: churned, no revenue in the window
        cls.gamma = cls.make_customer("Gamma SA")
        cls.make_order(cls.gamma, 800, as_of - timedelta(days=400))
        # a customer of this company without an order
        cls.delta = cls.make_customer("Delta Prospect", company_id=cls.vc.id, customer_rank=1)
        Rule = cls.env["crm.tier.rule"]
        Rule.create(
            {"tier_id": cls.tier_vip.id, "company_id": cls.vc.id, "min_revenue_period": 5000}
        )
        Rule.create(
            {"tier_id": cls.tier_key.id, "company_id": cls.vc.id, "min_revenue_period": 1000}
        )
        cls.engine._recompute_company(cls.vc, as_of=as_of)

    def build(self, **values):
        wizard = self.env["crm.value.report.wizard"].with_company(self.vc).create(values)
        return load_workbook(io.BytesIO(wizard._build_workbook()))

    def detail_rows(self, book):
        return [list(row) for row in book["Customers"].iter_rows(min_row=2, values_only=True)]

    def detail_names(self, **values):
        return [row[0] for row in self.detail_rows(self.build(**values))]

    def test_values_are_as_expected_before_exporting(self):
        """What the workbook must show, as the engine stored it."""
        expected = {
            self.alpha: (self.tier_vip, STAGE_REPEAT, 6000.0),
            self.beta: (self.tier_key, STAGE_FIRST_PURCHASE, 1500.0),
            self.gamma: (self.tier_standard, STAGE_CHURNED, 0.0),
            self.delta: (self.Tier, STAGE_PROSPECT, 0.0),
        }
        for partner, (tier, stage, revenue_period) in expected.items():
            values = self.val(partner)
            self.assertEqual(values.crm_tier_id, tier, partner.name)
            self.assertEqual(values.crm_lifecycle_stage, stage, partner.name)
            self.assertEqual(values.crm_revenue_period, revenue_period, partner.name)

    def test_summary_sheet(self):
        book = self.build()
        self.assertEqual(book.sheetnames, ["Summary", "Customers"])
        ws = book["Summary"]
        self.assertEqual(ws["A1"].value, "Customer value of Value Test Co")
        self.assertEqual(ws["A2"].value, f"Values as of {self.AS_OF.isoformat()}")

        def table(first_row, last_row):
            return [
                list(row)
                for row in ws.iter_rows(
                    min_row=first_row, max_row=last_row, max_col=6, values_only=True
                )
            ]

        header = ["Tier", "Prospect", "First Purchase", "Repeat Purchase", "Churned", "Total"]
        self.assertEqual(ws["A4"].value, "Customers")
        self.assertEqual(
            table(5, 9),
            [
                header,
                ["VIP", 0, 0, 1, 0, 1],
                ["Key", 0, 1, 0, 0, 1],
                ["Standard", 0, 0, 0, 1, 1],
                ["No tier", 1, 0, 0, 0, 1],
            ],
        )
        # revenue in the window: Gamma's only order is older than the window
        self.assertEqual(ws["A11"].value, "Revenue in Window")
        self.assertEqual(
            table(12, 16),
            [
                header,
                ["VIP", 0, 0, 6000, 0, 6000],
                ["Key", 0, 1500, 0, 0, 1500],
                ["Standard", 0, 0, 0, 0, 0],
                ["No tier", 0, 0, 0, 0, 0],
            ],
        )
        self.assertEqual(ws["D13"].number_format, MONEY_FORMAT)
        self.assertEqual(ws["F14"].number_format, MONEY_FORMAT)
        self.assertEqual(ws["B6"].number_format, "General")
        # one stacked column chart, a series a stage
        self.assertEqual(len(ws._charts), 1)
        chart = ws._charts[0]
        self.assertEqual(chart.tagname, "barChart")
        self.assertEqual(chart.grouping, "stacked")
        self.assertEqual(len(chart.series), 4)

    def test_detail_sheet(self):
        book = self.build()
        ws = book["Customers"]
        self.assertEqual([cell.value for cell in ws[1]], DETAIL_HEADER)
        self.assertEqual(ws.freeze_panes, "B2")
        self.assertEqual(ws.auto_filter.ref, "A1:T5")
        rows = self.detail_rows(book)
        self.assertEqual(
            [row[0] for row in rows], ["Alpha Corp", "Beta Ltd", "Delta Prospect", "Gamma SA"]
        )
        alpha, beta, delta, gamma = rows
        as_of = self.AS_OF
        today = self.crm_today(self.vc)

        def picked(row, *titles):
            return [row[COL[title]] for title in titles]

        columns = (
            "Salesperson",
            "Tier",
            "Lifecycle Stage",
            "First Purchase",
            "Last Purchase",
            "Days Since Last Purchase",
            "Orders",
            "Revenue (all time)",
            "Orders in Window",
            "Revenue in Window",
            "Average Order Value",
            "Tier Reason",
        )

        def bought(first, last, *figures):
            """The dates of a buyer's first and last orders (days before AS_OF), the days since
            the last one, then `figures`."""
            first, last = as_of - timedelta(days=first), as_of - timedelta(days=last)
            return [
                datetime.combine(first, datetime.min.time()),
                datetime.combine(last, datetime.min.time()),
                (today - last).days,
                *figures,
            ]

        for row, expected in (
            (
                alpha,
                [self.tier_user.name, "VIP", "Repeat Purchase"]
                + bought(40, 10, 2, 6000, 2, 6000, 3000)
                + ["Revenue 12 months $\xa06,000.00 ≥ $\xa05,000.00"],
            ),
            (
                beta,
                [self.tier_manager.name, "Key", "First Purchase"]
                + bought(20, 20, 1, 1500, 1, 1500, 1500)
                + ["Revenue 12 months $\xa01,500.00 ≥ $\xa01,000.00"],
            ),
            (
                gamma,
                ["", "Standard", "Churned"]
                + bought(400, 400, 1, 800, 0, 0, 800)
                + ["No rule of a higher tier matches: Standard by default"],
            ),
        ):
            self.assertEqual(picked(row, *columns), expected)
        # a prospect: no tier, no dates, zero figures
        self.assertEqual(
            picked(delta, *columns), ["", "", "Prospect", None, None, 0, 0, 0, 0, 0, 0, ""]
        )
        # RFM and score columns are the stored values
        for row, partner in ((alpha, self.alpha), (beta, self.beta), (gamma, self.gamma)):
            values = self.val(partner)
            self.assertEqual(
                picked(row, "RFM Segment", "R", "F", "M", "Value Score", "Referrals"),
                [
                    values.crm_rfm_segment_id.name,
                    values.crm_rfm_r,
                    values.crm_rfm_f,
                    values.crm_rfm_m,
                    values.crm_value_score,
                    0,
                ],
            )
        self.assertEqual(picked(alpha, "Mean Days Between Purchases"), [30])
        # formats: dates, money, one decimal for plain floats
        self.assertEqual(ws.cell(2, COL["First Purchase"] + 1).number_format, "yyyy-mm-dd")
        self.assertEqual(ws.cell(2, COL["Last Purchase"] + 1).number_format, "yyyy-mm-dd")
        for title in ("Revenue (all time)", "Revenue in Window", "Average Order Value"):
            self.assertEqual(ws.cell(2, COL[title] + 1).number_format, MONEY_FORMAT, title)
        self.assertEqual(ws.cell(2, COL["Value Score"] + 1).number_format, "0.0")
        self.assertEqual(ws.cell(2, COL["Orders"] + 1).number_format, "General")

    def test_filters_change_the_rows(self):
        self.assertEqual(
            self.detail_names(tier_ids=[(6, 0, (self.tier_vip | self.tier_key).ids)]),
            ["Alpha Corp", "Beta Ltd"],
        )
        self.assertEqual(self.detail_names(stage=STAGE_CHURNED), ["Gamma SA"])
        self.assertEqual(self.detail_names(user_ids=[(6, 0, self.tier_user.ids)]), ["Alpha Corp"])
        self.assertEqual(
            self.detail_names(
                tier_ids=[(6, 0, self.tier_key.ids)], user_ids=[(6, 0, self.tier_user.ids)]
            ),
            [],
        )
        # the summary follows the filters
        ws = self.build(stage=STAGE_FIRST_PURCHASE)["Summary"]
        self.assertEqual(
            [list(row) for row in ws.iter_rows(min_row=5, max_row=6, max_col=3, values_only=True)],
            [["Tier", "First Purchase", "Total"], ["Key", 1, 1]],
        )
        self.assertIsNone(ws["A7"].value)

    def test_export_action_serves_the_workbook(self):
        wizard = self.env["crm.value.report.wizard"].with_company(self.vc).create({})
        action = wizard.action_export()
        self.assertEqual(action["type"], "ir.actions.act_url")
        self.assertTrue(wizard.file_name.endswith(".xlsx"))
        self.assertIn(wizard.file_name, action["url"])
        book = load_workbook(io.BytesIO(base64.b64decode(wizard.file_data)))
        self.assertEqual(len(self.detail_rows(book)), 4)
