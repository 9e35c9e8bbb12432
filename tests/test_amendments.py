"""变更登记 through the pages and the API: nothing moves until approved, then everything the application named."""
import re
from datetime import date

import pytest
from sqlalchemy import select

from marketplace.stats import rollup
from models import AmendmentStatus, Contract, ContractAmendment, db
from tests.api_helpers import bearer
from marketplace.api.tokens import create_token
from tests.contract_helpers import draft, officials, parties, register_path
from tests.factories import make_user

REGISTERED_ON = date(2026, 6, 11)


@pytest.fixture
def world(app):
    with app.app_context():
        seller, buyer = parties()
        seller_user = make_user("seller_user", "institute", seller)
        buyer_user = make_user("buyer_user", "enterprise", buyer)
        official_a, official_b, official_cd = officials()
        contract = draft(seller, buyer, seller_user, amount_fen=1_000_000_00, deductions={"equipment": 50_000_00})
        register_path(contract, seller_user, official_a, on=REGISTERED_ON)
        tokens = {user.username: create_token(user, "测试") for user in (seller_user, buyer_user, official_a,
                                                                        official_b, official_cd)}
        db.session.commit()
        return {"id": contract.id, "tokens": tokens}


def form_for(**changes) -> dict:
    """The amendment form as the page fills it for the registered contract, with `changes`."""
    data = {"contract_type": "技术开发", "subtype": "委托开发", "title": "燃料电池催化剂委托开发",
            "tech_field": "新材料及其应用", "buyer_name": "云南某能源公司（测试）", "buyer_type": "企业",
            "buyer_region": "530300", "signed_on": "2026-03-02", "contract_amount": "1000000.00",
            "deduct_equipment": "50000.00", "reason": "双方签订补充协议"}
    data.update(changes)
    return data


def contract(cid: int) -> Contract:
    return db.session.get(Contract, cid)


def amendment_of(cid: int) -> ContractAmendment:
    return db.session.scalars(select(ContractAmendment).where(ContractAmendment.contract_id == cid)
                              .order_by(ContractAmendment.id.desc())).first()


def apply_on_page(client, auth, cid, who="seller_user", **changes):
    auth.login(who)
    response = client.post(f"/contracts/{cid}/amend", data=form_for(**changes))
    auth.logout()
    return response


def decide_on_page(client, auth, cid, aid, who, action, comment=""):
    auth.login(who)
    response = client.post(f"/contracts/{cid}/amendments/{aid}/action", data={"action": action, "comment": comment},
                           follow_redirects=True)
    auth.logout()
    return response


def test_the_amendment_page_is_prefilled_and_shows_region_names(client, auth, world):
    auth.login("seller_user")
    page = client.get(f"/contracts/{world['id']}/amend").get_data(as_text=True)
    assert 'value="燃料电池催化剂委托开发"' in page and 'value="1000000.00"' in page and 'value="50000.00"' in page
    detail = client.get(f"/contracts/{world['id']}").get_data(as_text=True)
    assert "云南省昆明市" in detail and "云南省玉溪市" not in detail and "（高等院校，530100）" not in detail
    assert "扣除设备费用" in detail and "50,000.00元" in detail and "950,000.00元" in detail


def test_nothing_changes_until_approved_then_every_named_value_does(app, client, auth, world):
    cid = world["id"]
    response = apply_on_page(client, auth, cid, contract_amount="1200000.00", deduct_equipment="150000.50",
                             tech_field="电子信息", buyer_name="曲靖某新公司", buyer_region="530300", signed_on="2026-03-05")
    assert response.status_code == 302
    with app.app_context():
        unchanged = contract(cid)
        assert (unchanged.contract_amount_fen, unchanged.tech_field) == (1_000_000_00, "新材料及其应用")
        aid = amendment_of(cid).id
        assert rollup.stored_totals()[("seller", REGISTERED_ON, "530100")] == (1, 1_000_000_00, 950_000_00)
    page = decide_on_page(client, auth, cid, aid, "official_a", "approve").get_data(as_text=True)
    assert "已变更" in page
    with app.app_context():
        changed = contract(cid)
        assert changed.contract_amount_fen == 1_200_000_00
        assert changed.deduct_equipment_fen == 150_000_50
        assert changed.tech_amount_fen == 1_200_000_00 - 150_000_50
        assert (changed.tech_field, changed.buyer_name, changed.signed_on) == ("电子信息", "曲靖某新公司", date(2026, 3, 5))
        assert changed.status == "registered" and changed.registration_no
        event = changed.events[-1]
        assert event.action == "amend" and event.actor.username == "official_a"
        for part in ("双方签订补充协议", "合同成交额 1,000,000.00元→1,200,000.00元", "技术领域 新材料及其应用→电子信息",
                     "买方 云南某能源公司（测试）→曲靖某新公司", "签订日期 2026-03-02→2026-03-05"):
            assert part in event.comment
        assert rollup.verify()  # a recount equals the rollup
        assert rollup.stored_totals()[("seller", REGISTERED_ON, "530100")] == (1, 1_200_000_00, 1_049_999_50)


