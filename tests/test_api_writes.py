"""JSON API writes on results and needs: create, patch, life-cycle actions — with the site's rules."""
import json

import pytest
from sqlalchemy import func, select

from models import ListingEvent, ListingStatus, Organisation, TechResult, User, db
from tests.api_helpers import NEED_BODY, RESULT_BODY, auth_for, build_world
from tests.factories import make_need, make_result


@pytest.fixture
def world(app):
    world = build_world(app)
    with app.app_context():
        orgs = world["orgs"]
        inst_org, far_org = db.session.get(Organisation, orgs["inst"]), db.session.get(Organisation, orgs["far"])
        inst_user = db.session.get(User, world["ids"]["inst"])
        world["listings"] = {
            "draft": make_result(inst_org, inst_user, status=ListingStatus.DRAFT, title="本单位草稿").id,
            "published": make_result(inst_org, inst_user, title="本单位已发布成果").id,
            "far_draft": make_result(far_org, None, status=ListingStatus.DRAFT, region_code="510100").id,
            "far_published": make_result(far_org, None, region_code="510100", title="外单位已发布成果").id,
        }
        db.session.commit()
    return world


def count(app, model=TechResult) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def events(app, result_id: int) -> list[tuple]:
    with app.app_context():
        rows = db.session.scalars(select(ListingEvent).where(ListingEvent.result_id == result_id)
                                  .order_by(ListingEvent.id)).all()
        return [(e.action, e.from_status, e.to_status, e.actor.username if e.actor else None, e.comment) for e in rows]


def post(client, url, body, who, world, **kwargs):
    return client.post(url, json=body, headers=auth_for(world, who), **kwargs)


# --- create -------------------------------------------------------------------------------------------------


def test_create_result_draft_stores_exact_money_and_records_who(app, client, world):
    response = post(client, "/api/v1/results", RESULT_BODY, "inst", world)
    assert response.status_code == 201, response.json
    body = response.json
    assert response.headers["Location"].endswith(f"/api/v1/results/{body['id']}")
    assert body["status"] == "draft" and body["price"] == "1500000.50" and body["price_negotiable"] is False
    assert body["org"] == "昆明理工大学（测试）" and body["region_code"] == "530100"  # the organisation's region
    assert body["keywords"] == ["钙钛矿", "封装"] and body["transfer_modes"] == ["转让", "许可"]
    with app.app_context():
        stored = db.session.get(TechResult, body["id"])
        assert stored.price_fen == 150_000_050 and stored.created_by_id == world["ids"]["inst"]
    assert events(app, body["id"]) == [("create", None, "draft", "inst", "创建")]


def test_create_and_submit_goes_to_review_through_the_workflow(app, client, world):
    body = post(client, "/api/v1/results", {**RESULT_BODY, "submit": True, "price": None}, "inst", world).json
    assert body["status"] == "pending" and body["price"] is None and body["price_negotiable"] is True
    assert [e[:4] for e in events(app, body["id"])] == [("create", None, "draft", "inst"),
                                                        ("submit", "draft", "pending", "inst")]


def test_create_bounty_need(app, client, world):
    need = {**NEED_BODY, "bounty": True, "bounty_amount": "2000000.00", "bounty_goals": "漏检率 < 0.1%",
            "bounty_conditions": "有产线视觉项目经验", "deadline": "2099-12-31"}
    response = post(client, "/api/v1/needs", need, "ent", world)
    assert response.status_code == 422 and "deadline" in response.json["error"]["fields"]  # > 10 years ahead
    need["deadline"] = "2030-06-30"
    response = post(client, "/api/v1/needs", need, "ent", world)
    assert response.status_code == 201, response.json
    body = response.json
    assert body["bounty"] is True and body["bounty_amount"] == "2000000.00" and body["budget"] == "800000.00"
    assert body["keywords"] == ["机器视觉", "缺陷检测"] and body["region_code"] == "530300"
    incomplete = post(client, "/api/v1/needs", {**NEED_BODY, "bounty": True}, "ent", world)
    assert incomplete.status_code == 409 and incomplete.json["error"]["code"] == "rule_conflict"
    assert set(incomplete.json["error"]["fields"]) >= {"bounty_amount", "bounty_goals", "bounty_conditions"}


