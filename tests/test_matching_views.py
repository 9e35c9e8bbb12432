"""Pipeline pages and the matches API: access by role, private notes, board, contract hand-over."""
import pytest
from sqlalchemy import select

from marketplace.cli import create_token
from marketplace.matching import services
from models import Contract, Match, MatchStatus, db
from tests import factories as f


@pytest.fixture
def app_config(tmp_path):
    return {"SEARCH_CATCH_UP_SECONDS": 0, "SEARCH_DICT_FILE": str(tmp_path / "dict" / "search_dict.txt")}


@pytest.fixture
def data(app):
    with app.app_context():
        buyer = f.make_org(name="昆明氢能汽车有限公司", org_type="企业")
        seller = f.make_org(name="昆明催化研究所", org_type="科研机构")
        users = {
            "broker": f.make_user("broker", "broker"), "other_broker": f.make_user("broker2", "broker"),
            "need_owner": f.make_user("buyer", "enterprise", buyer), "result_owner": f.make_user("seller", "institute", seller),
            "stranger": f.make_user("stranger", "enterprise"), "official": f.make_user("official", "official"),
        }
        need = f.make_need(buyer, title="燃料电池催化剂需求", keywords="燃料电池;催化剂", field="新材料及其应用")
        result = f.make_result(seller)
        other_result = f.make_result(seller, title="质子交换膜燃料电池电堆", keywords="燃料电池;电堆")
        db.session.commit()
        match = services.propose(users["broker"], need, result, "推荐")
        services.set_notes(match, users["broker"], "机密：买方底价 800 万")
        ids = {k: u.id for k, u in users.items()}
        ids.update(need=need.id, result=result.id, other_result=other_result.id, match=match.id,
                   tokens={k: create_token(u) for k, u in users.items()})
        db.session.commit()
    return ids


@pytest.mark.parametrize("who,status", [
    ("broker", 200), ("buyer", 200), ("seller", 200), ("official", 200), ("broker2", 404), ("stranger", 404),
])
def test_match_page_access(client, auth, data, who, status):
    auth.login(who)
    assert client.get(f"/matching/{data['match']}").status_code == status


def test_match_page_needs_login(client, data):
    response = client.get(f"/matching/{data['match']}")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


@pytest.mark.parametrize("who,sees", [("broker", True), ("broker2", False), ("buyer", False), ("seller", False),
                                      ("official", False)])
def test_private_notes_only_for_their_broker(client, auth, data, who, sees):
    auth.login(who)
    response = client.get(f"/matching/{data['match']}")
    assert ("买方底价" in response.get_data(as_text=True)) is sees


def test_other_broker_cannot_write_notes(client, auth, data, app):
    auth.login("broker2")
    assert client.post(f"/matching/{data['match']}/notes", data={"notes": "x"}).status_code == 404
    with app.app_context():
        assert db.session.get(Match, data["match"]).broker_notes.startswith("机密")


def test_accept_through_the_page_and_board(client, auth, data, app):
    auth.login("buyer")
    client.post(f"/matching/{data['match']}/action", data={"action": "accept"})
    auth.logout()
    auth.login("seller")
    response = client.post(f"/matching/{data['match']}/action", data={"action": "accept"}, follow_redirects=True)
    assert "已对接" in response.get_data(as_text=True)
    auth.logout()
    auth.login("broker")
    board = client.get("/matching/board").get_data(as_text=True)
    assert 'data-status="introduced"' in board and "燃料电池催化剂需求" in board


def test_bad_action_input_is_refused_cleanly(client, auth, data, app):
    auth.login("buyer")
    for payload in ({"action": "sign"}, {"action": "nonsense"}, {"action": "decline", "note": ""}, {}):
        response = client.post(f"/matching/{data['match']}/action", data=payload, follow_redirects=True)
        assert response.status_code == 200
    with app.app_context():
        assert db.session.get(Match, data["match"]).status == MatchStatus.PROPOSED


@pytest.mark.parametrize("who,status", [("broker", 200), ("official", 200), ("buyer", 200), ("seller", 404),
                                        ("stranger", 404)])
def test_suggestion_page_access(client, auth, data, who, status):
    auth.login(who)
    assert client.get(f"/matching/needs/{data['need']}/suggestions").status_code == status


def test_broker_proposes_from_suggestions(client, auth, data, app):
    auth.login("broker")
    page = client.get(f"/matching/needs/{data['need']}/suggestions").get_data(as_text=True)
    assert "质子交换膜燃料电池电堆" in page and "推荐对接" in page
    response = client.post("/matching/propose", data={"need_id": data["need"], "result_id": data["other_result"],
                                                      "pitch": "同为燃料电池方向"})
    assert response.status_code == 302
    with app.app_context():
        match = db.session.scalar(select(Match).where(Match.result_id == data["other_result"]))
        assert match.broker_id == data["broker"] and match.score and "关键词" in match.reasons


@pytest.mark.parametrize("payload", [{"need_id": "abc", "result_id": "1"}, {"need_id": "", "result_id": ""},
                                     {"need_id": "99999", "result_id": "1"}, {"need_id": "-1", "result_id": "1"}])
def test_propose_rejects_bad_ids(client, auth, data, app, payload):
    auth.login("broker")
    response = client.post("/matching/propose", data=payload)
    assert response.status_code in (302, 404)
    with app.app_context():
        assert len(db.session.scalars(select(Match)).all()) == 1