def test_the_statistics_follow_and_say_what_was_amended_or_cancelled(app, client, auth, world):
    cid = world["id"]
    apply_on_page(client, auth, cid, contract_amount="1200000.00")
    with app.app_context():
        aid = amendment_of(cid).id
    decide_on_page(client, auth, cid, aid, "official_a", "approve")
    field = client.get("/api/v1/stats/breakdown?region=530100&from=2026-01-01&to=2026-12-31&dim=type").json
    assert field["items"][0]["contract_amount"] == "1200000.00" and field["items"][0]["tech_amount"] == "1150000.00"
    page = client.get("/stats/?region=530100&from=2026-01-01&to=2026-12-31").get_data(as_text=True)
    assert "变更登记 1 份：合同成交额 +20.00万元，技术交易额 +20.00万元" in page
    assert "撤销登记 0 份" in page
    auth.login("official_a")
    client.post(f"/contracts/{cid}/action", data={"action": "cancel", "comment": "双方解除合同"})
    auth.logout()
    page = client.get("/stats/?region=530100&from=2026-01-01&to=2026-12-31").get_data(as_text=True)
    assert "撤销登记 1 份：合同成交额 −120.00万元，技术交易额 −115.00万元" in page
    with app.app_context():
        assert rollup.verify() and rollup.stored() == {}


def test_a_large_amendment_needs_a_second_official(app, client, auth, world):
    cid = world["id"]
    apply_on_page(client, auth, cid, contract_amount="6000000.00")  # 600 万元 after the change
    with app.app_context():
        aid = amendment_of(cid).id
    page = decide_on_page(client, auth, cid, aid, "official_a", "approve").get_data(as_text=True)
    assert "须经初审后由另一名登记人员复核" in page
    decide_on_page(client, auth, cid, aid, "official_a", "first_review")
    page = decide_on_page(client, auth, cid, aid, "official_a", "approve").get_data(as_text=True)
    assert "复核须由初审以外的人员完成" in page
    with app.app_context():
        assert contract(cid).contract_amount_fen == 1_000_000_00
        assert amendment_of(cid).status == AmendmentStatus.SECOND_REVIEW
    decide_on_page(client, auth, cid, aid, "official_b", "approve")
    with app.app_context():
        assert contract(cid).contract_amount_fen == 6_000_000_00
        assert [e.action for e in contract(cid).events][-3:] == ["amend_apply", "amend_review", "amend"]


def test_refusal_needs_a_reason_and_changes_nothing_withdrawal_too(app, client, auth, world):
    cid = world["id"]
    apply_on_page(client, auth, cid, title="新名称")
    with app.app_context():
        aid = amendment_of(cid).id
    page = decide_on_page(client, auth, cid, aid, "official_a", "refuse").get_data(as_text=True)
    assert "不予变更必须填写原因" in page
    decide_on_page(client, auth, cid, aid, "official_a", "refuse", "补充协议未盖章")
    with app.app_context():
        assert amendment_of(cid).status == AmendmentStatus.REFUSED and contract(cid).title == "燃料电池催化剂委托开发"
        assert contract(cid).events[-1].action == "amend_refuse" and "未盖章" in contract(cid).events[-1].comment
    apply_on_page(client, auth, cid, title="又一个名称")
    with app.app_context():
        aid = amendment_of(cid).id
    page = decide_on_page(client, auth, cid, aid, "official_cd", "approve")
    assert page.status_code == 404  # another region's official does not see it
    decide_on_page(client, auth, cid, aid, "seller_user", "withdraw")
    with app.app_context():
        assert amendment_of(cid).status == AmendmentStatus.WITHDRAWN and contract(cid).title == "燃料电池催化剂委托开发"


