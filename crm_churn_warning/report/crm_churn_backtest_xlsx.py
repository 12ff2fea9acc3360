from odoo import api, models

from odoo.addons.crm_lifecycle_tiering.report.crm_xlsx import (
    Workbook,
    write_records,
    write_value,
)

from ..models.churn_data import LEVEL_HIGH, LEVEL_LOW, LEVEL_MEDIUM

SUMMARY_FIELDS = [
    ("as_of", "date"),
    ("horizon_days", "int"),
    ("horizon_end", "date"),
    ("min_level", "selection"),
    ("scored_count", "int"),
    ("excluded_count", "int"),
    ("customer_count", "int"),
    ("churned_count", "int"),
    ("flagged_count", "int"),
    ("true_positive", "int"),
    ("false_positive", "int"),
    ("false_negative", "int"),
    ("true_negative", "int"),
    ("precision", "percent"),
    ("recall", "percent"),
    ("f1_score", "ratio"),
    ("accuracy", "percent"),
    ("base_rate", "percent"),
    ("top_decile_count", "int"),
    ("top_decile_churned", "int"),
    ("top_decile_rate", "percent"),
    ("lift_top_decile", "ratio"),
    ("score_method", "selection"),
    ("auc", "ratio"),
    ("rule_auc", "ratio"),
    ("recency_auc", "ratio"),
    ("p_alive_auc", "ratio"),
    ("brier_score", "ratio"),
    ("run_date", "datetime"),
    ("user_id", "m2o"),
    ("duration", "ratio"),
]
LEVEL_COLUMNS = [
    ("flagged", "bool"),
    ("customer_count", "int"),
    ("churned_count", "int"),
    ("retained_count", "int"),
    ("churn_rate", "percent"),
    ("share", "percent"),
    ("average_score", "number"),
]

RANKING_COLUMNS = [
    ("ranking", "selection", 30),
    ("auc", "ratio", 12),
    ("flagged_count", "int", 10),
    ("true_positive", "int", 12),
    ("precision", "percent", 10),
    ("recall", "percent", 10),
    ("f1_score", "ratio", 10),
    ("top_decile_rate", "percent", 12),
    ("lift_top_decile", "ratio", 12),
]


