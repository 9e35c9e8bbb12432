"""The register as CSV (streamed) and XLSX (written row by row to a temporary file): constant memory.

Amounts in 元 exact to the fen ('3501.50'; in XLSX a decimal number formatted 0.00), dates
YYYY-MM-DD, every text cell through `spreadsheet_text` so a party named `=HYPERLINK(…)`
stays text.
"""
import csv
import io
import tempfile
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from marketplace.contracts.ledger import ledger_date
from marketplace.money import yuan_str
from marketplace.stats.exports import spreadsheet_text
from models import CONTRACT_STATUS_LABELS

HEADERS = ("登记编号", "登记/申报日期", "合同名称", "合同类别", "子类", "技术领域", "卖方", "卖方地区代码", "买方",
           "买方地区代码", "合同成交额（元）", "技术交易额（元）", "状态", "技术经纪人")
AMOUNT_COLUMNS = (10, 11)  # positions of the two amounts in HEADERS
ROWS_PER_CHUNK = 1000


def _text(value) -> str:
    return spreadsheet_text(value or "")


def row_values(row) -> list:
    """One contract as cells: text neutralised, amounts as exact yuan strings."""
    day = ledger_date(row)
    return [_text(row.registration_no), day.isoformat() if day else "", _text(row.title), _text(row.contract_type),
            _text(row.subtype), _text(row.tech_field), _text(row.seller_name), row.seller_region,
            _text(row.buyer_name), row.buyer_region, yuan_str(row.contract_amount_fen),
            yuan_str(row.tech_amount_fen), CONTRACT_STATUS_LABELS[row.status], _text(row.broker)]


def csv_chunks(rows, heading: str):
    """UTF-8 with a byte-order mark (spreadsheet programs then read the Chinese text), ~1000 rows per chunk."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([spreadsheet_text(heading)])
    writer.writerow(HEADERS)
    yield "\ufeff".encode("utf-8") + buffer.getvalue().encode("utf-8")
    buffer.seek(0)
    buffer.truncate()
    for count, row in enumerate(rows, start=1):
        writer.writerow(row_values(row))
        if count % ROWS_PER_CHUNK == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode("utf-8")


def xlsx_file(rows, heading: str):
    """A write-only workbook saved to an anonymous temporary file; returns the file, at its start."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("登记台账")
    sheet.column_dimensions["C"].width = 36
    for letter in "GIKL":
        sheet.column_dimensions[letter].width = 20
    title = WriteOnlyCell(sheet, spreadsheet_text(heading))
    title.font = Font(bold=True)
    sheet.append([title])
    sheet.append(HEADERS)
    for row in rows:
        values = row_values(row)
        for index in AMOUNT_COLUMNS:
            cell = WriteOnlyCell(sheet, Decimal(values[index]))
            cell.number_format = "#,##0.00"
            values[index] = cell
        sheet.append(values)
    handle = tempfile.TemporaryFile(suffix=".xlsx")
    book.save(handle)
    handle.seek(0)
    return handle