def test_enterprise_cannot_propose(client, auth, data):
    auth.login("buyer")
    response = client.post("/matching/propose", data={"need_id": data["need"], "result_id": data["other_result"]})
    assert response.status_code == 403


def test_signed_match_hands_over_to_contract_registration(client, auth, data, app):
    with app.app_context():
        match = db.session.get(Match, data["match"])
        match.status = MatchStatus.SIGNED
        db.session.commit()
    auth.login("seller")
    bad = client.post(f"/matching/{data['match']}/contract",
                      data={"contract_type": "技术转让", "amount_wan": "-5", "signed_on": "2026-01-05"},
                      follow_redirects=True)
    assert "负数" in bad.get_data(as_text=True)
    response = client.post(f"/matching/{data['match']}/contract",
                           data={"contract_type": "技术转让", "amount_wan": "450.5", "signed_on": "2026-01-05"})
    with app.app_context():
        contract = db.session.scalar(select(Contract).where(Contract.match_id == data["match"]))
        assert contract.contract_amount_fen == 450_500_000 and contract.broker_id == data["broker"]
    assert response.headers["Location"].endswith(f"/contracts/{contract.id}")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "昆明催化研究所" in page and "昆明氢能汽车有限公司" in page
    detail = client.get(f"/matching/{data['match']}").get_data(as_text=True)
    assert "已生成合同" in detail and "生成并前往合同登记" not in detail


def test_api_matches_best_first_with_reasons(client, data):
    headers = {"Authorization": f"Bearer {data['tokens']['broker']}"}
    body = client.get(f"/api/v1/needs/{data['need']}/matches?limit=5", headers=headers).json
    items = body["items"]
    assert items and set(items[0]) == {"result_id", "title", "score", "reasons"}
    assert [i["score"] for i in items] == sorted((i["score"] for i in items), reverse=True)
    assert any(r.startswith("同属") for r in items[0]["reasons"])


@pytest.mark.parametrize("who,status", [("broker", 200), ("official", 200), ("need_owner", 200),
                                        ("result_owner", 403), ("stranger", 403)])
def test_api_matches_who(client, data, who, status):
    headers = {"Authorization": f"Bearer {data['tokens'][who]}"}
    assert client.get(f"/api/v1/needs/{data['need']}/matches", headers=headers).status_code == status


@pytest.mark.parametrize("query,status", [("?limit=0", 400), ("?limit=abc", 400), ("?limit=51", 400),
                                          ("?limit=1", 200)])
def test_api_matches_limit(client, data, query, status):
    headers = {"Authorization": f"Bearer {data['tokens']['broker']}"}
    response = client.get(f"/api/v1/needs/{data['need']}/matches{query}", headers=headers)
    assert response.status_code == status
    if status == 400:
        assert response.json["error"]["code"] == "bad_limit"
    else:
        assert len(response.json["items"]) == 1


def test_api_matches_needs_a_token_and_an_existing_need(client, data):
    assert client.get(f"/api/v1/needs/{data['need']}/matches").status_code == 401
    headers = {"Authorization": f"Bearer {data['tokens']['broker']}"}
    assert client.get("/api/v1/needs/999999/matches", headers=headers).json["error"]["code"] == "not_found"


def test_institute_answers_a_need_from_its_result_page(client, auth, data, app):
    auth.login("seller")
    page = client.get(f"/matching/results/{data['other_result']}/suggestions").get_data(as_text=True)
    assert "燃料电池催化剂需求" in page and "直接响应" in page
    refused = client.post("/matching/answer", data={"need_id": data["need"], "result_id": data["other_result"],
                                                    "pitch": ""}, follow_redirects=True)
    assert "请填写响应说明" in refused.get_data(as_text=True)
    response = client.post("/matching/answer", data={"need_id": data["need"], "result_id": data["other_result"],
                                                     "pitch": "我所电堆可直接适配"})
    assert response.status_code == 302
    with app.app_context():
        match = db.session.scalar(select(Match).where(Match.result_id == data["other_result"]))
        assert match.broker_id is None and match.result_accepted_at is not None


@pytest.mark.parametrize("who,status", [("seller", 200), ("broker", 200), ("buyer", 404), ("stranger", 404)])
def test_result_suggestions_access(client, auth, data, who, status):
    auth.login(who)
    assert client.get(f"/matching/results/{data['result']}/suggestions").status_code == status


def test_my_matches_page_lists_both_sides(client, auth, data):
    for username in ("buyer", "seller"):
        auth.login(username)
        page = client.get("/matching/mine").get_data(as_text=True)
        assert "燃料电池催化剂需求" in page and "已推荐" in page
        auth.logout()
    auth.login("broker")
    assert client.get("/matching/mine").status_code == 403


def test_navbar_entries_by_role(client, auth, data):
    assert "经纪人" in client.get("/").get_data(as_text=True)
    auth.login("broker")
    page = client.get("/").get_data(as_text=True)
    assert "对接看板" in page and "我的对接" not in page
    auth.logout()
    auth.login("buyer")
    page = client.get("/").get_data(as_text=True)
    assert "我的对接" in page and "对接看板" not in page and 'id="nav-inbox"' in page


def test_board_shows_only_my_matches(client, auth, data):
    auth.login("broker2")
    board = client.get("/matching/board").get_data(as_text=True)
    assert 'data-status="proposed"' in board
    assert f'href="/matching/{data["match"]}"' not in board
    auth.logout()
    auth.login("broker")
    assert f'href="/matching/{data["match"]}"' in client.get("/matching/board").get_data(as_text=True)
