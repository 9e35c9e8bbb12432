"""Reading CSV and XLSX files as uniform rows of text cells.

Every cell comes back as a stripped string: numbers are written in plain decimal
notation (never through a float's rounding), dates as YYYY-MM-DD, empty cells as
''. A cell that cannot be turned into text honestly (NaN, infinity) is reported
per cell instead. Line numbers count the header as line 1.
"""
import csv
import io
import math
import os
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal

XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # legacy .xls


class TabularError(ValueError):
    """The file as a whole cannot be read; the message is shown to the user."""


@dataclass
class Row:
    """One data row: its line number, its cells, and cells that could not be read."""

    line: int
    values: list[str]
    cell_errors: dict[int, str] = field(default_factory=dict)


@dataclass
class Table:
    header: list[str]
    rows: list[Row]


def read_table(path: str) -> Table:
    """Read a CSV or XLSX file (chosen by content, then by extension)."""
    with open(path, "rb") as handle:
        data = handle.read()
    if not data.strip():
        raise TabularError("文件为空。")
    extension = os.path.splitext(path)[1].lower()
    if data.startswith(OLE_MAGIC) or extension == ".xls":
        raise TabularError("不支持旧版 .xls 格式，请另存为 .xlsx 或 CSV（UTF-8）。")
    if data.startswith(XLSX_MAGIC):
        return read_xlsx(data)
    if extension in (".xlsx", ".xlsm"):
        raise TabularError("文件不是有效的 Excel (.xlsx) 文件。")
    return read_csv(data)


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM), else GB18030; anything else is refused."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise TabularError("无法识别文件编码，请保存为 UTF-8 或 GB18030 编码的 CSV。") from None


def read_csv(data: bytes) -> Table:
    """Parse CSV bytes; a record's line number is the line it starts on."""
    text = decode_text(data)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header, rows, next_line = None, [], 1
    try:
        for record in reader:
            line, next_line = next_line, reader.line_num + 1
            if not any(cell.strip() for cell in record):
                continue
            cells = [cell.strip() for cell in record]
            if header is None:
                header = cells
            else:
                rows.append(Row(line, cells))
    except csv.Error as exc:
        raise TabularError(f"第 {next_line} 行：CSV 格式错误（{exc}），请检查引号是否成对。") from None
    if header is None:
        raise TabularError("文件为空。")
    return Table(_trim_header(header), rows)


def read_xlsx(data: bytes) -> Table:
    """Parse the first worksheet of an XLSX workbook (formulas are read as their text)."""
    from openpyxl import load_workbook

    try:
        # data_only=False: a formula cell is kept as its literal text, never evaluated.
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many types for damaged files
        raise TabularError(f"无法读取 Excel 文件：{type(exc).__name__}") from None
    try:
        if not workbook.worksheets:
            raise TabularError("Excel 文件中没有工作表。")
        header, rows = _sheet_rows(workbook.worksheets[0])
    finally:
        workbook.close()
    if header is None:
        raise TabularError("文件为空。")
    return Table(_trim_header(header), rows)


def _sheet_rows(sheet) -> tuple[list[str] | None, list[Row]]:
    header, rows, line = None, [], 0
    try:
        for line, raw in enumerate(sheet.iter_rows(min_row=1, values_only=True), start=1):
            if raw is None or all(_is_blank(value) for value in raw):
                continue
            values, errors = [], {}
            for index, value in enumerate(raw):
                try:
                    values.append(cell_text(value))
                except ValueError as exc:
                    values.append("")
                    errors[index] = str(exc)
            if header is None:
                header = values
            else:
                rows.append(Row(line, values, errors))
    except Exception as exc:  # a damaged cell inside the sheet XML
        raise TabularError(f"第 {line + 1} 行：Excel 单元格无法读取（{type(exc).__name__}）。") from None
    return header, rows


def _is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _trim_header(header: list[str]) -> list[str]:
    while header and not header[-1]:
        header.pop()
    return header


def cell_text(value) -> str:
    """One XLSX cell as text; numbers exactly as typed, NaN and infinities refused."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("数值无效（非有限数）")
        # repr() is the shortest text that round-trips: 12.345678, not 12.3456779999…
        return _plain_decimal(Decimal(repr(value)))
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError("数值无效（非有限数）")
        return _plain_decimal(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.isoformat()
    return str(value).strip()


def _plain_decimal(value: Decimal) -> str:
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def header_problems(header: list[str], expected: tuple[str, ...]) -> list[str]:
    """Missing, unknown and repeated header columns, as messages for line 1."""
    problems = []
    seen = set()
    for name in header:
        if name in seen:
            problems.append(f"第 1 行：列 {name or '（空）'}：表头重复")
        seen.add(name)
    unknown = [name or "（空）" for name in dict.fromkeys(header) if name not in expected]
    missing = [name for name in expected if name not in seen]
    if missing:
        problems.append(f"第 1 行：缺少列：{', '.join(missing)}")
    if unknown:
        problems.append(f"第 1 行：多余的列：{', '.join(unknown)}（应为：{','.join(expected)}）")
    return problems


def row_dict(header: list[str], row: Row) -> tuple[dict[str, str | None], list[str]]:
    """Map a row onto the header; surplus non-empty cells and unreadable cells are problems.

    An unreadable cell maps to None (already reported, not to be checked again).
    """
    problems = []
    values = row.values
    if len(values) > len(header) and any(values[len(header):]):
        problems.append(f"第 {row.line} 行：单元格数 {len(values)} 多于表头列数 {len(header)}")
    for index, message in sorted(row.cell_errors.items()):
        name = header[index] if index < len(header) else f"第 {index + 1} 列"
        problems.append(f"第 {row.line} 行：列 {name}：{message}")
    cells = {name: (values[index] if index < len(values) else "") for index, name in enumerate(header)}
    for index in row.cell_errors:
        if index < len(header):
            cells[header[index]] = None
    return cells, problems
