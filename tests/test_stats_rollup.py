"""The pre-aggregated daily cells always equal a brute-force recount of the contracts table."""
import csv
from datetime import date

import pytest
from sqlalchemy import delete, select

from marketplace.contracts import services as contract_services
from marketplace.contracts.importer import CONTRACT_COLUMNS, ContractImportFailed, import_contracts_file
from marketplace.stats import rollup
from models import Contract, StatsDaily, db
from tests.contract_helpers import amend, draft, officials, parties, register_path
from tests.factories import make_user
from tests.test_stats_data import add_contract


def test_orm_inserts_edits_and_deletes_keep_cells_exact(ctx):
    a = add_contract("530100", "510100", date(2025, 3, 1), 1_000_00, 900_00)
    b = add_contract("530100", "530300", date(2025, 3, 1), 2_000_01, 2_000_01)
    add_contract("530300", "530100", date(2025, 3, 2), 5_00, status="draft")
    db.session.commit()
    cells = rollup.stored_totals()
    assert cells[("seller", date(2025, 3, 1), "530100")] == (2, 3_000_01, 2_900_01)
    assert cells[("buyer", date(2025, 3, 1), "510100")] == (1, 1_000_00, 900_00)
    assert ("seller", date(2025, 3, 2), "530300") not in cells  # drafts do not count
    # Move a contract to another region and day, change its amount, delete another: still a recount.
    a.seller_region, a.registered_on, a.contract_amount_fen, a.deduct_other_fen = "530400", date(2024, 2, 29), 7_77, 0
    a.tech_amount_fen = 7_77
    db.session.commit()
    db.session.delete(b)
    db.session.commit()
    assert rollup.verify()
    assert rollup.stored_totals() == {("seller", date(2024, 2, 29), "530400"): (1, 7_77, 7_77),
                               ("buyer", date(2024, 2, 29), "510100"): (1, 7_77, 7_77)}


def test_expired_contract_changed_without_reading_first_still_counts_right(ctx):
    contract = add_contract("530100", "530100", date(2025, 1, 5), 50_00)
    db.session.commit()  # expires every attribute; the next write must still know the old values
    contract.status = "cancelled"
    db.session.commit()
    assert rollup.stored() == {}
    assert rollup.verify()


def test_registration_amendment_and_cancellation_through_the_workflow(ctx):
    seller, buyer = parties()
    seller_user = make_user("stats_seller", "institute", seller)
    official, second, _ = officials()
    contract = draft(seller, buyer, seller_user, amount_fen=1_234_567_89)
    db.session.commit()
    register_path(contract, seller_user, official, on=date(2026, 6, 11))
    db.session.commit()
    assert rollup.stored_totals()[("seller", date(2026, 6, 11), "530100")] == (1, 1_234_567_89, 1_234_567_89)
    amend(contract, seller_user, [official], "金额更正", 1_000_000_00, {"equipment": 100_000_00})
    db.session.commit()
    assert rollup.stored_totals()[("seller", date(2026, 6, 11), "530100")] == (1, 1_000_000_00, 900_000_00)
    assert rollup.stored_totals()[("buyer", date(2026, 6, 11), "530300")] == (1, 1_000_000_00, 900_000_00)
    contract_services.transition(contract, "cancel", official, "合同解除")
    db.session.commit()
    assert rollup.stored() == {} and rollup.verify()


def _csv(path, rows):
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(CONTRACT_COLUMNS)
        for n, (region, amount, tech, day) in enumerate(rows, start=1):
            writer.writerow([f"S{n:06d}", "技术服务", "统计导入测试", f"卖方{n}", "企业", region, "买方", "企业", "530300",
                             amount, tech, "2025-01-01", day, "农业"])
    return str(path)


