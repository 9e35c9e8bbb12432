"""CSV and XLSX files of the statistics tables; amounts in 元 with two decimals, exact to the fen.

Every text cell goes through `spreadsheet_text`: a party name like `=HYPERLINK(…)` must
reach the reader as text, never as a formula the spreadsheet program runs.
"""
import csv
import io
import re
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Font

from marketplace.money import yuan_str
from marketplace.stats.report import FIGURE_HEADERS, Fen, Table

CSV_TYPE = "text/csv"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# What a spreadsheet program reads as the start of a formula (OWASP "CSV injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# A signed number such as 同比 '-12.3%' is a value, not a formula: it stays as it is.
SIGNED_NUMBER = re.compile(r"[+-]\d+(\.\d+)?%?")


def spreadsheet_text(text: str) -> str:
    """Text that could start a formula, with a leading apostrophe so that it stays text."""
    if text.startswith(FORMULA_START) and not SIGNED_NUMBER.fullmatch(text):
        return "'" + text
    return text


def _text_cell(cell):
    """Text neutralised; numbers (counts, ranks) left as numbers."""
    return spreadsheet_text(cell) if isinstance(cell, str) else cell


def _header(table: Table) -> list[str]:
    return [spreadsheet_text(f"{h}（元）" if h in FIGURE_HEADERS[1:] else h) for h in table.headers]


def _rows(table: Table):
    yield from table.rows
    if table.footer:
        yield table.footer


def to_csv(table: Table, heading: str) -> bytes:
    """UTF-8 with a byte-order mark so that spreadsheet programs read the Chinese text."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([spreadsheet_text(heading)])
    writer.writerow(_header(table))
    for row in _rows(table):
        writer.writerow([yuan_str(int(c)) if isinstance(c, Fen) else _text_cell(c) for c in row])
    if table.note:
        writer.writerow([spreadsheet_text(table.note)])
    return buffer.getvalue().encode("utf-8-sig")


def to_xlsx(table: Table, heading: str) -> bytes:
    """One sheet: a heading line, the header row, the rows; money as exact decimals formatted 0.00."""
    book = Workbook()
    sheet = book.active
    sheet.title = table.title[:31]
    sheet.append([spreadsheet_text(heading)])
    sheet["A1"].font = Font(bold=True)
    sheet.append(_header(table))
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in _rows(table):
        sheet.append([Decimal(yuan_str(int(c))) if isinstance(c, Fen) else _text_cell(c) for c in row])
        for cell, value in zip(sheet[sheet.max_row], row):
            if isinstance(value, Fen):
                cell.number_format = "#,##0.00"
    if table.note:
        sheet.append([spreadsheet_text(table.note)])
    sheet.column_dimensions["A"].width = 24
    for letter in "BCDEFGH":
        sheet.column_dimensions[letter].width = 18
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
