import base64
import io
from datetime import date, datetime

from freezegun import freeze_time
from openpyxl import load_workbook
from psycopg2 import IntegrityError

from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from odoo.addons.crm_lifecycle_tiering.models.lifecycle_data import STAGE_LOYAL, STAGE_REPEAT
from odoo.addons.crm_lifecycle_tiering.tests.common import CrmCase

from .common import make_office_calendar

COMPLAINT_HEADER = [
    "Reference",
    "Reported on",
    "Customer",
    "Tier",
    "Channel",
    "Category",
    "Priority",
    "Team",
    "Responsible",
    "Stage",
    "SLA Policy",
    "Acknowledge by",
    "Acknowledged",
    "Resolve by",
    "Resolved",
    "SLA Status",
    "Hours to Acknowledge",
    "Hours to Resolve",
    "Compensation",
    "Closed on",
]
RESPONSE_HEADER = [
    "Date",
    "Customer",
    "Tier",
    "Stage",
    "Salesperson",
    "Campaign",
    "Survey",
    "CSAT",
    "NPS (0-10)",
    "NPS Category",
    "CES",
    "Comment",
]
SUMMARY_HEADER = [
    "Complaints",
    "Open",
    "SLA Compliance (%)",
    "Mean Hours to Acknowledge",
    "Mean Hours to Resolve",
]
INDICATOR_HEADER = [
    "Responses",
    "Promoters",
    "Passives",
    "Detractors",
    "NPS",
    "CSAT Answers",
    "CSAT %",
]
MARCH = {"date_from": date(2026, 3, 1), "date_to": date(2026, 3, 31)}


