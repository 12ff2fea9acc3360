import base64
import io
from datetime import UTC, datetime, time, timedelta

import xlsxwriter

from odoo import fields, models
from odoo.fields import Domain

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
            (self.env._("Hours to Acknowledge"), "ack_hours_taken", "hours", 12),
            (self.env._("Hours to Resolve"), "resolve_hours_taken", "hours", 12),
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
            (self.env._("CSAT"), "csat", "score", 7),
            (self.env._("NPS (0-10)"), "nps", "score", 8),
            (self.env._("NPS Category"), "nps_category", "selection", 12),
            (self.env._("CES"), "ces", "score", 7),
            (self.env._("Comment"), "comment", "text", 60),
        ]

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
    def _get_money_format(self, currency):
        if not currency.symbol:
            return "#,##0.00"
        symbol = currency.symbol.replace('"', "")
        if currency.position == "before":
            return f'"{symbol}"#,##0.00'
        return f'#,##0.00" {symbol}"'

    def _add_formats(self, book, company):
        return {
            "bold": book.add_format({"bold": True}),
            "header": book.add_format(
                {
                    "bold": True,
                    "bg_color": "#D9E1F2",
                    "border": 1,
                    "text_wrap": True,
                    "valign": "top",
                }
            ),
            "total": book.add_format({"bold": True, "top": 1}),
            "money": book.add_format({"num_format": self._get_money_format(company.currency_id)}),
            "date": book.add_format({"num_format": "yyyy-mm-dd"}),
            "datetime": book.add_format({"num_format": "yyyy-mm-dd hh:mm"}),
            "number": book.add_format({"num_format": "0.0"}),
            "signed": book.add_format({"num_format": "+0.0;-0.0;0.0"}),
            "wrap": book.add_format({"text_wrap": True, "valign": "top"}),
        }

    def _build_workbook(self):
        self.ensure_one()
        company = self.company_id or self.env.company
        company._crm_check_user_company()
        output = io.BytesIO()
        book = xlsxwriter.Workbook(output, {"in_memory": True})
        formats = self._add_formats(book, company)
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
        book.close()
        return output.getvalue()

    def _write_records(self, book, title, records, formats):
        """One row a record, a column a field, under a frozen header with an autofilter."""
        columns = (
            self._response_columns()
            if records._name == "crm.satisfaction.response"
            else self._complaint_columns()
        )
        selections = {
            fname: dict(records._fields[fname]._description_selection(self.env))
            for _title, fname, kind, _width in columns
            if kind == "selection"
        }
        sheet = book.add_worksheet(title)
        for col, (label, _fname, _kind, width) in enumerate(columns):
            sheet.write(0, col, label, formats["header"])
            sheet.set_column(col, col, width, formats["wrap"] if width > 40 else None)
        for row, record in enumerate(records, start=1):
            for col, (_label, fname, kind, _width) in enumerate(columns):
                self._write_cell(sheet, row, col, record, fname, kind, selections, formats)
        sheet.freeze_panes(1, 1)
        sheet.autofilter(0, 0, max(len(records), 1), len(columns) - 1)
        return sheet

    def _write_cell(self, sheet, row, col, record, fname, kind, selections, formats):
        value = record[fname]
        if kind == "m2o":
            sheet.write_string(row, col, value.display_name or "")
        elif kind == "selection":
            sheet.write_string(row, col, selections[fname].get(value, "") if value else "")
        elif kind == "datetime":
            if value:
                local = fields.Datetime.context_timestamp(record, value).replace(tzinfo=None)
                sheet.write_datetime(row, col, local, formats["datetime"])
        elif kind == "date":
            if value:
                sheet.write_datetime(row, col, fields.Datetime.to_datetime(value), formats["date"])
        elif kind == "hours":
            # only once the step is reached: 0 would read as "done at once"
            reached = (
                record.acknowledged_date if fname == "ack_hours_taken" else record.resolved_date
            )
            if reached and record.sla_id:
                sheet.write_number(row, col, value, formats["number"])
        elif kind == "score":
            # empty answers read back as 0; an NPS of 0 is a detractor's answer
            answered = record.nps_category if fname == "nps" else value
            if answered:
                sheet.write_number(row, col, value)
        elif kind == "money":
            sheet.write_number(row, col, value or 0, formats["money"])
        else:
            sheet.write_string(row, col, value or "")

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

    def _write_table(self, sheet, row, title, first_header, columns, lines, total, formats):
        """A titled table: header, one line per group, a total line; returns the next free row.
        `lines` and `total` are (label, [(value, format), ...])."""
        sheet.write(row, 0, title, formats["bold"])
        row += 1
        sheet.write(row, 0, first_header, formats["header"])
        for col, label in enumerate(columns, start=1):
            sheet.write(row, col, label, formats["header"])
        for label, values in lines:
            row += 1
            sheet.write_string(row, 0, label)
            for col, (value, fmt) in enumerate(values, start=1):
                if value is not None:
                    sheet.write_number(row, col, value, fmt)
        row += 1
        sheet.write_string(row, 0, total[0], formats["total"])
        for col, (value, fmt) in enumerate(total[1], start=1):
            if value is None:
                sheet.write_blank(row, col, None, formats["total"])
            else:
                sheet.write_number(row, col, value, fmt or formats["total"])
        return row + 2

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
            row = self._write_table(sheet, row, title, first_header, columns, lines, total, formats)
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
            row = self._write_table(sheet, row, title, first_header, columns, lines, total, formats)
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
        self.write({"file_data": base64.b64encode(data), "file_name": name})
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{self._name}/{self.id}/file_data/{self.file_name}?download=true",
            "target": "self",
        }
