"""Contracts: no hand-over by idempotency key, the broker's mandate, attachments while editable, private drafts."""
import io
from datetime import date

import pytest
from sqlalchemy import func, select

from marketplace.contracts import services
from marketplace.contracts.workflow import ContractError
from marketplace.matching import services as matching
from marketplace.matching.workflow import MatchError
from models import Contract, ContractAttachment, ContractEvent, ContractStatus, Match, MatchStatus, User, db
from tests.api_helpers import CONTRACT_BODY, auth_for, build_world
from tests.contract_helpers import BASE_DATA, draft, officials, parties, register_path
from tests.factories import make_need, make_org, make_result, make_user

PDF = b"%PDF-1.4 signed"
FORM = {
    "contract_type": "技术转让", "subtype": "", "title": "三七总皂苷提取工艺转让", "tech_field": "生物医药和医疗器械",
    "seller_name": "昆明理工大学（测试）", "buyer_name": "云南某能源公司（测试）", "buyer_type": "企业",
    "buyer_region": "530300", "signed_on": "2026-03-02", "contract_amount": "3501000.50",
}


def user(name: str) -> User:
    return db.session.scalar(select(User).where(User.username == name))


@pytest.fixture
def world(app):
    """A seller with a member, a buyer, two brokers of other agencies, officials; broker_a's draft for the seller."""
    with app.app_context():
        seller, buyer = parties()
        make_user("seller_user", "institute", seller)
        make_user("buyer_user", "enterprise", buyer)
        agency = make_org("昆明某技术转移中心（测试）", "企业", "530100")
        broker_a = make_user("broker_a", "broker", agency)
        make_user("broker_b", "broker", make_org("另一技术转移中心（测试）", "企业", "530100"))
        officials()
        contract = services.create_contract(seller, buyer, broker_a, dict(BASE_DATA), 1_000_000_00, {},
                                            idempotency_key="demo-contract-00001", broker=broker_a)
        ids = {"seller": seller.id, "buyer": buyer.id, "contract": contract.id}
        db.session.commit()
    return ids


def user_id(app, name: str) -> int:
    with app.app_context():
        return user(name).id


def count_contracts() -> int:
    return db.session.scalar(select(func.count()).select_from(Contract))


def actions_of(contract_id: int) -> list[str]:
    return list(db.session.scalars(select(ContractEvent.action).where(ContractEvent.contract_id == contract_id)
                                   .order_by(ContractEvent.id)))


def signed_match(seller, buyer, broker, status=MatchStatus.SIGNED) -> Match:
    result = make_result(seller, title="燃料电池催化剂")
    need = make_need(buyer, title="催化剂需求")
    match = Match(need_id=need.id, result_id=result.id, broker_id=broker.id if broker else None,
                  created_by_id=broker.id if broker else None, status=status)
    db.session.add(match)
    db.session.flush()
    return match


# 1. The idempotency key never hands over someone else's contract.

def test_another_broker_reusing_a_key_gets_a_conflict_not_the_contract(app):
    with app.app_context():
        seller, buyer = parties()
        broker_a = make_user("broker_a", "broker", seller)
        broker_b = make_user("broker_b", "broker")
        first = services.create_contract(seller, buyer, broker_a, dict(BASE_DATA), 1_000_00, {},
                                         idempotency_key="demo-contract-00007", broker=broker_a)
        with pytest.raises(ContractError) as refused:
            services.create_contract(seller, buyer, broker_b, dict(BASE_DATA), 1_000_00, {},
                                     idempotency_key="demo-contract-00007", broker=broker_b)
        assert refused.value.status == 409 and refused.value.code == "idempotency_key_reused"
        assert first.broker_id == broker_a.id and first.created_by_id == broker_a.id
        # The same user retrying gets the first contract back.
        again = services.create_contract(seller, buyer, broker_a, dict(BASE_DATA), 1_000_00, {},
                                         idempotency_key="demo-contract-00007", broker=broker_a)
        assert again is first


