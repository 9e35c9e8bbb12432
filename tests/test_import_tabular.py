"""marketplace.tabular: CSV and XLSX read as the same rows of exact text."""
from datetime import date, datetime
from decimal import Decimal

import pytest
from openpyxl import Workbook

from marketplace.tabular import TabularError, cell_text, decode_text, header_problems, read_table, row_dict


@pytest.mark.parametrize("value, text", [
    (None, ""), (530100, "530100"), (12.345678, "12.345678"), (1e-7, "0.0000001"), (1e20, "100000000000000000000"),
    (2.0, "2"), (True, "yes"), (False, "no"), (Decimal("3.50"), "3.5"), (date(2026, 2, 28), "2026-02-28"),
    (datetime(2026, 2, 28), "2026-02-28"), (datetime(2026, 2, 28, 9, 30), "2026-02-28 09:30:00"),
    ("  文本  ", "文本"), ("=cmd|' /C calc'!A0", "=cmd|' /C calc'!A0"),
])
def test_cell_text_is_exact(value, text):
    assert cell_text(value) == text


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf"), Decimal("NaN"), Decimal("Infinity")])
def test_non_finite_cells_are_refused(value):
    with pytest.raises(ValueError, match="非有限数"):
        cell_text(value)


def test_decoding_prefers_utf8_then_gb18030():
    assert decode_text("\ufeff成果".encode("utf-8")) == "成果"
    assert decode_text("成果".encode("gb18030")) == "成果"
    with pytest.raises(TabularError):
        decode_text(b"\x81\x30")


def test_csv_line_numbers_count_blank_and_multiline_records(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text('a,b\n\n1,"x\ny"\n2,z\n', encoding="utf-8")
    table = read_table(str(path))
    assert table.header == ["a", "b"]
    assert [(row.line, row.values) for row in table.rows] == [(3, ["1", "x\ny"]), (5, ["2", "z"])]


def test_xlsx_line_numbers_are_sheet_rows(tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet["A3"], sheet["B3"] = "a", "b"
    sheet["A5"], sheet["B5"] = 1.5, "x"
    path = tmp_path / "t.xlsx"
    workbook.save(path)
    table = read_table(str(path))
    assert table.header == ["a", "b"]
    assert [(row.line, row.values) for row in table.rows] == [(5, ["1.5", "x"])]


def test_header_problems_and_row_mapping():
    assert header_problems(["a", "b", "a", "c"], ("a", "b", "d")) == [
        "第 1 行：列 a：表头重复", "第 1 行：缺少列：d", "第 1 行：多余的列：c（应为：a,b,d）"]
    from marketplace.tabular import Row

    cells, problems = row_dict(["a", "b"], Row(7, ["1"], {}))
    assert cells == {"a": "1", "b": ""} and problems == []
    cells, problems = row_dict(["a", "b"], Row(7, ["1", "2", "3"], {1: "数值无效（非有限数）"}))
    assert cells == {"a": "1", "b": None}
    assert problems == ["第 7 行：单元格数 3 多于表头列数 2", "第 7 行：列 b：数值无效（非有限数）"]
