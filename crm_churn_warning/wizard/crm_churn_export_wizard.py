import base64
import io

import xlsxwriter

from odoo import fields, models
from odoo.exceptions import UserError
from odoo.fields import Domain

from ..models.churn_data import CHURN_LEVELS, LEVEL_NONE, LEVEL_RANK, OPEN_STATES


class CrmChurnExportWizard(models.TransientModel):
    """An Excel workbook of the customers at risk in the current company: one row a customer
    with the churn score, the reasons and the predicted values, and a summary by level and
    tier. A churn-warning user exports the customers they are the salesperson of; a manager
    exports everyone's."""

    _name = "crm.churn.export.wizard"
    _description = "Export the At-risk Customers"

    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    min_level = fields.Selection(
        [(key, label) for key, label in CHURN_LEVELS if key != LEVEL_NONE],
        string="From Risk Level",
        required=True,
        default=lambda self: self.env.company.crm_churn_warning_level,
    )
    tier_ids = fields.Many2many("crm.customer.tier", string="Tiers")
    user_id = fields.Many2one(
        "res.users",
        string="Salesperson",
        default=lambda self: (
            self.env["res.users"]
            if self.env.user.has_group("crm_churn_warning.crm_churn_warning_group_manager")
            else self.env.user
        ),
    )
    is_manager = fields.Boolean(compute="_compute_is_manager")
    file_data = fields.Binary(readonly=True, attachment=False)
    file_name = fields.Char(readonly=True)

    def _compute_is_manager(self):
        self.is_manager = self.env.user.has_group(
            "crm_churn_warning.crm_churn_warning_group_manager"
        )

    def _get_levels(self):
        rank = LEVEL_RANK[self.min_level]
        return [key for key, _label in CHURN_LEVELS if LEVEL_RANK[key] >= rank]

    def _get_partner_domain(self):
        domain = Domain(
            [
                ("crm_churn_level", "in", self._get_levels()),
            ]
        )
        if self.tier_ids:
            domain &= Domain("crm_tier_id", "in", self.tier_ids.ids)
        user = self.user_id
        if not self.env.user.has_group("crm_churn_warning.crm_churn_warning_group_manager"):
            user = self.env.user
        if user:
            domain &= Domain("user_id", "=", user.id)
        return domain

    def _columns(self):
        return [
            (self.env._("Customer"), "name", "text", 30),
            (self.env._("Tier"), "crm_tier_id", "m2o", 12),
            (self.env._("Lifecycle Stage"), "crm_lifecycle_stage", "selection", 16),
            (self.env._("Salesperson"), "user_id", "m2o", 20),
            (self.env._("Churn Score"), "crm_churn_score", "number", 10),
            (self.env._("Churn Risk"), "crm_churn_level", "selection", 10),
            (self.env._("Reasons"), "crm_churn_reasons", "text", 60),
            (self.env._("Probability Alive"), "crm_p_alive", "percent", 11),
            (self.env._("Expected Purchases (90 days)"), "crm_expected_purchases", "number", 12),
            (self.env._("Predicted Value (12 months)"), "crm_predicted_clv", "money", 15),
            (self.env._("Last Order"), "crm_last_order_date", "date", 12),
            (self.env._("Orders"), "crm_order_count", "int", 8),
            (self.env._("Revenue"), "crm_revenue_total", "money", 15),
            (self.env._("Open Warning"), "warning", "text", 16),
        ]

    def _build_workbook(self):
        self.ensure_one()
        company = self.company_id
        company._crm_check_user_company()
        Partner = self.env["res.partner"].with_company(company)
        partners = Partner.search(self._get_partner_domain(), order="crm_churn_score desc, id")
        if not partners:
            raise UserError(
                self.env._(
                    "No customer of %(company)s is at this risk level or above.",
                    company=company.name,
                )
            )
        warnings = (
            self.env["crm.churn.warning"]
            .with_company(company)
            .search(
                [
                    ("company_id", "=", company.id),
                    ("partner_id", "in", partners.ids),
                    ("state", "in", list(OPEN_STATES)),
                ]
            )
        )
        states = dict(warnings._fields["state"]._description_selection(self.env))
        open_warning = {w.partner_id.id: states.get(w.state, "") for w in warnings}
        output = io.BytesIO()
        book = xlsxwriter.Workbook(output, {"in_memory": True})
        formats = self._add_formats(book, company)
        self._write_customers(book, partners, open_warning, formats)
        self._write_summary(book, partners, company, formats)
        book.close()
        return output.getvalue()

    def _add_formats(self, book, company):
        currency = company.currency_id
        symbol = (currency.symbol or "").replace('"', "")
        money = f'"{symbol}"#,##0.00' if currency.position == "before" else f'#,##0.00" {symbol}"'
        return {
            "bold": book.add_format({"bold": True}),
            "header": book.add_format(
                {"bold": True, "bg_color": "#D9E1F2", "border": 1, "text_wrap": True}
            ),
            "total": book.add_format({"bold": True, "top": 1}),
            "money": book.add_format({"num_format": money}),
            "total_money": book.add_format({"bold": True, "top": 1, "num_format": money}),
            "date": book.add_format({"num_format": "yyyy-mm-dd"}),
            "number": book.add_format({"num_format": "0.0"}),
            "percent": book.add_format({"num_format": "0.0%"}),
            "wrap": book.add_format({"text_wrap": True, "valign": "top"}),
        }

    def _write_customers(self, book, partners, open_warning, formats):
        columns = self._columns()
        selections = {
            fname: dict(partners._fields[fname]._description_selection(self.env))
            for _label, fname, kind, _width in columns
            if kind == "selection"
        }
        sheet = book.add_worksheet(self.env._("At-risk Customers"))
        for col, (label, _fname, _kind, width) in enumerate(columns):
            sheet.write(0, col, label, formats["header"])
            sheet.set_column(col, col, width, formats["wrap"] if width > 40 else None)
        for row, partner in enumerate(partners, start=1):
            for col, (_label, fname, kind, _width) in enumerate(columns):
                if fname == "warning":
                    sheet.write_string(row, col, open_warning.get(partner.id, ""))
                    continue
                value = partner[fname]
                if kind == "m2o":
                    sheet.write_string(row, col, value.display_name or "")
                elif kind == "selection":
                    sheet.write_string(row, col, selections[fname].get(value, "") if value else "")
                elif kind == "date":
                    if value:
                        sheet.write_datetime(
                            row, col, fields.Datetime.to_datetime(value), formats["date"]
                        )
                elif kind in ("number", "money", "percent"):
                    sheet.write_number(row, col, value or 0.0, formats[kind])
                elif kind == "int":
                    sheet.write_number(row, col, value or 0)
                else:
                    sheet.write_string(row, col, value or "")
        sheet.freeze_panes(1, 1)
        sheet.autofilter(0, 0, len(partners), len(columns) - 1)

    def _write_summary(self, book, partners, company, formats):
        """Customers and predicted value at risk by level (rows) and tier (columns)."""
        sheet = book.add_worksheet(self.env._("Summary"))
        sheet.write(
            0,
            0,
            self.env._("Customers at risk of %(company)s", company=company.name),
            formats["bold"],
        )
        levels = dict(partners._fields["crm_churn_level"]._description_selection(self.env))
        tiers = partners.crm_tier_id.sorted()
        keys = list(tiers) + (
            [tiers.browse()] if partners.filtered(lambda p: not p.crm_tier_id) else []
        )
        row = 2
        for title, measure, fmt, total_fmt in (
            (self.env._("Customers"), None, None, formats["total"]),
            (
                self.env._("Predicted Value (12 months)"),
                "crm_predicted_clv",
                formats["money"],
                formats["total_money"],
            ),
        ):
            sheet.write(row, 0, title, formats["bold"])
            row += 1
            sheet.write(row, 0, self.env._("Churn Risk"), formats["header"])
            for col, tier in enumerate(keys, start=1):
                sheet.write(row, col, tier.name or self.env._("No tier"), formats["header"])
            sheet.write(row, len(keys) + 1, self.env._("Total"), formats["header"])
            for level in reversed(self._get_levels()):
                row += 1
                sheet.write_string(row, 0, levels[level])
                of_level = partners.filtered(lambda p, level=level: p.crm_churn_level == level)
                for col, tier in enumerate([*keys, None], start=1):
                    group = (
                        of_level
                        if tier is None
                        else of_level.filtered(lambda p, tier=tier: p.crm_tier_id == tier)
                    )
                    value = len(group) if measure is None else sum(group.mapped(measure))
                    sheet.write_number(row, col, value, fmt)
            row += 1
            sheet.write_string(row, 0, self.env._("Total"), formats["total"])
            for col, tier in enumerate([*keys, None], start=1):
                group = (
                    partners
                    if tier is None
                    else partners.filtered(lambda p, tier=tier: p.crm_tier_id == tier)
                )
                value = len(group) if measure is None else sum(group.mapped(measure))
                sheet.write_number(row, col, value, total_fmt)
            row += 2
        sheet.set_column(0, 0, 24)
        sheet.set_column(1, len(keys) + 1, 16)

    def action_export(self):
        self.ensure_one()
        data = self._build_workbook()
        date = fields.Date.context_today(self).isoformat()
        name = self.env._("customers-at-risk-%(date)s.xlsx", date=date)
        self.write({"file_data": base64.b64encode(data), "file_name": name})
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{self._name}/{self.id}/file_data/{self.file_name}?download=true",
            "target": "self",
        }