class CrmChurnBacktestXlsx(models.AbstractModel):
    """The workbook of a churn backtest: a summary (metrics and the configuration replayed),
    the confusion matrix by risk level, the rankings compared on the same customers, the
    calibration of the learned churn probability, and every customer with the replayed score
    and what happened."""

    _name = "crm.churn.backtest.xlsx"
    _description = "Churn Backtest Workbook"

    @api.model
    def _build_workbook(self, backtest):
        backtest.ensure_one()
        book = Workbook()
        self._write_summary(book, backtest, book.cell_formats)
        self._write_levels(book, backtest, book.cell_formats)
        self._write_rankings(book, backtest, book.cell_formats)
        if backtest.calibration:
            self._write_calibration(book, backtest, book.cell_formats)
        self._write_customers(book, backtest, book.cell_formats)
        return book.getvalue()

    def _label(self, records, fname):
        return records._fields[fname]._description_string(self.env)

    def _yes_no(self, value):
        return self.env._("Yes") if value else self.env._("No")

    def _write_value(self, sheet, row, col, value, kind, formats, records=None, fname=None):
        """A value as its kind says; "selection" reads its labels from the field ``fname`` of
        ``records``, "bool" is written Yes or No."""
        if kind == "selection":
            labels = dict(records._fields[fname]._description_selection(self.env))
            value, kind = labels.get(value, value or ""), "text"
        elif kind == "m2o":
            value, kind = value.display_name or "", "text"
        elif kind == "bool":
            value, kind = self._yes_no(value), "text"
        write_value(sheet, row, col, value, kind, formats)

    def _write_summary(self, book, backtest, formats):
        sheet = book.add_worksheet(self.env._("Summary"))
        sheet.set_column(0, 0, 30)
        sheet.set_column(1, 7, 14)
        sheet.write(
            0,
            0,
            self.env._("Churn backtest of %(company)s", company=backtest.company_id.name),
            formats["title"],
        )
        row = 2
        for fname, kind in SUMMARY_FIELDS:
            sheet.write_string(row, 0, self._label(backtest, fname))
            self._write_value(
                sheet, row, 1, backtest[fname], kind, formats, records=backtest, fname=fname
            )
            row += 1
        configuration = backtest.configuration or {}
        row += 1
        sheet.write(row, 0, self.env._("Configuration"), formats["bold"])
        row += 1
        levels = configuration.get("levels", {})
        Company = self.env["res.company"]
        for key, fname in (
            (LEVEL_LOW, "crm_churn_level_low"),
            (LEVEL_MEDIUM, "crm_churn_level_medium"),
            (LEVEL_HIGH, "crm_churn_level_high"),
        ):
            sheet.write_string(row, 0, self._label(Company, fname))
            sheet.write_number(row, 1, levels.get(key, 0.0))
            row += 1
        sheet.write_string(row, 0, self._label(Company, "crm_value_source"))
        sources = dict(Company._fields["crm_value_source"]._description_selection(self.env))
        source = configuration.get("value_source", "")
        sheet.write_string(row, 1, sources.get(source, source))
        row += 1
        sheet.write_string(row, 0, self._label(Company, "crm_churn_days"))
        sheet.write_number(row, 1, configuration.get("churn_days", 0))
        row += 2
        Signal = self.env["crm.churn.signal"]
        columns = ["name", "code", "weight", "factor", "period_days", "threshold", "min_count"]
        codes = dict(Signal._fields["code"]._description_selection(self.env))
        for col, fname in enumerate(columns):
            sheet.write(row, col, self._label(Signal, fname), formats["header"])
        for signal in configuration.get("signals", []):
            row += 1
            sheet.write_string(row, 0, signal.get("name", ""))
            sheet.write_string(row, 1, codes.get(signal.get("code"), signal.get("code", "")))
            for col, fname in enumerate(columns[2:], start=2):
                if fname in signal:
                    sheet.write_number(row, col, signal[fname])

    def _write_levels(self, book, backtest, formats):
        sheet = book.add_worksheet(self.env._("Confusion Matrix"))
        Line = self.env["crm.churn.backtest.line"]
        levels = dict(Line._fields["level"]._description_selection(self.env))
        sheet.write(
            0,
            0,
            self.env._("Customers by replayed risk level and outcome"),
            formats["title"],
        )
        sheet.write(2, 0, self._label(Line, "level"), formats["header"])
        for col, (fname, _kind) in enumerate(LEVEL_COLUMNS, start=1):
            sheet.write(2, col, self._label(Line, fname), formats["header"])
        row = 2
        lines = backtest.line_ids.sorted(lambda line: -line.sequence)
        for line in lines:
            row += 1
            sheet.write_string(row, 0, levels.get(line.level, line.level))
            for col, (fname, kind) in enumerate(LEVEL_COLUMNS, start=1):
                self._write_value(sheet, row, col, line[fname], kind, formats)
        row += 1
        sheet.write_string(row, 0, self.env._("Total"), formats["total"])
        for col, fname in ((2, "customer_count"), (3, "churned_count"), (4, "retained_count")):
            sheet.write_number(row, col, sum(lines.mapped(fname)), formats["total"])
        sheet.write_number(row, 5, backtest.base_rate, formats["percent"])
        # the two-by-two matrix of the warning level
        row += 2
        sheet.write(row, 0, self.env._("Predicted / Actual"), formats["header"])
        sheet.write(row, 1, self.env._("Churned"), formats["header"])
        sheet.write(row, 2, self.env._("Not Churned"), formats["header"])
        sheet.write(row + 1, 0, self.env._("Flagged"), formats["bold"])
        sheet.write_number(row + 1, 1, backtest.true_positive)
        sheet.write_number(row + 1, 2, backtest.false_positive)
        sheet.write(row + 2, 0, self.env._("Not Flagged"), formats["bold"])
        sheet.write_number(row + 2, 1, backtest.false_negative)
        sheet.write_number(row + 2, 2, backtest.true_negative)
        sheet.set_column(0, 0, 22)
        sheet.set_column(1, len(LEVEL_COLUMNS), 14)

    def _write_rankings(self, book, backtest, formats):
        sheet = book.add_worksheet(self.env._("Rankings"))
        Ranking = self.env["crm.churn.backtest.ranking"]
        columns = [
            (self._label(Ranking, fname), fname, kind, width)
            for fname, kind, width in RANKING_COLUMNS
        ]
        columns[1:1] = [
            (
                self._label(Ranking, "replayed"),
                lambda ranking: self._yes_no(ranking.replayed),
                "text",
                12,
            )
        ]
        columns.append(
            (
                self._label(Ranking, "brier_score"),
                lambda ranking: ranking.brier_score if ranking.has_brier else None,
                "ratio",
                12,
            )
        )
        write_records(sheet, columns, backtest.ranking_ids, formats)

    def _write_calibration(self, book, backtest, formats):
        sheet = book.add_worksheet(self.env._("Calibration"))
        columns = [
            (self.env._("Decile (lowest risk first)"), "decile", "int", 16),
            (self.env._("Customers"), "count", "int", 12),
            (self.env._("Predicted"), "predicted", "percent", 12),
            (self.env._("Churned"), "actual", "percent", 12),
        ]
        rows = [dict(row, decile=index) for index, row in enumerate(backtest.calibration, start=1)]
        write_records(sheet, columns, rows, formats)

    def _write_customers(self, book, backtest, formats):
        sheet = book.add_worksheet(self.env._("Customers"))
        Line = self.env["crm.churn.backtest.line"]
        levels = dict(Line._fields["level"]._description_selection(self.env))
        columns = [
            (self.env._("Customer"), "name", "text", 32),
            (self.env._("Churn Score"), "score", "number", 10),
            (self.env._("Churn Risk"), "level", "text", 10),
            (self.env._("Flagged"), "flagged", "text", 9),
            (self.env._("Churned"), "churned", "text", 9),
            (self.env._("Last Order"), "last_order_date", "date", 12),
            (self.env._("Reasons"), "reasons", "text", 70),
        ]
        # the reasons are reason codes (results of backtests run before them: their text)
        render = self.env["crm.churn.reason"]._get_renderer()
        rows = []
        for customer in backtest._get_customer_results():
            reasons = customer["reasons"]
            rows.append(
                {
                    "name": customer["name"] or str(customer["partner_id"]),
                    "score": customer["score"],
                    "level": levels.get(customer["level"], customer["level"]),
                    "flagged": self._yes_no(customer["flagged"]),
                    "churned": self._yes_no(customer["churned"]),
                    "last_order_date": (customer.get("last_order_date") or "")[:10],
                    "reasons": reasons if isinstance(reasons, str) else render(reasons),
                }
            )
        write_records(sheet, columns, rows, formats)
