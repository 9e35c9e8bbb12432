"""Reading CSV and XLSX files as uniform rows of text cells.

Every cell comes back as a stripped string: numbers are written in plain decimal
notation (never through a float's rounding), dates as YYYY-MM-DD, empty cells as
''. A cell that cannot be turned into text honestly (NaN, infinity) is reported
per cell instead. Line numbers count the header as line 1.
"""
import codecs
import csv
import math
import os
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal

from marketplace.errors import DomainError

ENCODINGS = ("utf-8-sig", "gb18030")
ENCODING_MESSAGE = "无法识别文件编码，请保存为 UTF-8 或 GB18030 编码的 CSV。"
XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # legacy .xls


class TabularError(DomainError, ValueError):
    """The file as a whole cannot be read; the message is shown to the user."""

    status, code = 422, "unreadable_file"


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
    """Read a whole CSV or XLSX file (chosen by content, then by extension)."""
    header, rows = iter_table(path)
    return Table(header, list(rows))


def iter_table(path: str):
    """(header, iterator of Row) for a CSV or XLSX file, read as a stream (for very large files)."""
    with open(path, "rb") as handle:
        head = handle.read(1024)
    if not head.strip() and os.path.getsize(path) <= len(head):
        raise TabularError("文件为空。")
    extension = os.path.splitext(path)[1].lower()
    if head.startswith(OLE_MAGIC) or extension == ".xls":
        raise TabularError("不支持旧版 .xls 格式，请另存为 .xlsx 或 CSV（UTF-8）。")
    if head.startswith(XLSX_MAGIC):
        rows = _xlsx_rows(path)
    elif extension in (".xlsx", ".xlsm"):
        raise TabularError("文件不是有效的 Excel (.xlsx) 文件。")
    else:
        rows = _csv_rows(path, detect_encoding(path))
    first = next(rows, None)
    if first is None:
        raise TabularError("文件为空。")
    return _trim_header(first.values), rows


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM), else GB18030; anything else is refused."""
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise TabularError(ENCODING_MESSAGE)


def detect_encoding(path: str) -> str:
    """The first of ENCODINGS in which the whole file decodes (checked block by block)."""
    for encoding in ENCODINGS:
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            with open(path, "rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    decoder.decode(block)
                decoder.decode(b"", final=True)
            return encoding
        except UnicodeDecodeError:
            continue
    raise TabularError(ENCODING_MESSAGE)


def _csv_rows(path: str, encoding: str):
    """Non-blank CSV records; a record's line number is the line it starts on."""
    with open(path, encoding=encoding, newline="") as handle:
        reader = csv.reader(handle, strict=True)
        next_line = 1
        try:
            for record in reader:
                line, next_line = next_line, reader.line_num + 1
                if any(cell.strip() for cell in record):
                    yield Row(line, [cell.strip() for cell in record])
        except csv.Error as exc:
            raise TabularError(f"第 {next_line} 行：CSV 格式错误（{exc}），请检查引号是否成对。") from None


def _xlsx_rows(path: str):
    """Non-blank rows of the first worksheet (formulas are read as their text, never evaluated)."""
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many types for damaged files
        raise TabularError(f"无法读取 Excel 文件：{type(exc).__name__}") from None
    line = 0
    try:
        if not workbook.worksheets:
            raise TabularError("Excel 文件中没有工作表。")
        for line, raw in enumerate(workbook.worksheets[0].iter_rows(values_only=True), start=1):
            if raw is None or all(_is_blank(value) for value in raw):
                continue
            values, errors = [], {}
            for index, value in enumerate(raw):
                try:
                    values.append(cell_text(value))
                except ValueError as exc:
                    values.append("")
                    errors[index] = str(exc)
            yield Row(line, values, errors)
    except TabularError:
        raise
    except Exception as exc:  # a damaged cell inside the sheet XML
        raise TabularError(f"第 {line + 1} 行：Excel 单元格无法读取（{type(exc).__name__}）。") from None
    finally:
        workbook.close()


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


def header_problems(header: list[str], expected: tuple[str, ...], optional: tuple[str, ...] = ()) -> list[str]:
    """Missing, unknown and repeated header columns, as messages for line 1 (`optional` columns may be absent)."""
    problems = []
    seen = set()
    for name in header:
        if name in seen:
            problems.append(f"第 1 行：列 {name or '（空）'}：表头重复")
        seen.add(name)
    unknown = [name or "（空）" for name in dict.fromkeys(header) if name not in expected + optional]
    missing = [name for name in expected if name not in seen]
    if missing:
        problems.append(f"第 1 行：缺少列：{', '.join(missing)}")
    if unknown:
        allowed = ",".join(expected) + (f"，可选：{','.join(optional)}" if optional else "")
        problems.append(f"第 1 行：多余的列：{', '.join(unknown)}（应为：{allowed}）")
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
