from odoo import fields, models
from odoo.exceptions import UserError
from odoo.fields import Domain

from odoo.addons.crm_lifecycle_tiering.report.crm_xlsx import (
    Workbook,
    download_action,
    write_records,
    write_table,
)

from ..models.churn_data import CHURN_LEVELS, LEVEL_RANK, OPEN_STATES, WARNING_LEVELS


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
        WARNING_LEVELS,
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

    def _columns(self, open_warning):
        """The columns of the customers' sheet; ``open_warning``: the state of each customer's
        open warning, by partner id."""
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
            (
                self.env._("Open Warning"),
                lambda partner: open_warning.get(partner.id, ""),
                "text",
                16,
            ),
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
        book = Workbook(company.currency_id)
        self._write_customers(book, partners, open_warning, book.cell_formats)
        self._write_summary(book, partners, company, book.cell_formats)
        return book.getvalue()

    def _write_customers(self, book, partners, open_warning, formats):
        sheet = book.add_worksheet(self.env._("At-risk Customers"))
        write_records(sheet, self._columns(open_warning), partners, formats)

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
        header = [
            self.env._("Churn Risk"),
            *(tier.name or self.env._("No tier") for tier in keys),
            self.env._("Total"),
        ]

        def figures(group, measure, fmt):
            """The figure of each tier of ``group`` and of all of them."""
            values = []
            for tier in [*keys, None]:
                of_tier = (
                    group
                    if tier is None
                    else group.filtered(lambda p, tier=tier: p.crm_tier_id == tier)
                )
                value = len(of_tier) if measure is None else sum(of_tier.mapped(measure))
                values.append((value, fmt))
            return values

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
            lines = [
                (
                    levels[level],
                    figures(
                        partners.filtered(lambda p, level=level: p.crm_churn_level == level),
                        measure,
                        fmt,
                    ),
                )
                for level in reversed(self._get_levels())
            ]
            total = (self.env._("Total"), figures(partners, measure, total_fmt))
            row = write_table(sheet, row, title, header, lines, formats, total=total)
        sheet.set_column(0, 0, 24)
        sheet.set_column(1, len(keys) + 1, 16)

    def action_export(self):
        self.ensure_one()
        data = self._build_workbook()
        date = fields.Date.context_today(self).isoformat()
        name = self.env._("customers-at-risk-%(date)s.xlsx", date=date)
        return download_action(self, data, name)
