"""`flask contracts import`: validation of every row, all-or-nothing, idempotent, exact money."""
import csv
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from sqlalchemy import delete, func, select

from marketplace.contracts.importer import CONTRACT_COLUMNS, ContractImportFailed, import_contracts_file
from models import Contract, ContractImport, db

GOOD = dict(contract_no="2026530100000001", contract_type="技术开发", title="燃料电池催化剂开发",
            seller_name="昆明理工大学", seller_type="高等院校", seller_region="530100", buyer_name="某能源公司",
            buyer_type="企业", buyer_region="510100", contract_amount="3501000.50", tech_amount="2501000.25",
            signed_on="2026-03-01", registered_on="2026-06-11", tech_field="新材料及其应用")


def write_csv(path, rows, columns=CONTRACT_COLUMNS, encoding="utf-8"):
    with open(path, "w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([row.get(c, "") for c in columns])
    return str(path)


def row(n, **changes):
    return {**GOOD, "contract_no": f"2026530100{n:06d}", **changes}


def contract_count():
    return db.session.scalar(select(func.count()).select_from(Contract))


def test_import_stores_exact_amounts_and_is_idempotent(ctx, tmp_path):
    path = write_csv(tmp_path / "c.csv", [row(1), row(2, contract_amount="0.01", tech_amount="0.00")])
    report = import_contracts_file(path)
    db.session.commit()
    assert (report.rows, report.added, report.skipped) == (2, 2, 0)
    first = db.session.scalar(select(Contract).where(Contract.registration_no == "2026530100000001"))
    assert (first.contract_amount_fen, first.tech_amount_fen, first.deduct_other_fen) == (350100050, 250100025,
                                                                                          100000025)
    assert first.status == "registered" and str(first.registered_on) == "2026-06-11"
    again = import_contracts_file(path)
    db.session.commit()
    assert (again.added, again.skipped) == (0, 2)
    assert contract_count() == 2
    assert db.session.scalar(select(func.count()).select_from(ContractImport)) == 2


BAD_CELLS = [
    ("contract_type", "技术入股", "不是有效值"),
    ("seller_region", "999999", "未知地区代码"),
    ("buyer_region", "53010", "未知地区代码"),
    ("tech_amount", "3501000.51", "大于合同成交额"),
    ("signed_on", "2026-02-30", "YYYY-MM-DD"),
    ("registered_on", "11/06/2026", "YYYY-MM-DD"),
    ("registered_on", "2099-01-01", "超出合理范围"),
    ("contract_amount", "NaN", "金额格式不正确"),
    ("contract_amount", "inf", "金额格式不正确"),
    ("contract_amount", "1e6", "金额格式不正确"),
    ("contract_amount", "-1.00", "负数"),
    ("contract_amount", "1.001", "2 位小数"),
    ("contract_amount", "", "请填写金额"),
    ("tech_field", "量子", "不是有效值"),
    ("title", "", "不能为空"),
    ("seller_type", "公司", "不是有效值"),
]


@pytest.mark.parametrize("column, value, message", BAD_CELLS)
def test_any_bad_row_imports_nothing_and_is_reported_by_line(ctx, tmp_path, column, value, message):
    path = write_csv(tmp_path / "bad.csv", [row(1), row(2), row(3, **{column: value}), row(4)])
    with pytest.raises(ContractImportFailed) as failure:
        import_contracts_file(path)
    db.session.rollback()
    assert any(p.startswith("第 4 行") and message in p for p in failure.value.problems), failure.value.problems
    assert contract_count() == 0


def test_every_bad_row_listed(ctx, tmp_path):
    path = write_csv(tmp_path / "bad.csv", [row(1, contract_type="x"), row(2), row(3, seller_region="1"), row(1)])
    with pytest.raises(ContractImportFailed) as failure:
        import_contracts_file(path)
    lines = {p.split("：")[0] for p in failure.value.problems}
    assert lines == {"第 2 行", "第 4 行", "第 5 行"}
    assert failure.value.bad_rows == 3


def test_header_problems(ctx, tmp_path):
    path = write_csv(tmp_path / "h.csv", [row(1)], columns=CONTRACT_COLUMNS[:-1] + ("extra",))
    with pytest.raises(ContractImportFailed) as failure:
        import_contracts_file(path)
    assert any("缺少列" in p for p in failure.value.problems)


def test_xlsx_and_gb18030(ctx, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(list(CONTRACT_COLUMNS))
    values = row(7)
    values["contract_amount"], values["tech_amount"] = 1234.5, 1000  # numeric cells
    sheet.append([values[c] for c in CONTRACT_COLUMNS])
    book.save(tmp_path / "c.xlsx")
    import_contracts_file(str(tmp_path / "c.xlsx"))
    write_csv(tmp_path / "gb.csv", [row(8)], encoding="gb18030")
    import_contracts_file(str(tmp_path / "gb.csv"))
    db.session.commit()
    amounts = dict(db.session.execute(select(Contract.registration_no, Contract.contract_amount_fen)).all())
    assert amounts == {"2026530100000007": 123450, "2026530100000008": 350100050}


def test_cli_reports_and_exits_nonzero(runner, tmp_path):
    bad = write_csv(tmp_path / "bad.csv", [row(1, tech_amount="9999999.00")])
    result = runner.invoke(args=["contracts", "import", bad])
    assert result.exit_code == 1
    assert "第 2 行" in result.output and "未导入任何合同" in result.output
    good = write_csv(tmp_path / "good.csv", [row(1), row(2)])
    result = runner.invoke(args=["contracts", "import", good])
    assert result.exit_code == 0, result.output
    assert "新增 2 份" in result.output


fen_amounts = st.tuples(st.integers(min_value=0, max_value=10**12), st.integers(min_value=0, max_value=10**6))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(fen_amounts, min_size=1, max_size=30))
def test_totals_equal_file_sums_to_the_fen(ctx, tmp_path, amounts):
    db.session.execute(delete(Contract))
    rows, contract_sum, tech_sum = [], Decimal(0), Decimal(0)
    for n, (contract_fen, tech_share) in enumerate(amounts):
        tech_fen = contract_fen * tech_share // 10**6
        contract_text = f"{Decimal(contract_fen) / 100:.2f}"
        tech_text = f"{Decimal(tech_fen) / 100:.2f}"
        contract_sum += Decimal(contract_text)
        tech_sum += Decimal(tech_text)
        rows.append(row(n, contract_amount=contract_text, tech_amount=tech_text))
    path = write_csv(tmp_path / "p.csv", rows)
    import_contracts_file(path)
    totals = db.session.execute(select(func.sum(Contract.contract_amount_fen), func.sum(Contract.tech_amount_fen))).one()
    assert (Decimal(totals[0]) / 100, Decimal(totals[1]) / 100) == (contract_sum, tech_sum)
    db.session.rollback()