def test_imports_reimports_and_failed_imports(ctx, tmp_path):
    add_contract("530100", "530300", date(2025, 5, 1), 10_00)
    db.session.commit()
    path = _csv(tmp_path / "c.csv", [("530100", "100.01", "100.00", "2025-05-01"),
                                     ("530100", "0.99", "0.99", "2025-05-01"),
                                     ("510100", "3501000000.00", "2501000000.00", "2025-06-11")])
    import_contracts_file(path)
    db.session.commit()
    kunming = rollup.stored_totals()[("seller", date(2025, 5, 1), "530100")]
    assert kunming == (3, 10_00 + 100_01 + 99, 10_00 + 100_00 + 99)
    assert rollup.verify()
    import_contracts_file(path)  # everything skipped: nothing may be counted twice
    db.session.commit()
    assert rollup.verify()
    before = rollup.stored()
    bad = _csv(tmp_path / "bad.csv", [("530100", "1.00", "1.00", "2025-05-02"), ("530100", "x", "1", "2025-05-02")])
    with pytest.raises(ContractImportFailed):
        import_contracts_file(bad)
    db.session.rollback()
    assert rollup.stored() == before and rollup.verify()


def test_rebuild_and_a_freshly_created_table_recount_existing_contracts(ctx):
    for day in (date(2025, 1, 1), date(2025, 12, 31)):
        add_contract("530100", "530300", day, 3_00)
    db.session.commit()
    db.session.execute(delete(StatsDaily))
    db.session.commit()
    assert not rollup.verify()
    rollup.rebuild()
    db.session.commit()
    assert rollup.verify()
    db.session.close()
    # `flask init-db` on a database that predates the statistics table fills it once.
    StatsDaily.__table__.drop(db.engine)
    StatsDaily.__table__.create(db.engine)
    assert rollup.verify() and len(rollup.stored_totals()) == 4


def test_cli_verify_and_rebuild(app, runner):
    with app.app_context():
        add_contract()
        db.session.commit()
        db.session.execute(delete(StatsDaily))
        db.session.commit()
    assert runner.invoke(args=["stats", "verify"]).exit_code == 1
    assert "已重建" in runner.invoke(args=["stats", "rebuild"]).output
    result = runner.invoke(args=["stats", "verify"])
    assert result.exit_code == 0 and "一致" in result.output
    with app.app_context():
        assert db.session.scalar(select(Contract.id)) is not None


def test_category_cells_follow_type_field_and_ip_changes(ctx):
    contract = add_contract("530100", "530300", date(2025, 7, 1), 9_00, contract_type="技术开发",
                            ip_types="发明专利;技术秘密")
    add_contract("530100", "530300", date(2025, 7, 1), 1_00, ip_types="")
    db.session.commit()
    cells = rollup.stored()
    assert cells[("seller", "ip", date(2025, 7, 1), "530100", "发明专利")] == (1, 9_00, 9_00)
    assert cells[("seller", "ip", date(2025, 7, 1), "530100", "技术秘密")] == (1, 9_00, 9_00)
    assert cells[("seller", "ip", date(2025, 7, 1), "530100", "未涉及/未注明")] == (1, 1_00, 1_00)
    assert cells[("buyer", "type", date(2025, 7, 1), "530300", "技术开发")] == (2, 10_00, 10_00)
    contract.contract_type, contract.subtype, contract.ip_types, contract.tech_field = "技术许可", None, "无", "农业"
    db.session.commit()
    cells = rollup.stored()
    assert cells[("buyer", "type", date(2025, 7, 1), "530300", "技术许可")] == (1, 9_00, 9_00)
    assert ("seller", "ip", date(2025, 7, 1), "530100", "发明专利") not in cells
    assert cells[("seller", "ip", date(2025, 7, 1), "530100", "未涉及/未注明")] == (2, 10_00, 10_00)
    assert cells[("seller", "field", date(2025, 7, 1), "530100", "农业")] == (1, 9_00, 9_00)
    assert rollup.verify()


def test_install_is_idempotent_and_made_by_create_app(ctx):
    rollup.install()  # create_app already did; a second call must not count contracts twice
    add_contract("530100", "510100", date(2025, 4, 1), 3_00)
    db.session.commit()
    assert rollup.stored_totals()[("seller", date(2025, 4, 1), "530100")] == (1, 3_00, 3_00)