@pytest.mark.parametrize("changes, message", [
    ({"contract_amount": "NaN"}, "合同成交额"), ({"contract_amount": "1e6"}, "合同成交额"),
    ({"deduct_equipment": "2000000.00"}, "非技术性费用合计不能超过合同成交额"), ({"reason": ""}, "请填写变更理由"),
    ({"buyer_region": "999999"}, "请选择有效的买方地区"), ({}, "没有需要变更的项目"),
])
def test_bad_applications_are_refused_with_a_message_and_store_nothing(app, client, auth, world, changes, message):
    auth.login("seller_user")
    page = client.post(f"/contracts/{world['id']}/amend", data=form_for(**changes)).get_data(as_text=True)
    assert message in page
    with app.app_context():
        assert amendment_of(world["id"]) is None


def test_buyers_and_strangers_cannot_apply(client, auth, world):
    assert apply_on_page(client, auth, world["id"], who="buyer_user", title="x").status_code == 403
    assert apply_on_page(client, auth, world["id"], who="official_cd", title="x").status_code == 404


def test_a_bare_amend_step_is_refused_on_the_page_and_the_api(app, client, auth, world):
    cid = world["id"]
    auth.login("official_a")
    page = client.post(f"/contracts/{cid}/action", data={"action": "amend", "comment": "改"}, follow_redirects=True)
    assert "变更登记须提交变更申请" in page.get_data(as_text=True)
    assert "申请变更登记" in page.get_data(as_text=True)
    response = client.post(f"/api/v1/contracts/{cid}/actions", json={"action": "amend", "comment": "改"},
                           headers=bearer(world["tokens"]["official_a"]))
    assert response.status_code == 409 and "变更登记须提交变更申请" in response.json["error"]["message"]
    with app.app_context():
        assert [e.action for e in contract(cid).events][-1] == "register"


def test_the_api_applies_and_reviews(app, client, world):
    cid, seller, official = world["id"], bearer(world["tokens"]["seller_user"]), bearer(world["tokens"]["official_a"])
    refused = client.post(f"/api/v1/contracts/{cid}/amendments", json={"seller_name": "别的单位", "reason": "x"},
                          headers=seller)
    assert refused.status_code == 422 and "卖方不能变更" in refused.json["error"]["message"]
    bad = client.post(f"/api/v1/contracts/{cid}/amendments",
                      json={"contract_amount": "-5", "reason": "x"}, headers=seller)
    assert bad.status_code == 422
    applied = client.post(f"/api/v1/contracts/{cid}/amendments",
                          json={"deductions": {"parts": "1000.01"}, "reason": "补充发票"}, headers=seller)
    assert applied.status_code == 201
    amendment = applied.json["amendments"][-1]
    assert amendment["status"] == "pending"
    assert {"field": "deduct_parts", "before": "0.00", "after": "1000.01"} in amendment["changes"]
    assert applied.json["tech_amount"] == "950000.00"  # not yet
    again = client.post(f"/api/v1/contracts/{cid}/amendments", json={"title": "再改", "reason": "y"}, headers=seller)
    assert again.status_code == 409
    url = f"/api/v1/contracts/{cid}/amendments/{amendment['id']}/actions"
    assert client.post(url, json={"action": "approve"}, headers=seller).status_code == 403
    done = client.post(url, json={"action": "approve"}, headers=official)
    assert done.status_code == 200 and done.json["status"] == "approved"
    now = client.get(f"/api/v1/contracts/{cid}", headers=official).json
    assert now["tech_amount"] == "948999.99" and now["deductions"]["parts"] == "1000.01"
    assert now["events"][-1]["action"] == "amend"
    with app.app_context():
        assert rollup.verify()


def test_history_lists_each_step_with_who_and_why(client, auth, world):
    apply_on_page(client, auth, world["id"], title="新名称")
    auth.login("official_a")
    page = client.get(f"/contracts/{world['id']}").get_data(as_text=True)
    assert "申请变更登记" in page and "项目名称" in page and "新名称" in page and "准予变更登记" in page
    assert re.search(r"申请变更登记</strong>.*?双方签订补充协议", page, re.S)
