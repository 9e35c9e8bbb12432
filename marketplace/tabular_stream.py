"""Streaming variant of marketplace.tabular for files too large to hold in memory."""
import codecs
import csv

import os

from marketplace.tabular import OLE_MAGIC, XLSX_MAGIC, Row, TabularError, _is_blank, _trim_header, cell_text


def detect_encoding(path: str) -> str:
    """utf-8-sig when the whole file decodes as UTF-8, else gb18030 (checked the same way)."""
    for encoding in ("utf-8-sig", "gb18030"):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            with open(path, "rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    decoder.decode(block)
                decoder.decode(b"", final=True)
            return encoding
        except UnicodeDecodeError:
            continue
    raise TabularError("无法识别文件编码，请保存为 UTF-8 或 GB18030 编码的 CSV。")


def _csv_rows(path: str, encoding: str):
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
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many types for damaged files
        raise TabularError(f"无法读取 Excel 文件：{type(exc).__name__}") from None
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
    finally:
        workbook.close()


def iter_table(path: str):
    """(header, iterator of Row) for a CSV or XLSX file, reading it as a stream."""
    with open(path, "rb") as handle:
        head = handle.read(8)
    extension = os.path.splitext(path)[1].lower()
    if not head.strip() and os.path.getsize(path) < 8:
        raise TabularError("文件为空。")
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



