import base64
import io
from datetime import date, datetime

from openpyxl import load_workbook

from odoo.tests import tagged

from odoo.addons.crm_lifecycle_tiering.report.crm_xlsx import (
    Workbook,
    download_action,
    money_format,
    sheet_name,
    write_records,
    write_table,
)

from .common import CrmCase


@tagged("post_install", "-at_install")
class TestXlsx(CrmCase):
    """The Excel layer the exports share, read back with openpyxl."""

    def test_sheet_names_excel_accepts(self):
        self.assertEqual(sheet_name("Customers"), "Customers")
        # at most 31 characters
        self.assertEqual(
            sheet_name("Kunden nach Stufe und Lebenszyklus"), "Kunden nach Stufe und Lebenszyk"
        )
        # none of []:*?/\ and no apostrophe at either end
        self.assertEqual(sheet_name("Tier [VIP]: 2026/03*?\\x"), "Tier VIP 2026 03 x")
        self.assertEqual(sheet_name("'Quoted'"), "Quoted")
        self.assertEqual(sheet_name("a" * 30 + "'b"), "a" * 30)
        # another sheet has the name, whatever its case: a number is added within the 31
        self.assertEqual(sheet_name("Summary", ["summary"]), "Summary (2)")
        self.assertEqual(sheet_name("Summary", ["Summary", "SUMMARY (2)"]), "Summary (3)")
        self.assertEqual(sheet_name("x" * 40, ["x" * 31]), "x" * 27 + " (2)")
        # nothing left: Excel's default name
        self.assertIsNone(sheet_name(""))
        self.assertIsNone(sheet_name("[]"))

        book = Workbook()
        for name in ("Summary", "summary", "Customers / Tiers", "", "C" * 40):
            book.add_worksheet(name)
        self.assertEqual(
            load_workbook(io.BytesIO(book.getvalue())).sheetnames,
            ["Summary", "summary (2)", "Customers Tiers", "Sheet4", "C" * 31],
        )

    def test_money_format(self):
        usd = self.env.ref("base.USD")
        eur = self.env.ref("base.EUR")
        self.assertEqual((usd.symbol, usd.position), ("$", "before"))
        self.assertEqual(money_format(usd), '"$"#,##0.00')
        self.assertEqual((eur.symbol, eur.position), ("€", "after"))
        self.assertEqual(money_format(eur), '#,##0.00" €"')

    def test_records_and_table(self):
        book = Workbook(self.env.ref("base.EUR"), header={"valign": "top"})
        formats = book.cell_formats
        columns = [
            ("Name", "name", "text", 20),
            ("Orders", "orders", "int", 8),
            ("Score", "score", "number", 9),
            ("Share", "share", "percent", 10),
            ("Revenue", "revenue", "money", 12),
            ("Last Order", "last", "date", 11),
            ("Comment", lambda row: row["comment"] or None, "text", 50),
        ]
        rows = [
            {
                "name": "Alpha",
                "orders": 3,
                "score": 12.34,
                "share": 0.25,
                "revenue": 1500.5,
                "last": date(2026, 2, 28),
                "comment": "A long comment",
            },
            {
                "name": False,
                "orders": False,
                "score": False,
                "share": 0,
                "revenue": False,
                "last": False,
                "comment": "",
            },
        ]
        write_records(book.add_worksheet("Rows"), columns, rows, formats)
        table = book.add_worksheet("Table")
        next_row = write_table(
            table,
            1,
            "By tier",
            ["Tier", "Customers", "Revenue"],
            [("VIP", [(2, None), (900.0, formats["money"])]), ("Key", [(None, None), (10, None)])],
            formats,
            total=("Total", [(2, None), (None, None)]),
        )
        self.assertEqual(next_row, 7)
        wb = load_workbook(io.BytesIO(book.getvalue()))

        ws = wb["Rows"]
        self.assertEqual(
            [list(row) for row in ws.iter_rows(values_only=True)],
            [
                ["Name", "Orders", "Score", "Share", "Revenue", "Last Order", "Comment"],
                ["Alpha", 3, 12.34, 0.25, 1500.5, datetime(2026, 2, 28), "A long comment"],
                # empty values: "", 0 and no date; a function's None: no cell
                ["", 0, 0, 0, 0, None, None],
            ],
        )
        self.assertEqual(
            [ws.cell(2, col).number_format for col in range(1, 7)],
            ["General", "General", "0.0", "0.0%", '#,##0.00" €"', "yyyy-mm-dd"],
        )
        header = ws["A1"]
        self.assertTrue(header.font.b)
        self.assertEqual(header.fill.fgColor.rgb, "FFD9E1F2")
        self.assertEqual((header.alignment.wrap_text, header.alignment.vertical), (True, "top"))
        self.assertEqual(ws.freeze_panes, "B2")
        self.assertEqual(ws.auto_filter.ref, "A1:G3")
        # widths as given; the column wider than 40 wraps its text
        self.assertEqual(
            [round(ws.column_dimensions[col].width) for col in "ABCDEFG"],
            [21, 9, 10, 11, 13, 12, 51],
        )
        self.assertTrue(ws["G2"].alignment.wrap_text)
        self.assertFalse(ws["A2"].alignment.wrap_text)

        ws = wb["Table"]
        self.assertEqual(
            [list(row) for row in ws.iter_rows(min_row=2, max_row=6, values_only=True)],
            [
                ["By tier", None, None],
                ["Tier", "Customers", "Revenue"],
                ["VIP", 2, 900],
                ["Key", None, 10],
                ["Total", 2, None],
            ],
        )
        self.assertTrue(ws["A2"].font.b)
        self.assertEqual(ws["C4"].number_format, '#,##0.00" €"')
        # the total line: bold over a top border, also where it has no figure
        for cell in ("A6", "B6", "C6"):
            self.assertTrue(ws[cell].font.b, cell)
            self.assertEqual(ws[cell].border.top.style, "thin", cell)

    def test_empty_table_keeps_its_filter(self):
        book = Workbook()
        write_records(
            book.add_worksheet("Rows"), [("Name", "name", "text", 20)], [], book.cell_formats
        )
        ws = load_workbook(io.BytesIO(book.getvalue()))["Rows"]
        self.assertEqual(ws.auto_filter.ref, "A1:A2")
        self.assertEqual(ws.max_row, 1)

    def test_download_action(self):
        wizard = self.env["crm.value.report.wizard"].create({})
        action = download_action(wizard, b"PK-bytes", "customer-value-2026-02-28.xlsx")
        self.assertEqual(
            action,
            {
                "type": "ir.actions.act_url",
                "url": f"/web/content/crm.value.report.wizard/{wizard.id}/file_data/"
                "customer-value-2026-02-28.xlsx?download=true",
                "target": "self",
            },
        )
        self.assertEqual(base64.b64decode(wizard.file_data), b"PK-bytes")
        self.assertEqual(wizard.file_name, "customer-value-2026-02-28.xlsx")
