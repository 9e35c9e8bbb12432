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

from marketplace.stats.exports import FORMULA_START, spreadsheet_text
from models import CONTRACT_STATUS_LABELS

HEADERS = ("登记编号", "登记/申报日期", "合同名称", "合同类别", "子类", "技术领域", "卖方", "卖方地区代码", "买方",
           "买方地区代码", "合同成交额（元）", "技术交易额（元）", "已到账（元）", "状态", "技术经纪人")
AMOUNT_COLUMNS = (10, 11, 12)  # positions of the amounts in HEADERS
ROWS_PER_CHUNK = 1000


RISKY_FIRST = frozenset(start[0] for start in FORMULA_START)


def _text(value) -> str:
    # Most cells cannot start a formula: only those that might go through spreadsheet_text.
    return spreadsheet_text(value) if value and value[0] in RISKY_FIRST else (value or "")


def row_values(row) -> list:
    """One contract as cells: text neutralised, amounts as exact yuan strings."""
    # Unpacked by position (ledger.ROW_COLUMNS): a million rows pay for no attribute look-ups.
    (_, number, registered_on, title, contract_type, subtype, tech_field, seller, seller_region, buyer,
     buyer_region, contract_fen, tech_fen, paid_fen, status, broker, submitted_at, created_at) = row
    day = registered_on or (submitted_at or created_at).date()
    return [_text(number), day.isoformat(), _text(title), contract_type, subtype or "", tech_field, _text(seller),
            seller_region, _text(buyer), buyer_region, f"{contract_fen // 100}.{contract_fen % 100:02d}",
            f"{tech_fen // 100}.{tech_fen % 100:02d}", f"{paid_fen // 100}.{paid_fen % 100:02d}",
            CONTRACT_STATUS_LABELS[status], _text(broker)]


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