@pytest.mark.parametrize("change, field, message", [
    ({"price": "NaN"}, "price", "金额格式不正确"),
    ({"price": "Infinity"}, "price", "金额格式不正确"),
    ({"price": "1e9"}, "price", "金额格式不正确"),
    ({"price": "-5"}, "price", "负数"),
    ({"price": "1.001"}, "price", "2 位小数"),
    ({"price": "99999999999999"}, "price", "金额过大"),
    ({"price": 1500.5}, "price", "字符串"),
    ({"price": True}, "price", "字符串"),
    ({"field": "量子计算"}, "field", "技术领域"),
    ({"maturity": "概念"}, "maturity", "成熟度"),
    ({"transfer_modes": ["赠送"]}, "transfer_modes", "无效选项"),
    ({"transfer_modes": []}, "transfer_modes", "至少选择"),
    ({"transfer_modes": "转让"}, "transfer_modes", "字符串数组"),
    ({"ip_types": ["商标"]}, "ip_types", "无效选项"),
    ({"title": ""}, "title", "请填写名称"),
    ({"title": "长" * 201}, "title", "200"),
    ({"title": 42}, "title", "字符串"),
    ({"summary": "长" * 5001}, "summary", "5000"),
    ({"keywords": ["一", "二", "三", "四", "五", "六"]}, "keywords", "最多 5 个"),
    ({"keywords": ["超" * 21]}, "keywords", "20"),
    ({"region_code": "999999"}, "region_code", "所在地区"),
    ({"trl": 10}, "trl", "1–9"),
    ({"trl": "3"}, "trl", "整数"),
    ({"contact_phone": "call me"}, "contact_phone", "联系电话"),
    ({"status": "published"}, "status", "未知字段"),
    ({"organisation_id": 1}, "organisation_id", "未知字段"),
    ({"submit": "yes"}, "submit", "true 或 false"),
])
def test_bad_values_are_422_with_field_messages_and_store_nothing(app, client, world, change, field, message):
    before = count(app)
    response = post(client, "/api/v1/results", {**RESULT_BODY, **change}, "inst", world)
    assert response.status_code == 422
    error = response.json["error"]
    assert error["code"] == "validation_failed" and field in error["fields"]
    assert message in " ".join(error["fields"][field]) and message in error["message"] + " ".join(error["fields"][field])
    assert count(app) == before


@pytest.mark.parametrize("data, content_type, status, code", [
    ("{not json", "application/json", 400, "bad_json"),
    ('{"title": NaN}', "application/json", 400, "bad_json"),
    ('{"price": Infinity}', "application/json", 400, "bad_json"),
    ("[1, 2]", "application/json", 400, "bad_json"),
    ("", "application/json", 400, "bad_json"),
    ("[" * 100_000, "application/json", 400, "bad_json"),
    (b"\xff\xfe{}", "application/json", 400, "bad_json"),
    ('{"trl": ' + "9" * 5000 + "}", "application/json", 400, "bad_json"),
    ('{"title": "a\\ud800b"}', "application/json", 400, "bad_json"),  # a lone surrogate is not text
    ("title=x", "application/x-www-form-urlencoded", 415, "unsupported_media_type"),
    (json.dumps(RESULT_BODY), "text/plain", 415, "unsupported_media_type"),
    ('{"summary": "' + "长" * 400_000 + '"}', "application/json", 413, "payload_too_large"),
])
def test_broken_bodies_are_json_errors(app, client, world, data, content_type, status, code):
    before = count(app)
    response = client.post("/api/v1/results", data=data, content_type=content_type, headers=auth_for(world, "inst"))
    assert response.status_code == status and response.json["error"]["code"] == code
    assert response.json["error"]["message"]
    assert count(app) == before


