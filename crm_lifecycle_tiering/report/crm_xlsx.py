"""The Excel layer of our exports (customer value, customer care, customers at risk, churn
backtests): a workbook written in memory with the cell formats they share, sheet names Excel
accepts, tables written a column kind at a time, and the download of the finished file.

A plain module, as Odoo's own Excel export (web/controllers/export.py) is: each export stays a
model of its addon, says what its sheets hold, and leaves how cells are written to this one.

A column is ``(label, field, kind, width)``: ``field`` is a field name (a key for rows that are
dicts) or a function giving a row's value, None for no cell at all; ``kind`` is one of
- "text": a string ("" when empty); "m2o": the record's name; "selection": the value's label
- "date", "datetime": a date, a date and time (a record's datetime in the user's time zone)
- "int": a number without format (0 when empty)
- "number", "signed", "ratio", "percent", "money": a number in the format of that name
"""

import base64
import io
import re

import xlsxwriter

from odoo import fields

# Excel refuses a sheet name longer than 31 characters, holding one of []:*?/\ , or starting or
# ending with an apostrophe; two sheets cannot have the same name, whatever its case
SHEET_NAME_MAX = 31
SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
# a column wider than this wraps its text (reasons, comments)
WRAP_WIDTH = 40

# the cell formats of our workbooks, by name; "money" and "total_money" come in the currency of
# the workbook (money_format)
FORMATS = {
    "title": {"bold": True, "font_size": 13},
    "bold": {"bold": True},
    "header": {"bold": True, "bg_color": "#D9E1F2", "border": 1, "text_wrap": True},
    "total": {"bold": True, "top": 1},
    "date": {"num_format": "yyyy-mm-dd"},
    "datetime": {"num_format": "yyyy-mm-dd hh:mm"},
    "number": {"num_format": "0.0"},
    "signed": {"num_format": "+0.0;-0.0;0.0"},
    "ratio": {"num_format": "0.00"},
    "percent": {"num_format": "0.0%"},
    "wrap": {"text_wrap": True, "valign": "top"},
}
# the column kinds written as numbers in the format of the same name
NUMBER_KINDS = ("number", "signed", "ratio", "percent", "money")


def money_format(currency):
    """The number format of amounts in ``currency``: two decimals, its symbol before or after."""
    if not currency.symbol:
        return "#,##0.00"
    symbol = currency.symbol.replace('"', "")
    if currency.position == "before":
        return f'"{symbol}"#,##0.00'
    return f'#,##0.00" {symbol}"'


def sheet_name(name, taken=()):
    """``name`` as Excel accepts it for a new sheet beside the sheets named ``taken``: its
    forbidden characters replaced by spaces, no apostrophe at either end, at most 31 characters,
    and a number added when another sheet has that name. None (a default name) when empty."""
    name = " ".join(SHEET_NAME_FORBIDDEN.sub(" ", name or "").split()).strip("' ")
    name = name[:SHEET_NAME_MAX].rstrip("' ")
    if not name:
        return None
    taken = {other.lower() for other in taken}
    candidate, number = name, 1
    while candidate.lower() in taken:
        number += 1
        suffix = f" ({number})"
        candidate = name[: SHEET_NAME_MAX - len(suffix)].rstrip("' ") + suffix
    return candidate


class Workbook(xlsxwriter.Workbook):
    """A workbook written in memory, its cell formats in ``cell_formats`` (FORMATS, with "money"
    and "total_money" when a ``currency`` is given). ``variants`` add formats or change ours, by
    name: ``Workbook(currency, header={"valign": "top"})``. ``getvalue()`` closes the workbook
    and returns the file."""

    def __init__(self, currency=None, **variants):
        self._output = io.BytesIO()
        super().__init__(self._output, {"in_memory": True})
        properties = dict(FORMATS)
        if currency is not None:
            money = money_format(currency)
            properties["money"] = {"num_format": money}
            properties["total_money"] = {**FORMATS["total"], "num_format": money}
        for name, values in variants.items():
            properties[name] = {**properties.get(name, {}), **values}
        # a format goes into the file only once a cell uses it
        self.cell_formats = {name: self.add_format(values) for name, values in properties.items()}

    def add_worksheet(self, name=None, worksheet_class=None):
        """A new sheet, its name made valid for Excel (sheet_name): a translated title may be
        longer than Excel allows or hold a character it refuses."""
        name = sheet_name(name, [sheet.name for sheet in self.worksheets()])
        return super().add_worksheet(name, worksheet_class)

    def getvalue(self):
        self.close()
        return self._output.getvalue()