def test_a_colleague_of_the_seller_reusing_a_key_is_a_conflict_too(app):
    with app.app_context():
        seller, buyer = parties()
        author, colleague = make_user("author", "institute", seller), make_user("colleague", "institute", seller)
        draft(seller, buyer, author, key="order-1")
        with pytest.raises(ContractError, match="幂等键"):
            draft(seller, buyer, colleague, key="order-1")


def test_the_page_refuses_a_key_of_another_partys_contract(app, client, auth, world):
    auth.login("broker_b")
    with app.app_context():
        before = count_contracts()
    response = client.post("/contracts/new", data={**FORM, "idempotency_key": "demo-contract-00001"})
    assert response.status_code == 200 and "Location" not in response.headers
    assert "该幂等键已用于另一份合同申报" in response.get_data(as_text=True)
    with app.app_context():
        contract = db.session.get(Contract, world["contract"])
        assert count_contracts() == before and contract.broker_id == user("broker_a").id
    assert client.get(f"/contracts/{world['contract']}").status_code == 404


def test_the_page_refuses_keys_reserved_for_matches(app, client, auth, world):
    auth.login("broker_a")
    response = client.post("/contracts/new", data={**FORM, "idempotency_key": "match-1"})
    assert response.status_code == 200 and "系统保留" in response.get_data(as_text=True)


def test_the_api_answers_409_for_another_users_key(app, client):
    world = build_world(app)
    first = client.post("/api/v1/contracts", json={**CONTRACT_BODY, "idempotency_key": "order-9"},
                        headers=auth_for(world, "inst"))
    again = client.post("/api/v1/contracts", json={**CONTRACT_BODY, "seller_name": "四川某研究院（测试）",
                                                    "idempotency_key": "order-9"}, headers=auth_for(world, "broker"))
    assert first.status_code == 201 and again.status_code == 409
    assert again.json["error"]["code"] == "idempotency_key_reused" and "id" not in again.json


def test_open_contract_does_not_hand_over_a_contract_filed_under_the_matchs_key(app):
    with app.app_context():
        seller, buyer = parties()
        broker = make_user("broker", "broker")
        match = signed_match(seller, buyer, broker)
        squatter = make_user("squatter", "broker")
        other_seller = make_org("别的单位（测试）")
        with pytest.raises(ContractError, match="系统保留"):  # nobody files under a match's key any more
            services.create_contract(other_seller, None, squatter, dict(BASE_DATA), 1_00, {},
                                     idempotency_key=f"match-{match.id}", broker=squatter,
                                     buyer_details={"name": "某公司", "type": "企业", "region": "530100"})
        taken = services.create_contract(other_seller, None, squatter, dict(BASE_DATA), 1_00, {},
                                         idempotency_key="squatted", broker=squatter,
                                         buyer_details={"name": "某公司", "type": "企业", "region": "530100"})
        taken.idempotency_key = f"match-{match.id}"  # as a contract filed before keys were checked would hold it
        db.session.flush()
        with pytest.raises(MatchError) as refused:
            matching.open_contract(match, broker, "技术转让", 1_000_00, date(2026, 3, 2))
        assert refused.value.status == 409
        assert taken.broker_id == squatter.id and taken.match_id is None