@pytest.mark.parametrize("who, status", [
    (None, 401), ("broker", 403), ("official_km", 403), ("admin", 403), ("inst", 201), ("ent", 201),
])
def test_who_may_create(client, world, who, status):
    response = post(client, "/api/v1/results", RESULT_BODY, who, world)
    assert response.status_code == status
    if status == 401:
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


# --- patch --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who, listing, status", [
    ("inst", "draft", 200), ("inst_mate", "draft", 200), ("inst", "published", 200),
    ("far", "draft", 404),            # another organisation's draft: not even visible, as on the site
    ("inst", "far_draft", 404),
    ("inst", "far_published", 403),   # visible, but not ours
    ("ent", "published", 403),
    ("official_km", "published", 403), ("broker", "published", 403), (None, "draft", 401),
])
def test_who_may_patch(client, world, who, listing, status):
    url = f"/api/v1/results/{world['listings'][listing]}"
    response = client.patch(url, json={"title": "改过的名称"}, headers=auth_for(world, who))
    assert response.status_code == status
    if status == 200:
        assert response.json["title"] == "改过的名称"


def test_patch_changes_only_the_given_fields_and_records_an_edit(app, client, world):
    listing_id = world["listings"]["draft"]
    response = client.patch(f"/api/v1/results/{listing_id}", json={"price": "12.34", "trl": 6},
                            headers=auth_for(world, "inst"))
    assert response.status_code == 200, response.json
    body = response.json
    assert body["price"] == "12.34" and body["trl"] == 6 and body["title"] == "本单位草稿"
    assert body["summary"].startswith("低铂载量") and body["transfer_modes"] == ["转让", "许可"]
    assert events(app, listing_id)[-1][:4] == ("edit", "draft", "draft", "inst")


def test_patching_a_published_listing_sends_it_back_to_review(app, client, world):
    listing_id = world["listings"]["published"]
    body = client.patch(f"/api/v1/results/{listing_id}", json={"summary": "新的技术指标"},
                        headers=auth_for(world, "inst")).json
    assert body["status"] == "pending"
    assert events(app, listing_id)[-1][:4] == ("revise", "published", "pending", "inst")
    assert client.get(f"/api/v1/results/{listing_id}").status_code == 404  # no longer public


def test_bad_patch_changes_nothing(app, client, world):
    listing_id = world["listings"]["draft"]
    for body in ({"price": "abc"}, {"title": ""}, {}, {"status": "published"}):
        response = client.patch(f"/api/v1/results/{listing_id}", json=body, headers=auth_for(world, "inst"))
        assert response.status_code == 422, body
    with app.app_context():
        stored = db.session.get(TechResult, listing_id)
        assert stored.title == "本单位草稿" and stored.price_fen == 500 * 1_000_000
    assert len(events(app, listing_id)) == 1


def test_patch_and_submit(app, client, world):
    listing_id = world["listings"]["draft"]
    body = client.patch(f"/api/v1/results/{listing_id}", json={"submit": True},
                        headers=auth_for(world, "inst")).json
    assert body["status"] == "pending"


# --- life-cycle actions -------------------------------------------------------------------------------------


def act(client, world, listing_id, who, action, comment=None, kind="results"):
    body = {"action": action} if comment is None else {"action": action, "comment": comment}
    return client.post(f"/api/v1/{kind}/{listing_id}/actions", json=body, headers=auth_for(world, who))


