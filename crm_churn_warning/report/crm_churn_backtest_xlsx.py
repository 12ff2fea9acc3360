import io

import xlsxwriter

from odoo import api, fields, models

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


class CrmChurnBacktestXlsx(models.AbstractModel):
    """The workbook of a churn backtest: a summary (metrics and the configuration replayed),
    the confusion matrix by risk level, and every customer with the replayed score and what
    happened."""

    _name = "crm.churn.backtest.xlsx"
    _description = "Churn Backtest Workbook"

    @api.model
    def _build_workbook(self, backtest):
        backtest.ensure_one()
        output = io.BytesIO()
        book = xlsxwriter.Workbook(output, {"in_memory": True})
        formats = {
            "title": book.add_format({"bold": True, "font_size": 13}),
            "bold": book.add_format({"bold": True}),
            "header": book.add_format(
                {"bold": True, "bg_color": "#D9E1F2", "border": 1, "text_wrap": True}
            ),
            "total": book.add_format({"bold": True, "top": 1}),
            "date": book.add_format({"num_format": "yyyy-mm-dd"}),
            "datetime": book.add_format({"num_format": "yyyy-mm-dd hh:mm"}),
            "number": book.add_format({"num_format": "0.0"}),
            "ratio": book.add_format({"num_format": "0.00"}),
            "percent": book.add_format({"num_format": "0.0%"}),
            "wrap": book.add_format({"text_wrap": True, "valign": "top"}),
        }
        self._write_summary(book, backtest, formats)
        self._write_levels(book, backtest, formats)
        self._write_customers(book, backtest, formats)
        book.close()
        return output.getvalue()

    def _label(self, records, fname):
        return records._fields[fname]._description_string(self.env)

    def _yes_no(self, value):
        return self.env._("Yes") if value else self.env._("No")

    def _write_value(self, sheet, row, col, value, kind, formats, records=None, fname=None):
        if kind in ("date", "datetime"):
            if value:
                sheet.write_datetime(row, col, fields.Datetime.to_datetime(value), formats[kind])
        elif kind == "selection":
            labels = dict(records._fields[fname]._description_selection(self.env))
            sheet.write_string(row, col, labels.get(value, value or ""))
        elif kind == "m2o":
            sheet.write_string(row, col, value.display_name or "")
        elif kind == "bool":
            sheet.write_string(row, col, self._yes_no(value))
        elif kind == "int":
            sheet.write_number(row, col, value or 0)
        else:
            sheet.write_number(row, col, value or 0.0, formats[kind])

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
            ("low", "crm_churn_level_low"),
            ("medium", "crm_churn_level_medium"),
            ("high", "crm_churn_level_high"),
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

    def _write_customers(self, book, backtest, formats):
        sheet = book.add_worksheet(self.env._("Customers"))
        Line = self.env["crm.churn.backtest.line"]
        levels = dict(Line._fields["level"]._description_selection(self.env))
        headers = [
            (self.env._("Customer"), 32),
            (self.env._("Churn Score"), 10),
            (self.env._("Churn Risk"), 10),
            (self.env._("Flagged"), 9),
            (self.env._("Churned"), 9),
            (self.env._("Last Order"), 12),
            (self.env._("Reasons"), 70),
        ]
        for col, (title, width) in enumerate(headers):
            sheet.write(0, col, title, formats["header"])
            sheet.set_column(col, col, width, formats["wrap"] if width > 40 else None)
        customers = backtest._get_customer_results()
        # the reasons are reason codes (results of backtests run before them: their text)
        render = self.env["crm.churn.reason"]._get_renderer()
        for row, customer in enumerate(customers, start=1):
            sheet.write_string(row, 0, customer["name"] or str(customer["partner_id"]))
            sheet.write_number(row, 1, customer["score"], formats["number"])
            sheet.write_string(row, 2, levels.get(customer["level"], customer["level"]))
            sheet.write_string(row, 3, self._yes_no(customer["flagged"]))
            sheet.write_string(row, 4, self._yes_no(customer["churned"]))
            if customer.get("last_order_date"):
                sheet.write_datetime(
                    row,
                    5,
                    fields.Datetime.to_datetime(customer["last_order_date"][:10]),
                    formats["date"],
                )
            reasons = customer["reasons"]
            sheet.write_string(row, 6, reasons if isinstance(reasons, str) else render(reasons))
        sheet.freeze_panes(1, 1)
        sheet.autofilter(0, 0, max(len(customers), 1), len(headers) - 1)
