"""JSON API contracts: filing (idempotent), visibility, editing, the registration workflow."""
import pytest
from sqlalchemy import func, select

from models import Contract, ContractEvent, db
from tests.api_helpers import CONTRACT_BODY, auth_for, build_world


@pytest.fixture
def world(app):
    return build_world(app)


def count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Contract))


def history(app, contract_id: int) -> list[tuple]:
    with app.app_context():
        rows = db.session.scalars(select(ContractEvent).where(ContractEvent.contract_id == contract_id)
                                  .order_by(ContractEvent.id)).all()
        return [(e.action, e.from_status, e.to_status, e.actor.username if e.actor else None) for e in rows]


def file(client, world, who="inst", body=None, **headers):
    return client.post("/api/v1/contracts", json=CONTRACT_BODY if body is None else body,
                       headers={**auth_for(world, who), **headers})


def act(client, world, contract_id, who, action, **extra):
    return client.post(f"/api/v1/contracts/{contract_id}/actions", json={"action": action, **extra},
                       headers=auth_for(world, who))


def test_filing_creates_a_draft_of_the_seller_with_exact_amounts(app, client, world):
    response = file(client, world)
    assert response.status_code == 201, response.json
    body = response.json
    assert response.headers["Location"].endswith(f"/api/v1/contracts/{body['id']}")
    assert body["status"] == "draft" and body["seller"]["name"] == "昆明理工大学（测试）"
    assert body["seller"]["region_code"] == "530100" and body["buyer"]["registered"] is True
    assert body["contract_amount"] == "3501000.50" and body["tech_amount"] == "3500000.25"
    assert body["deductions"] == {"equipment": "1000.25", "instruments": "0.00", "parts": "0.00",
                                  "materials": "0.00", "other": "0.00"}
    assert [e["action"] for e in body["events"]] == ["create"]
    with app.app_context():
        stored = db.session.get(Contract, body["id"])
        assert (stored.contract_amount_fen, stored.tech_amount_fen) == (350_100_050, 350_000_025)


def test_a_retried_filing_returns_the_same_contract(app, client, world):
    before = count(app)
    first = file(client, world, **{"Idempotency-Key": "order-42"})
    second = file(client, world, **{"Idempotency-Key": "order-42"})
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json["id"] == second.json["id"] and count(app) == before + 1
    in_body = file(client, world, body={**CONTRACT_BODY, "idempotency_key": "order-42"})
    assert in_body.status_code == 200 and in_body.json["id"] == first.json["id"]
    # The key belongs to the user who used it first: nobody else gets that contract back.
    assert file(client, world, who="inst_mate", **{"Idempotency-Key": "order-42"}).status_code == 409
    assert file(client, world, who="broker", **{"Idempotency-Key": "order-42"}).status_code == 409
    assert count(app) == before + 1
    without_key = [file(client, world).json["id"] for _ in range(2)]
    assert without_key[0] != without_key[1]


@pytest.mark.parametrize("headers, body_key", [
    ({"Idempotency-Key": "x" * 65}, None), ({"Idempotency-Key": "有中文"}, None), ({}, 42),
    ({"Idempotency-Key": "a"}, "b"),
])
def test_bad_idempotency_keys_are_refused(app, client, world, headers, body_key):
    body = dict(CONTRACT_BODY) if body_key is None else {**CONTRACT_BODY, "idempotency_key": body_key}
    response = file(client, world, body=body, **headers)
    # A key the document refuses is a 422; two valid keys that differ (header and body) a 409 rule_conflict.
    assert response.status_code == (409 if body_key == "b" else 422)
    assert "idempotency_key" in response.json["error"]["fields"]
    assert count(app) == 0


def test_file_and_submit_in_one_call(app, client, world):
    body = file(client, world, body={**CONTRACT_BODY, "submit": True}).json
    assert body["status"] == "filed" and body["due_on"] and body["submitted_at"]
    assert history(app, body["id"]) == [("create", None, "draft", "inst"), ("file", "draft", "filed", "inst")]


def test_a_broker_files_for_a_named_seller(client, world):
    response = file(client, world, who="broker", body={**CONTRACT_BODY, "seller_name": "四川某研究院（测试）"})
    assert response.status_code == 201
    assert response.json["broker"] == "broker" and response.json["seller"]["name"] == "四川某研究院（测试）"
    missing = file(client, world, who="broker")
    assert missing.status_code == 409 and "卖方单位全称" in missing.json["error"]["message"]