def test_submit_review_and_publish_through_the_workflow(app, client, world):
    listing_id = world["listings"]["draft"]
    assert act(client, world, listing_id, "inst", "approve").status_code == 403  # owners do not approve
    assert act(client, world, listing_id, "inst", "submit").json["status"] == "pending"
    assert act(client, world, listing_id, "official_cd", "approve").status_code == 404  # outside Chengdu's region
    assert act(client, world, listing_id, "official_km", "return").status_code == 409  # a reason is required
    returned = act(client, world, listing_id, "official_km", "return", "请补充专利号")
    assert returned.json["status"] == "returned"
    assert act(client, world, listing_id, "inst", "submit").json["status"] == "pending"
    assert act(client, world, listing_id, "official_km", "approve").json["status"] == "published"
    assert [e[:4] for e in events(app, listing_id)][1:] == [
        ("submit", "draft", "pending", "inst"), ("return", "pending", "returned", "official_km"),
        ("submit", "returned", "pending", "inst"), ("approve", "pending", "published", "official_km")]
    assert events(app, listing_id)[2][4] == "请补充专利号"
    assert client.get(f"/api/v1/results/{listing_id}").status_code == 200


@pytest.mark.parametrize("who, action, status", [
    ("inst", "withdraw", 409),    # a draft cannot be taken down
    ("inst", "revise", 422),      # not a button on the site either
    ("inst", "delete", 422),
    ("inst", "", 422),
    ("far", "submit", 404),
    ("official_km", "submit", 404),  # a draft is private to its organisation, reviewers included
])
def test_refused_actions(app, client, world, who, action, status):
    listing_id = world["listings"]["draft"]
    response = act(client, world, listing_id, who, action)
    assert response.status_code == status and "error" in response.json
    assert len(events(app, listing_id)) == 1


def test_need_actions_use_the_need_path(client, world):
    need = client.post("/api/v1/needs", json=NEED_BODY, headers=auth_for(world, "ent")).json
    assert act(client, world, need["id"], "ent", "submit", kind="needs").json["status"] == "pending"
    assert act(client, world, need["id"], "ent", "recall", kind="needs").json["status"] == "draft"


# --- list calls ---------------------------------------------------------------------------------------------


def test_lists_show_published_newest_first_with_filters_and_pages(client, world):
    for n in range(3):
        listing = client.post("/api/v1/results", json={**RESULT_BODY, "title": f"新成果{n}"},
                              headers=auth_for(world, "inst")).json
        act(client, world, listing["id"], "inst", "submit")
        act(client, world, listing["id"], "official_km", "approve")
    body = client.get("/api/v1/results?per_page=2").json
    assert body["total"] == 5 and body["pages"] == 3 and body["page"] == 1 and body["per_page"] == 2
    assert [item["title"] for item in body["items"]] == ["新成果2", "新成果1"]
    assert client.get("/api/v1/results?per_page=2&page=3").json["items"][0]["title"] == "本单位已发布成果"  # the oldest
    assert client.get("/api/v1/results?page=9").json["items"] == []
    assert client.get("/api/v1/results?region=510000").json["total"] == 1  # a province includes its cities
    assert client.get("/api/v1/results?region=530100&field=新能源与高效节能").json["total"] == 3
    assert client.get("/api/v1/results?field=农业").json["total"] == 0
    assert client.get("/api/v1/needs").json == {"items": [], "total": 0, "page": 1, "per_page": 20, "pages": 0}


@pytest.mark.parametrize("query", [
    "page=0", "page=-1", "page=abc", "page=1.5", "page=１", "per_page=0", "per_page=101", "per_page=1e2",
    "field=量子计算", "region=999999", "region=abc", "maturity=x",
])
def test_bad_list_parameters_are_400(client, world, query):
    response = client.get(f"/api/v1/results?{query}")
    assert response.status_code == 400 and response.json["error"]["code"] in ("bad_page", "bad_filter")


def test_need_list_filters(app, client, world):
    with app.app_context():
        org = db.session.get(Organisation, world["orgs"]["ent"])
        make_need(org, None, title="揭榜挂帅需求", is_bounty=True)
        make_need(org, None, title="普通需求")
        db.session.commit()
    assert client.get("/api/v1/needs").json["total"] == 2
    body = client.get("/api/v1/needs?bounty=true").json
    assert body["total"] == 1 and body["items"][0]["bounty_amount"] == "1000000.00"
    assert client.get("/api/v1/needs?bounty=maybe").status_code == 400