def write_value(sheet, row, col, value, kind, formats):
    """One cell: ``value`` written as a column of ``kind`` writes it (see the kinds above, but
    "m2o" and "selection", which are text by then); None writes no cell."""
    if value is None:
        return
    if kind in ("date", "datetime"):
        if value:
            sheet.write_datetime(row, col, fields.Datetime.to_datetime(value), formats[kind])
    elif kind == "int":
        sheet.write_number(row, col, value or 0)
    elif kind in NUMBER_KINDS:
        sheet.write_number(row, col, value or 0, formats[kind])
    else:
        sheet.write_string(row, col, value or "")


def write_header(sheet, columns, formats, row=0):
    """The header row of ``columns`` (tuples whose first item is the label and last the width)
    and the widths of the columns; the wide ones wrap their text."""
    for col, (label, *_spec, width) in enumerate(columns):
        sheet.write_string(row, col, label, formats["header"])
        sheet.set_column(col, col, width, formats["wrap"] if width > WRAP_WIDTH else None)


def filter_table(sheet, row_count, column_count):
    """Freezes the header row and the first column of the table at the top of ``sheet`` and puts
    an autofilter on its header."""
    sheet.freeze_panes(1, 1)
    sheet.autofilter(0, 0, max(row_count, 1), column_count - 1)


def write_records(sheet, columns, records, formats):
    """A table at the top of ``sheet``: the header row of ``columns``, then a row per record
    (or per dict), the header and the first column frozen, an autofilter on the header. The
    columns of kind "m2o", "selection" and "datetime" name a field of the records."""
    write_header(sheet, columns, formats)
    labels = {
        field: dict(records._fields[field]._description_selection(records.env))
        for _label, field, kind, _width in columns
        if kind == "selection"
    }
    for row, record in enumerate(records, start=1):
        for col, (_label, field, kind, _width) in enumerate(columns):
            if callable(field):
                value = field(record)
            else:
                value = record[field]
                if kind == "datetime" and value:
                    value = fields.Datetime.context_timestamp(record, value).replace(tzinfo=None)
            if kind == "m2o":
                value, kind = value.display_name or "", "text"
            elif kind == "selection":
                value, kind = (labels[field].get(value, "") if value else ""), "text"
            write_value(sheet, row, col, value, kind, formats)
    filter_table(sheet, len(records), len(columns))
    return sheet


def write_table(sheet, row, title, header, lines, formats, total=None):
    """A titled table from ``row``: the title, the ``header`` labels, a line per item of
    ``lines`` and the ``total`` line, each a ``(label, [(value, format), ...])`` (None: no cell
    in a line, a blank total cell). Returns the row after the table and an empty row."""
    if title:
        sheet.write_string(row, 0, title, formats["bold"])
        row += 1
    for col, label in enumerate(header):
        sheet.write_string(row, col, label, formats["header"])
    for label, values in lines:
        row += 1
        sheet.write_string(row, 0, label)
        for col, (value, fmt) in enumerate(values, start=1):
            if value is not None:
                sheet.write_number(row, col, value, fmt)
    if total:
        row += 1
        sheet.write_string(row, 0, total[0], formats["total"])
        for col, (value, fmt) in enumerate(total[1], start=1):
            if value is None:
                sheet.write_blank(row, col, None, formats["total"])
            else:
                sheet.write_number(row, col, value, fmt or formats["total"])
    return row + 2


def download_action(record, data, file_name, data_field="file_data", name_field="file_name"):
    """Stores the file ``data`` (bytes) and its name in the binary field ``data_field`` and the
    char field ``name_field`` of ``record``, and returns the action that downloads it."""
    record.ensure_one()
    record.write({data_field: base64.b64encode(data), name_field: file_name})
    return {
        "type": "ir.actions.act_url",
        "url": f"/web/content/{record._name}/{record.id}/{data_field}/{file_name}?download=true",
        "target": "self",
    }