@pytest.mark.parametrize("who, status", [
    (None, 401), ("official_km", 403), ("admin", 403), ("inst", 201), ("ent", 409), ("far", 201),
])
def test_who_may_file(client, world, who, status):
    # The enterprise is also the named buyer: seller and buyer may not be the same organisation.
    assert file(client, world, who=who).status_code == status


@pytest.mark.parametrize("change, field, message", [
    ({"contract_amount": "NaN"}, "contract_amount", "金额格式不正确"),
    ({"contract_amount": "1e9"}, "contract_amount", "金额格式不正确"),
    ({"contract_amount": "-5"}, "contract_amount", "负数"),
    ({"contract_amount": "1.001"}, "contract_amount", "2 位小数"),
    ({"contract_amount": "99999999999999"}, "contract_amount", "金额过大"),
    ({"contract_amount": "0"}, "contract_amount", "大于 0"),
    ({"contract_amount": 3501.5}, "contract_amount", "字符串"),
    ({"deductions": {"equipment": "abc"}}, "deductions.equipment", "金额格式不正确"),
    ({"deductions": {"yacht": "1.00"}}, "deductions.yacht", "未知字段"),
    ({"deductions": ["1.00"]}, "deductions", "对象"),
    ({"contract_type": "技术入股"}, "contract_type", "合同类型"),
    ({"buyer_region": "999999"}, "buyer_region", "买方地区"),
    ({"buyer_region": "53\u00000300"}, "buyer_region", "买方地区"),  # PostgreSQL refuses NUL in text
    ({"buyer_type": "外星人"}, "buyer_type", "买方类型"),
    ({"signed_on": "2026-02-30"}, "signed_on", "YYYY-MM-DD"),
    ({"signed_on": "2099-01-01"}, "signed_on", "晚于今天"),
    ({"title": "长" * 201}, "title", "200"),
    ({"title": None}, "title", "项目名称"),
    ({"tech_field": "玄学"}, "tech_field", "技术领域"),
    ({"status": "registered"}, "status", "未知字段"),
    ({"registration_no": "2026530100000001"}, "registration_no", "未知字段"),
])
def test_bad_filings_are_422_and_store_nothing(app, client, world, change, field, message):
    response = file(client, world, body={**CONTRACT_BODY, **change})
    assert response.status_code == 422
    fields = response.json["error"]["fields"]
    assert field in fields and message in " ".join(fields[field])
    assert count(app) == 0


@pytest.mark.parametrize("change, field, message", [
    ({"deductions": {"other": "99999999"}}, "deductions.other", "不能超过合同成交额"),
    ({"contract_type": "技术开发"}, "subtype", "委托开发或合作开发"),
    ({"subtype": "技术培训"}, "subtype", "没有此子类型"),
    ({"valid_from": "2026-05-01", "valid_until": "2026-04-01"}, "valid_until", "早于起始日"),
    ({"ip_types": ["无", "发明专利"]}, "ip_types", "不能与其他"),
])
def test_filings_valid_field_by_field_that_break_a_rule_are_409(app, client, world, change, field, message):
    """What the document cannot state (one field against another) is a 409 rule_conflict; nothing is stored."""
    response = file(client, world, body={**CONTRACT_BODY, **change})
    assert response.status_code == 409 and response.json["error"]["code"] == "rule_conflict"
    fields = response.json["error"]["fields"]
    assert field in fields and message in " ".join(fields[field])
    assert count(app) == 0


def test_a_duplicate_contract_number_is_a_conflict(app, client, world):
    assert file(client, world, body={**CONTRACT_BODY, "contract_no": "HT-2026-001"}).status_code == 201
    response = file(client, world, who="far", body={**CONTRACT_BODY, "contract_no": "HT-2026-001"})
    assert response.status_code == 409 and "合同编号已存在" in response.json["error"]["message"]
    assert count(app) == 1


@pytest.fixture
def filed(client, world):
    """A filed contract of the institute (seller, Kunming) with the enterprise as registered buyer."""
    return file(client, world, body={**CONTRACT_BODY, "submit": True}).json["id"]