@tagged("post_install", "-at_install")
class TestSatisfactionExport(CrmCase):
    """The complaint register and the survey responses as Excel workbooks, read back with
    openpyxl: a company of its own, in UTC, with four complaints and four responses in March
    2026 and one of each before."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env["res.company"].create(
            {"name": "Export Test Co", "currency_id": cls.env.ref("base.USD").id}
        )
        cls.env.user.company_ids |= cls.company
        cls.env = cls.env(
            context=dict(cls.env.context, allowed_company_ids=[cls.company.id], tz="UTC")
        )
        cls.manager = new_test_user(
            cls.env,
            login="export_care_manager",
            groups="crm_satisfaction.crm_satisfaction_group_manager",
            company_id=cls.company.id,
            company_ids=[(6, 0, cls.company.ids)],
            tz="UTC",
        )
        cls.agent = new_test_user(
            cls.env,
            login="export_care_agent",
            name="Agent Export",
            groups="crm_satisfaction.crm_satisfaction_group_user",
            company_id=cls.company.id,
            company_ids=[(6, 0, cls.company.ids)],
        )
        cls.vip = cls.env.ref("crm_lifecycle_tiering.crm_customer_tier_vip")
        cls._setup_complaints()
        cls._setup_responses()

    @classmethod
    def _setup_complaints(cls):
        calendar = make_office_calendar(cls.env, cls.company, "Export office hours UTC")
        Sla = cls.env["crm.complaint.sla"]
        Sla.search([]).active = False
        cls.sla_vip = Sla.create(
            {
                "name": "Export VIP",
                "sequence": 1,
                "company_id": cls.company.id,
                "tier_ids": [(6, 0, cls.vip.ids)],
                "calendar_id": calendar.id,
                "ack_hours": 2,
                "resolve_hours": 16,
            }
        )
        cls.sla_standard = Sla.create(
            {
                "name": "Export Standard",
                "sequence": 9,
                "company_id": cls.company.id,
                "calendar_id": calendar.id,
                "ack_hours": 8,
                "resolve_hours": 40,
            }
        )
        Team = cls.env["crm.complaint.team"]
        cls.team_after_sales = Team.create(
            {"name": "After-sales", "sequence": 1, "company_id": cls.company.id}
        )
        cls.team_billing = Team.create(
            {"name": "Billing desk", "sequence": 2, "company_id": cls.company.id}
        )
        Category = cls.env["crm.complaint.category"]
        cls.cat_parcel = Category.create(
            {"name": "Parcel lost", "sequence": 1, "company_id": cls.company.id}
        )
        cls.cat_invoice = Category.create(
            {"name": "Wrong invoice", "sequence": 2, "company_id": cls.company.id}
        )
        Partner = cls.env["res.partner"]
        cls.alpha = Partner.create(
            {"name": "Alpha Ltd", "is_company": True, "email": "alpha@example.com"}
        )
        cls.alpha.with_company(cls.company).crm_tier_id = cls.vip
        cls.beta = Partner.create(
            {"name": "Beta GmbH", "is_company": True, "email": "beta@example.com"}
        )
        stage_ack = cls.env.ref("crm_satisfaction.crm_complaint_stage_acknowledged")
        stage_closed = cls.env.ref("crm_satisfaction.crm_complaint_stage_closed")

        # VIP, acknowledged after 1 working hour and closed after 4: met
        cls.c1 = cls.file(
            "2026-03-02 10:00",
            cls.alpha,
            cls.team_after_sales,
            cls.cat_parcel,
            user_id=cls.agent.id,
            channel="email",
            compensation_amount=50,
        )
        cls.move(cls.c1, stage_ack, "2026-03-02 11:00")
        cls.move(cls.c1, stage_closed, "2026-03-02 15:00")
        # standard, closed 56 working hours later without acknowledgement: breached
        cls.c2 = cls.file("2026-03-02 09:00", cls.beta, cls.team_after_sales, cls.cat_invoice)
        cls.move(cls.c2, stage_closed, "2026-03-11 09:00")
        # acknowledged after 2 working hours, still open
        cls.c3 = cls.file(
            "2026-03-03 10:00", cls.beta, cls.team_billing, cls.cat_parcel, priority="2"
        )
        cls.move(cls.c3, stage_ack, "2026-03-03 12:00")
        # new, without a category
        cls.c4 = cls.file("2026-03-20 14:00", cls.alpha, cls.team_billing, None)
        # before the period
        cls.c_january = cls.file("2026-01-15 10:00", cls.beta, cls.team_after_sales, cls.cat_parcel)

    @classmethod
    def file(cls, when, partner, team, category, **values):
        with freeze_time(when):
            return cls.env["crm.complaint"].create(
                {
                    "name": f"Complaint of {partner.name}",
                    "partner_id": partner.id,
                    "company_id": cls.company.id,
                    "team_id": team.id,
                    "category_id": category.id if category else False,
                    "reported_date": datetime.fromisoformat(when),
                    **values,
                }
            )

    @classmethod
    def move(cls, complaint, stage, when):
        with freeze_time(when):
            complaint.stage_id = stage

    @classmethod
    def _setup_responses(cls):
        survey = cls.env.ref("crm_satisfaction.survey_survey_nps")
        Campaign = cls.env["crm.satisfaction.campaign"]
        cls.spring = Campaign.create(
            {
                "name": "Spring NPS",
                "sequence": 1,
                "company_id": cls.company.id,
                "survey_id": survey.id,
            }
        )
        cls.after_complaint = Campaign.create(
            {
                "name": "After complaint",
                "sequence": 2,
                "company_id": cls.company.id,
                "survey_id": survey.id,
            }
        )
        Response = cls.env["crm.satisfaction.response"]

        def respond(day, partner, campaign, scores, **values):
            return Response.create(
                {
                    "partner_id": partner.id,
                    "company_id": cls.company.id,
                    "campaign_id": campaign.id if campaign else False,
                    "date": date.fromisoformat(day),
                    "user_id": cls.agent.id,
                    **Response._prepare_score_values(scores),
                    **values,
                }
            )

        cls.r1 = respond(
            "2026-03-05",
            cls.alpha,
            cls.spring,
            {"nps": 10, "csat": 5, "ces": 2},
            tier_id=cls.vip.id,
            lifecycle_stage=STAGE_LOYAL,
            comment="Great service",
        )
        cls.r2 = respond(
            "2026-03-06", cls.beta, cls.spring, {"nps": 9, "csat": 4}, lifecycle_stage=STAGE_REPEAT
        )
        cls.r3 = respond("2026-03-10", cls.beta, None, {"nps": 0, "csat": 2}, comment="Late again")
        # effort only: no NPS, no CSAT
        cls.r4 = respond(
            "2026-03-12", cls.alpha, cls.after_complaint, {"ces": 6}, tier_id=cls.vip.id
        )
        cls.r_february = respond("2026-02-01", cls.beta, cls.spring, {"nps": 0, "csat": 1})

    # helpers ---------------------------------------------------------------------------

    def build(self, kind, **values):
        wizard = (
            self.env["crm.satisfaction.export.wizard"]
            .with_company(self.company)
            .create({"kind": kind, **MARCH, **values})
        )
        return load_workbook(io.BytesIO(wizard._build_workbook()))

    def rows(self, sheet, min_row=2, max_col=None):
        return [
            list(row) for row in sheet.iter_rows(min_row=min_row, max_col=max_col, values_only=True)
        ]

    def table(self, sheet, first_row, last_row, max_col):
        return [
            list(row)
            for row in sheet.iter_rows(
                min_row=first_row, max_row=last_row, max_col=max_col, values_only=True
            )
        ]

    # tests -----------------------------------------------------------------------------

    def test_defaults_last_90_days(self):
        with freeze_time("2026-03-31 12:00"):
            wizard = self.env["crm.satisfaction.export.wizard"].create({})
        self.assertEqual(wizard.kind, "complaints")
        self.assertEqual(wizard.date_to, date(2026, 3, 31))
        self.assertEqual(wizard.date_from, date(2025, 12, 31))
        self.assertEqual(wizard.company_id, self.company)

    def test_complaint_register(self):
        book = self.build("complaints")
        self.assertEqual(book.sheetnames, ["Complaints", "Summary"])
        ws = book["Complaints"]
        self.assertEqual([cell.value for cell in ws[1]], COMPLAINT_HEADER)
        self.assertEqual(ws.freeze_panes, "B2")
        self.assertEqual(ws.auto_filter.ref, "A1:T5")
        rows = self.rows(ws)
        # by reported date: the January complaint is out of the period
        self.assertEqual(
            [row[0] for row in rows],
            [c.reference for c in (self.c2, self.c1, self.c3, self.c4)],
        )
        c2, c1, c3, c4 = rows
        self.assertEqual(
            c1,
            [
                self.c1.reference,
                datetime(2026, 3, 2, 10, 0),
                "Alpha Ltd",
                "VIP",
                "Email",
                "Parcel lost",
                "Normal",
                "After-sales",
                "Agent Export",
                "Closed",
                "Export VIP",
                datetime(2026, 3, 2, 12, 0),
                datetime(2026, 3, 2, 11, 0),
                datetime(2026, 3, 4, 10, 0),
                datetime(2026, 3, 2, 15, 0),
                "Met",
                1,
                4,
                50,
                datetime(2026, 3, 2, 15, 0),
            ],
        )
        # closed without acknowledgement: both steps took 56 working hours, too late
        self.assertEqual(
            c2[9:20],
            [
                "Closed",
                "Export Standard",
                datetime(2026, 3, 3, 9, 0),
                datetime(2026, 3, 11, 9, 0),
                datetime(2026, 3, 9, 9, 0),
                datetime(2026, 3, 11, 9, 0),
                "Breached",
                56,
                56,
                0,
                datetime(2026, 3, 11, 9, 0),
            ],
        )
        # open: no resolution figures, no closing date
        self.assertEqual(c3[6], "High")
        self.assertEqual(c3[12], datetime(2026, 3, 3, 12, 0))
        self.assertEqual(c3[14:20], [None, "On track", 2, None, 0, None])
        self.assertEqual(c4[5], "")
        self.assertEqual(c4[12], None)
        self.assertEqual(c4[16:18], [None, None])
        # formats
        self.assertEqual(ws["B2"].number_format, "yyyy-mm-dd hh:mm")
        self.assertEqual(ws["Q2"].number_format, "0.0")
        self.assertEqual(ws["S2"].number_format, '"$"#,##0.00')

    def test_complaint_summary(self):
        ws = self.build("complaints")["Summary"]
        self.assertEqual(ws["A1"].value, "Complaints of Export Test Co")
        self.assertEqual(ws["A2"].value, "From 2026-03-01 to 2026-03-31")
        self.assertEqual(ws["A4"].value, "By Category")
        self.assertEqual(
            self.table(ws, 5, 9, 6),
            [
                ["Category", *SUMMARY_HEADER],
                ["Parcel lost", 2, 1, 100, 1.5, 4],
                ["Wrong invoice", 1, 0, 0, 56, 56],
                ["No category", 1, 1, None, None, None],
                ["Total", 4, 2, 50, 19.7, 30],
            ],
        )
        self.assertEqual(ws["A11"].value, "By Team")
        self.assertEqual(
            self.table(ws, 12, 15, 6),
            [
                ["Team", *SUMMARY_HEADER],
                ["After-sales", 2, 0, 50, 28.5, 30],
                ["Billing desk", 2, 2, None, 2, None],
                ["Total", 4, 2, 50, 19.7, 30],
            ],
        )
        self.assertIsNone(ws["A17"].value)
        self.assertEqual(ws["D6"].number_format, "0.0")

    def test_complaint_filters(self):
        def references(**values):
            return [row[0] for row in self.rows(self.build("complaints", **values)["Complaints"])]

        self.assertEqual(
            references(team_id=self.team_billing.id), [self.c3.reference, self.c4.reference]
        )
        self.assertEqual(
            references(date_from=date(2026, 3, 3)), [self.c3.reference, self.c4.reference]
        )
        self.assertEqual(
            references(date_from=date(2026, 1, 1), date_to=date(2026, 3, 2)),
            [self.c_january.reference, self.c2.reference, self.c1.reference],
        )
        self.assertEqual(
            references(category_id=self.cat_parcel.id), [self.c1.reference, self.c3.reference]
        )
        self.assertEqual(references(tier_id=self.vip.id), [self.c1.reference, self.c4.reference])
        # the summary follows the filters
        ws = self.build("complaints", team_id=self.team_after_sales.id)["Summary"]
        self.assertEqual(
            self.table(ws, 4, 13, 6),
            [
                ["By Category", None, None, None, None, None],
                ["Category", *SUMMARY_HEADER],
                ["Parcel lost", 1, 0, 100, 1, 4],
                ["Wrong invoice", 1, 0, 0, 56, 56],
                ["Total", 2, 0, 50, 28.5, 30],
                [None] * 6,
                ["By Team", None, None, None, None, None],
                ["Team", *SUMMARY_HEADER],
                ["After-sales", 2, 0, 50, 28.5, 30],
                ["Total", 2, 0, 50, 28.5, 30],
            ],
        )
        self.assertIsNone(ws["A14"].value)
        # nothing in the period: a header and an empty filter row
        ws = self.build("complaints", date_from=date(2025, 1, 1), date_to=date(2025, 1, 31))
        self.assertEqual(ws["Complaints"].max_row, 1)
        self.assertEqual(ws["Complaints"].auto_filter.ref, "A1:T2")

    def test_responses_sheet(self):
        book = self.build("responses")
        self.assertEqual(book.sheetnames, ["Responses", "Indicators"])
        ws = book["Responses"]
        self.assertEqual([cell.value for cell in ws[1]], RESPONSE_HEADER)
        self.assertEqual(ws.freeze_panes, "B2")
        self.assertEqual(ws.auto_filter.ref, "A1:L5")
        self.assertEqual(
            self.rows(ws),
            [
                [
                    datetime(2026, 3, 5),
                    "Alpha Ltd",
                    "VIP",
                    "Loyal",
                    "Agent Export",
                    "Spring NPS",
                    "",
                    5,
                    10,
                    "Promoter",
                    2,
                    "Great service",
                ],
                [
                    datetime(2026, 3, 6),
                    "Beta GmbH",
                    "",
                    "Repeat Purchase",
                    "Agent Export",
                    "Spring NPS",
                    "",
                    4,
                    9,
                    "Promoter",
                    None,
                    "",
                ],
                # a recommendation of 0 is an answer (a detractor)
                [
                    datetime(2026, 3, 10),
                    "Beta GmbH",
                    "",
                    "",
                    "Agent Export",
                    "",
                    "",
                    2,
                    0,
                    "Detractor",
                    None,
                    "Late again",
                ],
                [
                    datetime(2026, 3, 12),
                    "Alpha Ltd",
                    "VIP",
                    "",
                    "Agent Export",
                    "After complaint",
                    "",
                    None,
                    None,
                    "",
                    6,
                    "",
                ],
            ],
        )
        self.assertEqual(ws["A2"].number_format, "yyyy-mm-dd")

    def test_indicators_sheet(self):
        ws = self.build("responses")["Indicators"]
        self.assertEqual(ws["A1"].value, "Satisfaction indicators of Export Test Co")
        self.assertEqual(ws["A2"].value, "From 2026-03-01 to 2026-03-31")
        # NPS from 10, 9, 0: 2/3 promoters - 1/3 detractors; CSAT % from 5, 4, 2
        self.assertEqual(ws["A4"].value, "By Tier")
        self.assertEqual(
            self.table(ws, 5, 8, 8),
            [
                ["Tier", *INDICATOR_HEADER],
                ["VIP", 2, 1, 0, 0, 100, 1, 100],
                ["No tier", 2, 1, 0, 1, 0, 2, 50],
                ["All responses", 4, 2, 0, 1, 33.3, 3, 66.7],
            ],
        )
        self.assertEqual(ws["A10"].value, "By Campaign")
        self.assertEqual(
            self.table(ws, 11, 15, 8),
            [
                ["Campaign", *INDICATOR_HEADER],
                ["Spring NPS", 2, 2, 0, 0, 100, 2, 100],
                ["After complaint", 1, 0, 0, 0, None, 0, None],
                ["No campaign", 1, 0, 0, 1, -100, 1, 0],
                ["All responses", 4, 2, 0, 1, 33.3, 3, 66.7],
            ],
        )
        self.assertEqual(ws["F6"].number_format, "+0.0;-0.0;0.0")
        self.assertEqual(ws["H6"].number_format, "0.0")

    def test_response_filters(self):
        def customers_and_dates(**values):
            rows = self.rows(self.build("responses", **values)["Responses"], max_col=2)
            return [(row[0].date(), row[1]) for row in rows]

        self.assertEqual(
            customers_and_dates(campaign_id=self.spring.id),
            [(date(2026, 3, 5), "Alpha Ltd"), (date(2026, 3, 6), "Beta GmbH")],
        )
        self.assertEqual(
            customers_and_dates(tier_id=self.vip.id),
            [(date(2026, 3, 5), "Alpha Ltd"), (date(2026, 3, 12), "Alpha Ltd")],
        )
        self.assertEqual(
            customers_and_dates(date_from=date(2026, 2, 1), date_to=date(2026, 3, 5)),
            [(date(2026, 2, 1), "Beta GmbH"), (date(2026, 3, 5), "Alpha Ltd")],
        )
        ws = self.build("responses", campaign_id=self.spring.id)["Indicators"]
        self.assertEqual(
            self.table(ws, 6, 8, 8),
            [
                ["VIP", 1, 1, 0, 0, 100, 1, 100],
                ["No tier", 1, 1, 0, 0, 100, 1, 100],
                ["All responses", 2, 2, 0, 0, 100, 2, 100],
            ],
        )

    def test_export_action_as_manager(self):
        Wizard = self.env["crm.satisfaction.export.wizard"].with_user(self.manager)
        for kind, sheet, file_prefix in (
            ("complaints", "Complaints", "complaints-"),
            ("responses", "Responses", "satisfaction-responses-"),
        ):
            wizard = Wizard.create({"kind": kind, **MARCH})
            action = wizard.action_export()
            self.assertEqual(action["type"], "ir.actions.act_url")
            self.assertTrue(wizard.file_name.startswith(file_prefix))
            self.assertTrue(wizard.file_name.endswith(".xlsx"))
            self.assertIn(wizard.file_name, action["url"])
            book = load_workbook(io.BytesIO(base64.b64decode(wizard.file_data)))
            self.assertEqual(len(self.rows(book[sheet])), 4, kind)

    @mute_logger("odoo.sql_db")
    def test_period_must_be_ordered(self):
        with self.assertRaises(IntegrityError), self.cr.savepoint():
            self.env["crm.satisfaction.export.wizard"].create(
                {"date_from": date(2026, 3, 31), "date_to": date(2026, 3, 1)}
            ).flush_recordset()
