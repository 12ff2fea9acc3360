from datetime import UTC, datetime, time, timedelta

from odoo import fields, models
from odoo.fields import Domain

from odoo.addons.crm_lifecycle_tiering.report.crm_xlsx import (
    Workbook,
    download_action,
    write_records,
    write_table,
)

from ..models.complaint_data import SLA_BREACHED, SLA_MET
from ..models.satisfaction_data import NPS_DETRACTOR, NPS_PASSIVE, NPS_PROMOTER

EXPORT_COMPLAINTS = "complaints"
EXPORT_RESPONSES = "responses"
EXPORT_KINDS = [
    (EXPORT_COMPLAINTS, "Complaint Register"),
    (EXPORT_RESPONSES, "Survey Responses"),
]
DEFAULT_PERIOD_DAYS = 90


class CrmSatisfactionExportWizard(models.TransientModel):
    """Excel workbooks of the current company for a period: the complaint register with a
    summary by category and team, or the survey responses with their indicators (NPS, CSAT %)
    overall, by tier and by campaign."""

    _name = "crm.satisfaction.export.wizard"
    _description = "Customer Care Excel Export"
    _check_company_auto = True

    kind = fields.Selection(EXPORT_KINDS, string="Export", required=True, default=EXPORT_COMPLAINTS)
    company_id = fields.Many2one("res.company", default=lambda self: self.env.company)
    date_from = fields.Date(
        string="From",
        required=True,
        default=lambda self: fields.Date.context_today(self) - timedelta(days=DEFAULT_PERIOD_DAYS),
    )
    date_to = fields.Date(string="To", required=True, default=fields.Date.context_today)
    team_id = fields.Many2one("crm.complaint.team", check_company=True)
    category_id = fields.Many2one("crm.complaint.category", check_company=True)
    tier_id = fields.Many2one("crm.customer.tier")
    campaign_id = fields.Many2one("crm.satisfaction.campaign", check_company=True)
    file_data = fields.Binary(readonly=True, attachment=False)
    file_name = fields.Char(readonly=True)

    _date_range = models.Constraint(
        "CHECK(date_from <= date_to)", "The start of the period must precede its end."
    )

    # ------------------------------------------------------------------ domains
    def _get_period_bounds(self):
        """The period as naive UTC datetimes: from the start of date_from to the start of the
        day after date_to, in the user's time zone."""
        tz = self.env.tz
        start, end = (
            tz.localize(datetime.combine(day, time.min)).astimezone(UTC).replace(tzinfo=None)
            for day in (self.date_from, self.date_to + timedelta(days=1))
        )
        return start, end

    def _get_complaint_domain(self):
        start, end = self._get_period_bounds()
        company = self.company_id or self.env.company
        domain = Domain(
            [
                ("company_id", "=", company.id),
                ("reported_date", ">=", start),
                ("reported_date", "<", end),
            ]
        )
        if self.team_id:
            domain &= Domain("team_id", "=", self.team_id.id)
        if self.category_id:
            domain &= Domain("category_id", "=", self.category_id.id)
        if self.tier_id:
            domain &= Domain("tier_id", "=", self.tier_id.id)
        return domain

    def _get_response_domain(self):
        company = self.company_id or self.env.company
        domain = Domain(
            [
                ("company_id", "=", company.id),
                ("date", ">=", self.date_from),
                ("date", "<=", self.date_to),
            ]
        )
        if self.campaign_id:
            domain &= Domain("campaign_id", "=", self.campaign_id.id)
        if self.tier_id:
            domain &= Domain("tier_id", "=", self.tier_id.id)
        return domain

    # ------------------------------------------------------------------ columns
    def _complaint_columns(self):
        return [
            (self.env._("Reference"), "reference", "text", 16),
            (self.env._("Reported on"), "reported_date", "datetime", 17),
            (self.env._("Customer"), "partner_id", "m2o", 28),
            (self.env._("Tier"), "tier_id", "m2o", 12),
            (self.env._("Channel"), "channel", "selection", 14),
            (self.env._("Category"), "category_id", "m2o", 18),
            (self.env._("Priority"), "priority", "selection", 10),
            (self.env._("Team"), "team_id", "m2o", 18),
            (self.env._("Responsible"), "user_id", "m2o", 20),
            (self.env._("Stage"), "stage_id", "m2o", 16),
            (self.env._("SLA Policy"), "sla_id", "m2o", 16),
            (self.env._("Acknowledge by"), "ack_deadline", "datetime", 17),
            (self.env._("Acknowledged"), "acknowledged_date", "datetime", 17),
            (self.env._("Resolve by"), "resolve_deadline", "datetime", 17),
            (self.env._("Resolved"), "resolved_date", "datetime", 17),
            (self.env._("SLA Status"), "sla_status", "selection", 11),
            (self.env._("Hours to Acknowledge"), self._ack_hours, "number", 12),
            (self.env._("Hours to Resolve"), self._resolve_hours, "number", 12),
            (self.env._("Compensation"), "compensation_amount", "money", 14),
            (self.env._("Closed on"), "closed_date", "datetime", 17),
        ]

    def _response_columns(self):
        return [
            (self.env._("Date"), "date", "date", 12),
            (self.env._("Customer"), "partner_id", "m2o", 28),
            (self.env._("Tier"), "tier_id", "m2o", 12),
            (self.env._("Stage"), "lifecycle_stage", "selection", 16),
            (self.env._("Salesperson"), "user_id", "m2o", 20),
            (self.env._("Campaign"), "campaign_id", "m2o", 22),
            (self.env._("Survey"), "survey_id", "m2o", 22),
            (self.env._("CSAT"), self._answer("csat"), "int", 7),
            (self.env._("NPS (0-10)"), self._answer("nps"), "int", 8),
            (self.env._("NPS Category"), "nps_category", "selection", 12),
            (self.env._("CES"), self._answer("ces"), "int", 7),
            (self.env._("Comment"), "comment", "text", 60),
        ]

    def _ack_hours(self, complaint):
        """The hours to acknowledge, once acknowledged: 0 would read as "done at once"."""
        if complaint.acknowledged_date and complaint.sla_id:
            return complaint.ack_hours_taken
        return None

    def _resolve_hours(self, complaint):
        """The hours to resolve, once resolved: 0 would read as "done at once"."""
        if complaint.resolved_date and complaint.sla_id:
            return complaint.resolve_hours_taken
        return None

    def _answer(self, fname):
        """The value of the answer ``fname`` of a response, None when not answered: empty
        answers read back as 0; an NPS of 0 is a detractor's answer."""

        def answer(response):
            answered = response.nps_category if fname == "nps" else response[fname]
            return response[fname] if answered else None

        return answer

    def _indicator_columns(self):
        return [
            self.env._("Responses"),
            self.env._("Promoters"),
            self.env._("Passives"),
            self.env._("Detractors"),
            self.env._("NPS"),
            self.env._("CSAT Answers"),
            self.env._("CSAT %"),
        ]

    def _summary_columns(self):
        return [
            self.env._("Complaints"),
            self.env._("Open"),
            self.env._("SLA Compliance (%)"),
            self.env._("Mean Hours to Acknowledge"),
            self.env._("Mean Hours to Resolve"),
        ]

    # ------------------------------------------------------------------ workbook
    def _build_workbook(self):
        self.ensure_one()
        company = self.company_id or self.env.company
        company._crm_check_user_company()
        book = Workbook(company.currency_id, header={"valign": "top"})
        formats = book.cell_formats
        if self.kind == EXPORT_RESPONSES:
            responses = (
                self.env["crm.satisfaction.response"]
                .with_company(company)
                .search(self._get_response_domain(), order="date, id")
            )
            self._write_records(book, self.env._("Responses"), responses, formats)
            self._write_indicators(book, responses, company, formats)
        else:
            complaints = (
                self.env["crm.complaint"]
                .with_company(company)
                .search(self._get_complaint_domain(), order="reported_date, id")
            )
            self._write_records(book, self.env._("Complaints"), complaints, formats)
            self._write_complaint_summary(book, complaints, company, formats)
        return book.getvalue()

    def _write_records(self, book, title, records, formats):
        """One row a record, a column a field, under a frozen header with an autofilter."""
        columns = (
            self._response_columns()
            if records._name == "crm.satisfaction.response"
            else self._complaint_columns()
        )
        return write_records(book.add_worksheet(title), columns, records, formats)

    def _write_title(self, sheet, title, formats):
        sheet.write(0, 0, title, formats["bold"])
        sheet.write(
            1,
            0,
            self.env._(
                "From %(date_from)s to %(date_to)s",
                date_from=self.date_from.isoformat(),
                date_to=self.date_to.isoformat(),
            ),
        )

    @staticmethod
    def _mean(values):
        values = list(values)
        return round(sum(values) / len(values), 1) if values else None

    # ------------------------------------------------------------------ complaint summary
    def _complaint_figures(self, complaints, formats):
        resolved = complaints.filtered(
            lambda c: c.resolved_date and c.sla_id and c.sla_status in (SLA_MET, SLA_BREACHED)
        )
        acknowledged = complaints.filtered(lambda c: c.acknowledged_date and c.sla_id)
        # SLA compliance over the complaints whose outcome is known, as in the analysis view:
        # resolved ones, and open ones already breached
        decided = complaints.filtered(
            lambda c: c.sla_id and c.sla_status in (SLA_MET, SLA_BREACHED)
        )
        number = formats["number"]
        return [
            (len(complaints), None),
            (len(complaints.filtered(lambda c: not c.is_closed)), None),
            (self._mean(decided.mapped("sla_met_percent")), number),
            (self._mean(acknowledged.mapped("ack_hours_taken")), number),
            (self._mean(resolved.mapped("resolve_hours_taken")), number),
        ]

    def _write_complaint_summary(self, book, complaints, company, formats):
        sheet = book.add_worksheet(self.env._("Summary"))
        self._write_title(
            sheet, self.env._("Complaints of %(company)s", company=company.name), formats
        )
        columns = self._summary_columns()
        total = (self.env._("Total"), self._complaint_figures(complaints, formats))
        row = 3
        for title, first_header, fname, none_label in (
            (
                self.env._("By Category"),
                self.env._("Category"),
                "category_id",
                self.env._("No category"),
            ),
            (self.env._("By Team"), self.env._("Team"), "team_id", self.env._("No team")),
        ):
            groups = complaints.grouped(fname)
            keys = list(complaints[fname].sorted())
            if complaints.filtered(lambda c, fname=fname: not c[fname]):
                keys.append(complaints[fname].browse())
            lines = [
                (key.display_name or none_label, self._complaint_figures(groups[key], formats))
                for key in keys
            ]
            header = [first_header, *columns]
            row = write_table(sheet, row, title, header, lines, formats, total=total)
        sheet.set_column(0, 0, 28)
        sheet.set_column(1, len(columns), 14)

    # ------------------------------------------------------------------ indicators
    def _response_figures(self, responses, formats):
        """NPS: % promoters - % detractors, the mean of nps_value over the recommendation
        answers; CSAT %: share of 4-5, the mean of csat_satisfied over the CSAT answers."""
        with_nps = responses.filtered("nps_category")
        with_csat = responses.filtered("csat")
        categories = with_nps.mapped("nps_category")
        return [
            (len(responses), None),
            (categories.count(NPS_PROMOTER), None),
            (categories.count(NPS_PASSIVE), None),
            (categories.count(NPS_DETRACTOR), None),
            (self._mean(with_nps.mapped("nps_value")), formats["signed"]),
            (len(with_csat), None),
            (self._mean(with_csat.mapped("csat_satisfied")), formats["number"]),
        ]

    def _write_indicators(self, book, responses, company, formats):
        sheet = book.add_worksheet(self.env._("Indicators"))
        self._write_title(
            sheet,
            self.env._("Satisfaction indicators of %(company)s", company=company.name),
            formats,
        )
        columns = self._indicator_columns()
        total = (self.env._("All responses"), self._response_figures(responses, formats))
        row = 3
        for title, first_header, fname, none_label in (
            (self.env._("By Tier"), self.env._("Tier"), "tier_id", self.env._("No tier")),
            (
                self.env._("By Campaign"),
                self.env._("Campaign"),
                "campaign_id",
                self.env._("No campaign"),
            ),
        ):
            groups = responses.grouped(fname)
            keys = list(responses[fname].sorted())
            if responses.filtered(lambda r, fname=fname: not r[fname]):
                keys.append(responses[fname].browse())
            lines = [
                (key.display_name or none_label, self._response_figures(groups[key], formats))
                for key in keys
            ]
            header = [first_header, *columns]
            row = write_table(sheet, row, title, header, lines, formats, total=total)
        sheet.set_column(0, 0, 28)
        sheet.set_column(1, len(columns), 12)

    # ------------------------------------------------------------------ action
    def action_export(self):
        self.ensure_one()
        data = self._build_workbook()
        date = fields.Date.context_today(self).isoformat()
        name = (
            self.env._("satisfaction-responses-%(date)s.xlsx", date=date)
            if self.kind == EXPORT_RESPONSES
            else self.env._("complaints-%(date)s.xlsx", date=date)
        )
        return download_action(self, data, name)
