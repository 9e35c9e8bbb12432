"""CSV and XLSX files of the statistics tables; amounts in 元 with two decimals, exact to the fen."""
import csv
import io
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Font

from marketplace.money import yuan_str
from marketplace.stats.report import FIGURE_HEADERS, Fen, Table

CSV_TYPE = "text/csv"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _header(table: Table) -> list[str]:
    return [f"{h}（元）" if h in FIGURE_HEADERS[1:] else h for h in table.headers]


def _rows(table: Table):
    yield from table.rows
    if table.footer:
        yield table.footer


def to_csv(table: Table, heading: str) -> bytes:
    """UTF-8 with a byte-order mark so that spreadsheet programs read the Chinese text."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([heading])
    writer.writerow(_header(table))
    for row in _rows(table):
        writer.writerow([yuan_str(int(c)) if isinstance(c, Fen) else c for c in row])
    if table.note:
        writer.writerow([table.note])
    return buffer.getvalue().encode("utf-8-sig")


def to_xlsx(table: Table, heading: str) -> bytes:
    """One sheet: a heading line, the header row, the rows; money as exact decimals formatted 0.00."""
    book = Workbook()
    sheet = book.active
    sheet.title = table.title[:31]
    sheet.append([heading])
    sheet["A1"].font = Font(bold=True)
    sheet.append(_header(table))
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in _rows(table):
        sheet.append([Decimal(yuan_str(int(c))) if isinstance(c, Fen) else c for c in row])
        for cell, value in zip(sheet[sheet.max_row], row):
            if isinstance(value, Fen):
                cell.number_format = "#,##0.00"
    if table.note:
        sheet.append([table.note])
    sheet.column_dimensions["A"].width = 24
    for letter in "BCDEFGH":
        sheet.column_dimensions[letter].width = 18
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