def test_a_draft_opened_from_a_match_can_still_be_edited(app, client, auth):
    with app.app_context():
        seller, buyer = parties()
        broker = make_user("broker", "broker")
        match = signed_match(seller, buyer, broker)
        contract_id = matching.open_contract(match, broker, "技术转让", 1_000_00, date(2026, 3, 2)).id
        key = f"match-{match.id}"
        db.session.commit()
    auth.login("broker")
    response = client.post(f"/contracts/{contract_id}/edit", data={**FORM, "idempotency_key": key, "title": "改名"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Contract, contract_id).title == "改名"


def test_open_contract_twice_by_the_parties_gives_one_draft(app):
    with app.app_context():
        seller, buyer = parties()
        broker = make_user("broker", "broker")
        seller_user = make_user("seller_user", "institute", seller)
        match = signed_match(seller, buyer, broker)
        first = matching.open_contract(match, broker, "技术转让", 1_000_00, date(2026, 3, 2))
        assert matching.open_contract(match, seller_user, "技术转让", 1_000_00, date(2026, 3, 2)) is first
        assert first.broker_id == broker.id


# 2. A broker files for a seller only with a mandate or the seller's confirmation.

def test_a_broker_without_mandate_cannot_file_until_the_seller_confirms(app, world):
    with app.app_context():
        contract = db.session.get(Contract, world["contract"])
        broker_a, seller_user = user("broker_a"), user("seller_user")
        assert services.needs_seller_confirmation(contract)
        with pytest.raises(ContractError, match="卖方单位成员确认"):
            services.transition(contract, "file", broker_a)
        assert contract.status == ContractStatus.DRAFT
        with pytest.raises(ContractError, match="无权"):
            services.transition(contract, "confirm", broker_a)
        with pytest.raises(ContractError, match="无权"):
            services.transition(contract, "confirm", user("buyer_user"))
        services.transition(contract, "confirm", seller_user)
        assert contract.seller_confirmed_by_id == seller_user.id and contract.seller_confirmed_at is not None
        with pytest.raises(ContractError, match="无需"):
            services.transition(contract, "confirm", seller_user)
        services.transition(contract, "file", broker_a)
        assert contract.status == ContractStatus.FILED
        assert actions_of(contract.id) == ["create", "confirm", "file"]


def test_a_broker_edit_after_confirmation_needs_confirming_again(app, world):
    with app.app_context():
        contract = db.session.get(Contract, world["contract"])
        services.transition(contract, "confirm", user("seller_user"))
        services.update_draft(contract, user("broker_a"), {"title": "改过的标题"}, 2_000_000_00, {})
        assert contract.seller_confirmed_at is None and services.needs_seller_confirmation(contract)
        with pytest.raises(ContractError, match="卖方单位成员确认"):
            services.transition(contract, "file", user("broker_a"))


def test_the_seller_member_may_file_the_brokers_draft_itself(app, world):
    with app.app_context():
        contract = db.session.get(Contract, world["contract"])
        services.transition(contract, "file", user("seller_user"))
        assert contract.status == ContractStatus.FILED


@pytest.mark.parametrize("mandate", ["own_organisation", "accepted_match"])
def test_a_broker_with_a_mandate_files_directly(app, mandate):
    with app.app_context():
        seller, buyer = parties()
        broker = make_user("broker", "broker", seller if mandate == "own_organisation" else None)
        if mandate == "accepted_match":
            signed_match(seller, buyer, broker, status=MatchStatus.INTRODUCED)
        contract = services.create_contract(seller, buyer, broker, dict(BASE_DATA), 1_000_00, {}, broker=broker)
        assert not services.needs_seller_confirmation(contract)
        services.transition(contract, "file", broker)
        assert contract.status == ContractStatus.FILED


def test_a_match_the_seller_never_accepted_is_no_mandate(app):
    with app.app_context():
        seller, buyer = parties()
        broker = make_user("broker", "broker")
        signed_match(seller, buyer, broker, status=MatchStatus.PROPOSED)
        contract = services.create_contract(seller, buyer, broker, dict(BASE_DATA), 1_000_00, {}, broker=broker)
        assert services.needs_seller_confirmation(contract)


def test_the_page_shows_the_confirmation_and_the_seller_confirms(app, client, auth, world):
    auth.login("broker_a")
    page = client.get(f"/contracts/{world['contract']}").get_data(as_text=True)
    assert "待卖方单位成员确认" in page and 'value="confirm"' not in page
    refused = client.post(f"/contracts/{world['contract']}/action", data={"action": "file"}, follow_redirects=True)
    assert "须由卖方单位成员确认" in refused.get_data(as_text=True)
    auth.logout()
    auth.login("seller_user")
    page = client.get(f"/contracts/{world['contract']}").get_data(as_text=True)
    assert 'value="confirm"' in page and "卖方确认草稿" in page
    client.post(f"/contracts/{world['contract']}/action", data={"action": "confirm"})
    page = client.get(f"/contracts/{world['contract']}").get_data(as_text=True)
    assert "确认" in page and 'value="confirm"' not in page
    with app.app_context():
        assert actions_of(world["contract"]) == ["create", "confirm"]


def test_the_api_refuses_to_submit_a_draft_without_mandate_and_stores_nothing(app, client):
    world = build_world(app)
    with app.app_context():
        before = count_contracts()
    response = client.post("/api/v1/contracts", json={**CONTRACT_BODY, "seller_name": "四川某研究院（测试）",
                                                      "submit": True}, headers=auth_for(world, "broker"))
    assert response.status_code == 409 and "卖方单位成员确认" in response.json["error"]["message"]
    with app.app_context():
        assert count_contracts() == before


def test_the_seller_confirms_through_the_api(app, client):
    world = build_world(app)
    created = client.post("/api/v1/contracts", json={**CONTRACT_BODY, "seller_name": "四川某研究院（测试）"},
                          headers=auth_for(world, "broker")).json
    url = f"/api/v1/contracts/{created['id']}/actions"
    assert client.post(url, json={"action": "confirm"}, headers=auth_for(world, "broker")).status_code == 403
    assert client.post(url, json={"action": "confirm"}, headers=auth_for(world, "far")).status_code == 200
    filed = client.post(url, json={"action": "file"}, headers=auth_for(world, "broker"))
    assert filed.status_code == 200 and filed.json["status"] == "filed"


# 3. Attachments change only while the contract is editable, and every change is on the record.

def test_no_attachment_on_a_registered_or_cancelled_contract(app, world):
    with app.app_context():
        seller_user, official = user("seller_user"), user("official_a")
        contract = draft(db.session.get(type(seller_user.organisation), world["seller"]),
                         db.session.get(type(seller_user.organisation), world["buyer"]), seller_user)
        register_path(contract, seller_user, official)
        with pytest.raises(ContractError, match="草稿或补正"):
            services.attach_pdf(contract, seller_user, "late.pdf", PDF)
        services.transition(contract, "cancel", official, "重复登记")
        with pytest.raises(ContractError, match="草稿或补正"):
            services.attach_pdf(contract, seller_user, "late.pdf", PDF)
        assert contract.attachments == []


def test_upload_and_removal_are_recorded(app, client, auth, world):
    auth.login("seller_user")
    client.post(f"/contracts/{world['contract']}/attachments", data={"document": (io.BytesIO(PDF), "签署版.pdf")})
    with app.app_context():
        attachment_id = db.session.scalar(select(ContractAttachment.id))
    page = client.get(f"/contracts/{world['contract']}").get_data(as_text=True)
    assert "签署版.pdf" in page and f"/attachments/{attachment_id}/remove" in page
    auth.logout()
    auth.login("buyer_user")
    refused = client.post(f"/contracts/{world['contract']}/attachments/{attachment_id}/remove", follow_redirects=True)
    assert "无权" in refused.get_data(as_text=True)
    auth.logout()
    auth.login("broker_a")
    client.post(f"/contracts/{world['contract']}/attachments/{attachment_id}/remove")
    with app.app_context():
        assert db.session.get(ContractAttachment, attachment_id) is None
        events = db.session.scalars(select(ContractEvent).where(ContractEvent.contract_id == world["contract"])
                                    .order_by(ContractEvent.id)).all()
        assert [(e.action, e.actor.username, e.comment) for e in events[1:]] == [
            ("attach", "seller_user", "签署版.pdf"), ("detach", "broker_a", "签署版.pdf")]


def test_no_removal_once_filed(app, client, auth, world):
    with app.app_context():
        contract = db.session.get(Contract, world["contract"])
        attachment = services.attach_pdf(contract, user("seller_user"), "a.pdf", PDF)
        services.transition(contract, "file", user("seller_user"))
        attachment_id = attachment.id
        db.session.commit()
    auth.login("seller_user")
    page = client.get(f"/contracts/{world['contract']}").get_data(as_text=True)
    assert "/remove" not in page and "上传 PDF" not in page
    refused = client.post(f"/contracts/{world['contract']}/attachments/{attachment_id}/remove", follow_redirects=True)
    assert "草稿或补正" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(ContractAttachment, attachment_id) is not None


class TestWithCsrf:
    @pytest.fixture
    def app_config(self):
        return {"WTF_CSRF_ENABLED": True}

    def test_removal_needs_the_csrf_token(self, app, client, world):
        with app.app_context():
            attachment_id = services.attach_pdf(db.session.get(Contract, world["contract"]), user("seller_user"),
                                                "a.pdf", PDF).id
            db.session.commit()
        with client.session_transaction() as session:  # signed in without the log-in form (it needs a token too)
            session["_user_id"] = f"{user_id(app, 'seller_user')}:1"
            session["_fresh"] = True
        response = client.post(f"/contracts/{world['contract']}/attachments/{attachment_id}/remove")
        assert response.status_code == 400
        with app.app_context():
            assert db.session.get(ContractAttachment, attachment_id) is not None


# 4. A draft is private to its parties: the registrar sees a contract once it is filed.

def test_the_registrar_cannot_open_a_draft(app, client, auth, world):
    auth.login("official_a")
    assert client.get(f"/contracts/{world['contract']}").status_code == 404
    assert client.post(f"/contracts/{world['contract']}/action", data={"action": "accept"}).status_code == 404
    with app.app_context():
        services.transition(db.session.get(Contract, world["contract"]), "file", user("seller_user"))
        db.session.commit()
    assert client.get(f"/contracts/{world['contract']}").status_code == 200
    client.post(f"/contracts/{world['contract']}/action", data={"action": "return", "comment": "补充材料"})
    with app.app_context():
        assert db.session.get(Contract, world["contract"]).status == ContractStatus.CORRECTION
    assert client.get(f"/contracts/{world['contract']}").status_code == 200  # filed once: stays visible


def test_the_match_page_shows_its_draft_contract_to_the_parties_only(app, client, auth):
    with app.app_context():
        seller, buyer = parties()
        broker = make_user("broker", "broker")
        officials()
        match = signed_match(seller, buyer, broker)
        contract = matching.open_contract(match, broker, "技术转让", 1_000_00, date(2026, 3, 2))
        match_id, link = match.id, f"/contracts/{contract.id}"
        db.session.commit()
    auth.login("broker")
    assert link in client.get(f"/matching/{match_id}").get_data(as_text=True)
    auth.logout()
    auth.login("official_a")
    page = client.get(f"/matching/{match_id}")
    assert page.status_code == 200 and link not in page.get_data(as_text=True)


def test_the_api_hides_drafts_from_registrars(app, client):
    world = build_world(app)
    created = client.post("/api/v1/contracts", json=CONTRACT_BODY, headers=auth_for(world, "inst")).json
    official = auth_for(world, "official_km")
    assert client.get(f"/api/v1/contracts/{created['id']}", headers=official).status_code == 404
    assert client.get("/api/v1/contracts", headers=official).json["items"] == []
    client.post(f"/api/v1/contracts/{created['id']}/actions", json={"action": "file"}, headers=auth_for(world, "inst"))
    assert client.get(f"/api/v1/contracts/{created['id']}", headers=official).status_code == 200