@pytest.mark.parametrize("who, status", [
    ("inst", 200), ("inst_mate", 200), ("ent", 200), ("official_km", 200),
    ("official_cd", 404), ("far", 404), ("broker", 404), ("admin", 404), (None, 401),
])
def test_who_may_see_a_contract(client, world, filed, who, status):
    response = client.get(f"/api/v1/contracts/{filed}", headers=auth_for(world, who))
    assert response.status_code == status
    if status == 200:
        assert response.json["id"] == filed and response.json["events"][-1]["action"] == "file"


def test_contract_lists_are_the_callers_own_and_paged(client, world, filed):
    file(client, world)  # a second contract, still a draft
    mine = client.get("/api/v1/contracts?per_page=1", headers=auth_for(world, "inst")).json
    assert mine["total"] == 2 and mine["pages"] == 2 and len(mine["items"]) == 1 and "events" not in mine["items"][0]
    assert client.get("/api/v1/contracts?status=filed", headers=auth_for(world, "inst")).json["total"] == 1
    office = client.get("/api/v1/contracts", headers=auth_for(world, "official_km")).json
    assert [c["id"] for c in office["items"]] == [filed]  # drafts are not the office's business
    assert client.get("/api/v1/contracts", headers=auth_for(world, "official_cd")).json["total"] == 0
    assert client.get("/api/v1/contracts", headers=auth_for(world, "far")).json["total"] == 0
    assert client.get("/api/v1/contracts", headers=auth_for(world, "ent")).json["total"] == 2  # as buyer, as on the site
    assert client.get("/api/v1/contracts").status_code == 401
    for query in ("status=signed", "per_page=500", "page=0"):
        assert client.get(f"/api/v1/contracts?{query}", headers=auth_for(world, "inst")).status_code == 400


def test_registration_through_the_api_keeps_the_history(app, client, world, filed):
    assert act(client, world, filed, "inst", "accept").status_code == 403
    assert act(client, world, filed, "official_cd", "accept").status_code == 404
    assert act(client, world, filed, "official_km", "return").status_code == 409  # a reason is required
    returned = act(client, world, filed, "official_km", "return", comment="请补充合同附件")
    assert returned.json["status"] == "correction"
    patched = client.patch(f"/api/v1/contracts/{filed}", json={"contract_amount": "4000000.00"},
                           headers=auth_for(world, "inst"))
    assert patched.status_code == 200 and patched.json["tech_amount"] == "3998999.75"
    assert act(client, world, filed, "inst", "file").json["status"] == "filed"
    assert act(client, world, filed, "official_km", "accept").json["status"] == "accepted"
    registered = act(client, world, filed, "official_km", "register").json
    assert registered["status"] == "registered" and registered["registration_no"].startswith("2026")
    assert act(client, world, filed, "official_km", "register").status_code == 409
    assert history(app, filed)[1:] == [
        ("file", "draft", "filed", "inst"), ("return", "filed", "correction", "official_km"),
        ("edit", "correction", "correction", "inst"), ("file", "correction", "filed", "inst"),
        ("accept", "filed", "accepted", "official_km"), ("register", "accepted", "registered", "official_km")]


def test_refusal_needs_a_statutory_reason(client, world, filed):
    act(client, world, filed, "official_km", "accept")
    response = act(client, world, filed, "official_km", "refuse", comment="不喜欢")
    assert response.status_code == 409 and "refusal_reason" in response.json["error"]["fields"]
    refused = act(client, world, filed, "official_km", "refuse", refusal_reason="标的不明确")
    assert refused.json["status"] == "refused" and refused.json["refusal_reason"] == "标的不明确"


@pytest.mark.parametrize("who, body, status", [
    ("inst", {"title": "改名"}, 409),                      # filed: no longer editable
    ("ent", {"title": "改名"}, 403),                       # the buyer sees it but does not edit
    ("far", {"title": "改名"}, 404),
    ("inst", {"buyer_name": "别的公司"}, 422),              # the parties are fixed at creation
    ("inst", {}, 422),
    ("inst", {"contract_amount": "1.001"}, 422),
])
def test_refused_edits(app, client, world, filed, who, body, status):
    response = client.patch(f"/api/v1/contracts/{filed}", json=body, headers=auth_for(world, who))
    assert response.status_code == status
    with app.app_context():
        assert db.session.get(Contract, filed).title == CONTRACT_BODY["title"]


@pytest.mark.parametrize("action, status", [("explode", 422), ("", 422), ("withdraw", 200), ("file", 409)])
def test_seller_actions(client, world, filed, action, status):
    assert act(client, world, filed, "inst", action).status_code == status
