"""A statistics table as CSV or as an Excel workbook (XLSX), for people who work on in a
spreadsheet. Headers are in the user's language; a suppressed cell is written as the mark
"..", exactly as the page shows it, never as the number or as an empty cell (which a
spreadsheet would sum as 0).

CSV: UTF-8 with a byte-order mark and `;` between fields, which is what Excel expects in
Swedish locales (where `,` is the decimal comma); numbers are written plainly (`12.5`).
XLSX: openpyxl's write-only mode, numbers as numbers, the note below the table.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from projections.labels import Label
from projections.statistics import SUPPRESSED_MARK
from web.reports.statistics import Cell, StatTable

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _text(cell: Cell, language: str) -> str:
    if cell is None:
        return SUPPRESSED_MARK
    if isinstance(cell, Label):
        return cell.en if language == "en" else cell.sv
    return str(cell)


def _pick(label: Label, language: str) -> str:
    return label.en if language == "en" else label.sv


def to_csv(table: StatTable, language: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([_pick(c.label, language) for c in table.columns])
    for row in table.rows:
        writer.writerow([_text(cell, language) for cell in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(table: StatTable, language: str) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=table.key)
    bold = Font(bold=True)

    def header(text: str) -> WriteOnlyCell:
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = bold
        return cell

    sheet.append([header(_pick(table.title, language))])
    sheet.append([header(_pick(c.label, language)) for c in table.columns])
    for row in table.rows:
        sheet.append([_value(cell, language) for cell in row])
    sheet.append([])
    sheet.append([_pick(table.note, language)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _value(cell: Cell, language: str) -> str | int | float:
    if isinstance(cell, bool) or cell is None or isinstance(cell, (Label, str)):
        return _text(cell, language)
    if isinstance(cell, Decimal):
        return float(cell)
    return cell
