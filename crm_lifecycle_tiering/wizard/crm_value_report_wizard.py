from collections import defaultdict

from odoo import fields, models
from odoo.fields import Domain

from ..models.lifecycle_data import LIFECYCLE_STAGES
from ..report.crm_xlsx import Workbook, download_action, write_records, write_table


class CrmValueReportWizard(models.TransientModel):
    """The customer-value workbook: a summary (tier x stage counts and revenue, with a chart)
    and a detail sheet with every metric and the tier reason, for the current company."""

    _name = "crm.value.report.wizard"
    _description = "Customer Value Report"

    company_id = fields.Many2one("res.company", default=lambda self: self.env.company)
    tier_ids = fields.Many2many("crm.customer.tier", string="Tiers")
    stage = fields.Selection(LIFECYCLE_STAGES, string="Lifecycle Stage")
    user_ids = fields.Many2many("res.users", string="Salespeople")
    file_data = fields.Binary(readonly=True, attachment=False)
    file_name = fields.Char(readonly=True)

    def _get_partner_domain(self):
        domain = Domain("crm_lifecycle_stage", "!=", False)
        if self.tier_ids:
            domain &= Domain("crm_tier_id", "in", self.tier_ids.ids)
        if self.stage:
            domain &= Domain("crm_lifecycle_stage", "=", self.stage)
        if self.user_ids:
            domain &= Domain("user_id", "in", self.user_ids.ids)
        return domain

    def _detail_columns(self):
        return [
            (self.env._("Customer"), "display_name", "text", 32),
            (self.env._("Salesperson"), "user_id", "m2o", 20),
            (self.env._("Tier"), "crm_tier_id", "m2o", 12),
            (self.env._("Lifecycle Stage"), "crm_lifecycle_stage", "selection", 16),
            (self.env._("RFM Segment"), "crm_rfm_segment_id", "m2o", 18),
            (self.env._("First Purchase"), "crm_first_order_date", "date", 13),
            (self.env._("Last Purchase"), "crm_last_order_date", "date", 13),
            (self.env._("Days Since Last Purchase"), "crm_recency_days", "int", 10),
            (self.env._("Orders"), "crm_order_count", "int", 9),
            (self.env._("Revenue (all time)"), "crm_revenue_total", "money", 16),
            (self.env._("Orders in Window"), "crm_order_count_period", "int", 10),
            (self.env._("Revenue in Window"), "crm_revenue_period", "money", 16),
            (self.env._("Average Order Value"), "crm_avg_order_value", "money", 14),
            (self.env._("Mean Days Between Purchases"), "crm_purchase_interval", "number", 12),
            (self.env._("R"), "crm_rfm_r", "int", 5),
            (self.env._("F"), "crm_rfm_f", "int", 5),
            (self.env._("M"), "crm_rfm_m", "int", 5),
            (self.env._("Value Score"), "crm_value_score", "number", 10),
            (self.env._("Referrals"), "crm_referral_count", "int", 9),
            (self.env._("Tier Reason"), "crm_tier_reason_text", "text", 70),
        ]

    def _build_workbook(self):
        self.ensure_one()
        company = self.company_id or self.env.company
        company._crm_check_user_company()
        Partner = self.env["res.partner"].with_company(company)
        partners = Partner.search(self._get_partner_domain(), order="complete_name, id")
        stage_labels = dict(Partner._fields["crm_lifecycle_stage"]._description_selection(self.env))
        tiers = self.env["crm.customer.tier"].search([("company_id", "in", [company.id, False])])
        book = Workbook(company.currency_id, header={"valign": "top"})
        self._write_summary(book, partners, company, tiers, stage_labels, book.cell_formats)
        self._write_detail(book, partners, book.cell_formats)
        return book.getvalue()

    def _write_summary(self, book, partners, company, tiers, stage_labels, formats):
        stages = dict(LIFECYCLE_STAGES)
        counts, revenue = defaultdict(int), defaultdict(float)
        for partner in partners:
            key = (partner.crm_tier_id.id, partner.crm_lifecycle_stage)
            counts[key] += 1
            revenue[key] += partner.crm_revenue_period
        summary = book.add_worksheet(self.env._("Summary"))
        summary.write(
            0, 0, self.env._("Customer value of %(company)s", company=company.name), formats["bold"]
        )
        as_of = (company.crm_rfm_breakpoints or {}).get("as_of") or fields.Date.context_today(self)
        summary.write(1, 0, self.env._("Values as of %(date)s", date=as_of))
        stage_keys = [key for key in stages if any(k[1] == key for k in counts)]
        tier_rows = [(t.id, t.name) for t in tiers if any(k[0] == t.id for k in counts)]
        if any(k[0] is False for k in counts):
            tier_rows.append((False, self.env._("No tier")))
        header = [
            self.env._("Tier"),
            *(stage_labels[key] for key in stage_keys),
            self.env._("Total"),
        ]
        row = 3
        # the customers by tier: below the title and the header of the first table
        count_rows = (row + 2, row + 1 + len(tier_rows))
        for title, table, fmt in (
            (self.env._("Customers"), counts, None),
            (self.env._("Revenue in Window"), revenue, formats["money"]),
        ):
            lines = []
            for tier_id, tier_name in tier_rows:
                values = [table[tier_id, key] for key in stage_keys]
                lines.append((tier_name, [(value, fmt) for value in [*values, sum(values)]]))
            row = write_table(summary, row, title, header, lines, formats)
        summary.set_column(0, 0, 22)
        summary.set_column(1, len(stage_keys) + 1, 16)
        if stage_keys and tier_rows:
            chart = book.add_chart({"type": "column", "subtype": "stacked"})
            sheet_name = summary.get_name()
            for col in range(1, len(stage_keys) + 1):
                chart.add_series(
                    {
                        "name": [sheet_name, count_rows[0] - 1, col],
                        "categories": [sheet_name, count_rows[0], 0, count_rows[1], 0],
                        "values": [sheet_name, count_rows[0], col, count_rows[1], col],
                    }
                )
            chart.set_title({"name": self.env._("Customers by tier and stage")})
            chart.set_y_axis({"name": self.env._("Customers")})
            summary.insert_chart(row + 1, 0, chart, {"x_scale": 1.4, "y_scale": 1.3})

    def _write_detail(self, book, partners, formats):
        detail = book.add_worksheet(self.env._("Customers"))
        write_records(detail, self._detail_columns(), partners, formats)

    def action_export(self):
        self.ensure_one()
        data = self._build_workbook()
        date = fields.Date.context_today(self).isoformat()
        return download_action(self, data, self.env._("customer-value-%(date)s.xlsx", date=date))
