"""Year-end close: the year's registrations are refused, amendments need an admin, the figures are frozen."""
import csv
from datetime import date

import pytest
from sqlalchemy import func, select

from marketplace.contracts import services
from marketplace.contracts.importer import CONTRACT_COLUMNS, ContractImportFailed, import_contracts_file
from marketplace.errors import DomainError
from models import Contract, ContractAmendment, User, YearClose, db
from tests.contract_helpers import draft, officials, parties, register_path
from tests.factories import make_user


@pytest.fixture
def world(app):
    with app.app_context():
        seller, buyer = parties()
        seller_user = make_user("seller_user", "institute", seller)
        official_a, _, _ = officials()
        make_user("root", "admin")
        registered = draft(seller, buyer, seller_user, amount_fen=1_000_000_00)
        register_path(registered, seller_user, official_a, on=date(2025, 6, 11))
        pending = draft(seller, buyer, seller_user, title="年底申报的合同")
        services.transition(pending, "file", seller_user, on=date(2025, 12, 29))
        services.transition(pending, "accept", official_a, on=date(2025, 12, 29))
        db.session.commit()
        return {"registered": registered.id, "pending": pending.id}


def close(client, auth, who="official_a", region="530100", year="2025"):
    auth.login(who)
    response = client.post("/contracts/office/years", data={"region": region, "year": year}, follow_redirects=True)
    auth.logout()
    return response


def closes() -> list[YearClose]:
    return db.session.scalars(select(YearClose)).all()


def test_an_official_closes_a_past_year_of_the_bureau_and_the_figures_are_frozen(app, client, auth, world):
    page = close(client, auth).get_data(as_text=True)
    assert "云南省昆明市 2025 年度已结账，登记 1 份合同的数字已冻结" in page
    with app.app_context():
        (frozen,) = closes()
        assert (frozen.region_code, frozen.year, frozen.contracts, frozen.contract_amount_fen) == (
            "530100", 2025, 1, 1_000_000_00)
    assert "2025 年度已经结账" in close(client, auth).get_data(as_text=True)
    with app.app_context():
        assert len(closes()) == 1


@pytest.mark.parametrize("who, region, year, message", [
    ("official_a", "530100", "2026", "只能对已结束的年度结账"),
    ("official_a", "510100", "2025", "您无权为该地区结账"),  # a forged region outside the bureau's
    ("official_a", "530100", "20x5", "年度应为四位数字"),
    ("official_a", "999999", "2025", "请选择有效的地区"),
])
def test_refused_closes_store_nothing(app, client, auth, world, who, region, year, message):
    assert message in close(client, auth, who, region, year).get_data(as_text=True)
    with app.app_context():
        assert closes() == []


def test_only_officials_and_admins_close_years(client, auth, world):
    auth.login("seller_user")
    assert client.get("/contracts/office/years").status_code == 403
    assert client.post("/contracts/office/years", data={"region": "530100", "year": "2025"}).status_code == 403


def test_registrations_dated_in_a_closed_year_are_refused(app, client, auth, world, tmp_path):
    close(client, auth)
    with app.app_context():
        pending = db.session.get(Contract, world["pending"])
        official = db.session.scalar(select(User).where(User.username == "official_a"))
        with pytest.raises(DomainError, match="2025 年度已于 .* 结账，不能再登记该年度的合同"):
            services.transition(pending, "register", official, on=date(2025, 12, 30))
        db.session.rollback()
        path = tmp_path / "late.csv"
        with open(path, "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(CONTRACT_COLUMNS)
            writer.writerow(["LATE-1", "技术服务", "补登的合同", "某公司", "企业", "530100", "买方", "企业", "530300",
                             "100.00", "100.00", "2025-03-01", "2025-12-31", "农业"])
        with pytest.raises(ContractImportFailed) as failed:
            import_contracts_file(str(path))
        assert "第 2 行：2025 年度已结账" in failed.value.problems[0]
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(Contract)) == 2


def test_amendments_of_a_closed_year_are_decided_by_an_admin(app, client, auth, world):
    close(client, auth)
    cid = world["registered"]
    auth.login("seller_user")
    client.post(f"/contracts/{cid}/amend", data={
        "contract_type": "技术开发", "subtype": "委托开发", "title": "燃料电池催化剂委托开发", "tech_field": "新材料及其应用",
        "buyer_name": "云南某能源公司（测试）", "buyer_type": "企业", "buyer_region": "530300", "signed_on": "2026-03-02",
        "contract_amount": "1500000.00", "reason": "补充协议增加金额"})
    auth.logout()
    with app.app_context():
        aid = db.session.scalar(select(ContractAmendment.id))
    auth.login("official_a")
    detail = client.get(f"/contracts/{cid}").get_data(as_text=True)
    assert "准予变更登记" not in detail  # the registrar no longer decides
    page = client.post(f"/contracts/{cid}/amendments/{aid}/action", data={"action": "approve"}, follow_redirects=True)
    assert "您无权执行该操作" in page.get_data(as_text=True)
    auth.logout()
    auth.login("root")
    waiting = client.get("/contracts/office/amendments").get_data(as_text=True)
    assert "燃料电池催化剂委托开发" in waiting and "1,000,000.00元" in waiting and "1,500,000.00元" in waiting
    done = client.post(f"/contracts/{cid}/amendments/{aid}/action", data={"action": "approve"}, follow_redirects=True)
    assert "已变更" in done.get_data(as_text=True) and "没有待审批的申请" in done.get_data(as_text=True)
    auth.logout()
    with app.app_context():
        assert db.session.get(Contract, cid).contract_amount_fen == 1_500_000_00
    # The bulletin of the closed year quotes the frozen figures; the live tables show the amendment.
    query = "region=530100&from=2025-01-01&to=2025-12-31"
    bulletin = client.get(f"/api/v1/stats/bulletin?{query}").json["text"]
    assert "合同成交额100.00万元" in bulletin
    live = client.get("/api/v1/stats/regions?parent=530000&from=2025-01-01&to=2025-12-31").json
    assert next(i for i in live["items"] if i["code"] == "530100")["contract_amount"] == "1500000.00"
    page = client.get(f"/stats/?{query}").get_data(as_text=True)
    assert "2025 年度已于" in page and "结账时冻结的数字：登记 1 份，合同成交额 100.00万元" in page
    auth.login("official_a")
    years = client.get("/contracts/office/years").get_data(as_text=True)
    assert "100.00万元" in years and "150.00万元" in years


def test_a_closed_years_registration_is_cancelled_by_an_admin_not_the_registrar(app, client, auth, world):
    cid = world["registered"]
    auth.login("root")
    assert client.get(f"/contracts/{cid}").status_code == 404  # the year is open: the registrar's business
    auth.logout()
    close(client, auth)
    auth.login("official_a")
    page = client.post(f"/contracts/{cid}/action", data={"action": "cancel", "comment": "合同解除"},
                       follow_redirects=True).get_data(as_text=True)
    assert "撤销登记须由平台管理员办理" in page
    auth.logout()
    with app.app_context():
        assert db.session.get(Contract, cid).status == "registered"
    auth.login("root")
    detail = client.get(f"/contracts/{cid}").get_data(as_text=True)
    assert 'value="cancel"' in detail and 'value="register"' not in detail
    client.post(f"/contracts/{cid}/action", data={"action": "cancel", "comment": "合同解除"})
    with app.app_context():
        cancelled = db.session.get(Contract, cid)
        assert cancelled.status == "cancelled" and cancelled.events[-1].actor.username == "root"
    assert client.get(f"/contracts/{world['pending']}").status_code == 404  # not registered: not the admins'
