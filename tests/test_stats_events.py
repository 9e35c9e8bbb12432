"""Matchmaking events: officials create them, attach needs and deals; the page reports the totals."""
import pytest

from marketplace.stats import events
from models import EventDeal, EventNeed, MatchEvent, db
from tests.factories import make_need, make_org, make_user


@pytest.fixture
def setup(app):
    with app.app_context():
        official = make_user("event_official", "official", make_org("云南省科技厅", "机关", "530000"))
        make_user("other_official", "official", make_org("湖北省科技厅", "机关", "420000"))
        make_user("event_firm", "enterprise")
        firm = make_org("某企业", "企业", "530100")
        needs = [make_need(firm, title=f"需求{i}") for i in range(3)]
        draft = make_need(firm, status="draft", title="未发布需求")
        db.session.commit()
        return {"official": official.id, "needs": [n.id for n in needs], "draft": draft.id}


def _create(client, auth):
    auth.login("event_official")
    response = client.post("/stats/events/new", data={"name": "2026 科技入滇对接会", "region_code": "530100",
                                                      "held_on": "2026-06-11", "venue": "昆明滇池会展中心"})
    assert response.status_code == 302
    return int(response.headers["Location"].rsplit("/", 1)[1])


def test_event_report_counts_needs_deals_and_amount(app, client, auth, setup):
    event_id = _create(client, auth)
    ids = setup["needs"]
    client.post(f"/stats/events/{event_id}/needs", data={"need_ids": f"{ids[0]}, {ids[1]}；{ids[2]} {ids[0]}"})
    client.post(f"/stats/events/{event_id}/needs", data={"need_ids": str(ids[1])})  # again: counted once
    for title, amount in (("项目甲", "120000.5"), ("项目乙", "0.000001"), ("项目丙", "30000")):
        client.post(f"/stats/events/{event_id}/deals", data={"title": title, "seller_name": "昆明理工大学",
                                                            "buyer_name": "某企业", "amount_wan": amount})
    page = client.get(f"/stats/events/{event_id}").get_data(as_text=True)
    assert "推介需求 3 项，签约项目 3 个，签约金额 15.00 亿元" in page
    with app.app_context():
        event = db.session.get(MatchEvent, event_id)
        assert events.totals(event).amount_fen == 120_000_500_000 + 1 + 30_000_000_000
    assert "推介需求 3 项" in client.get("/stats/events").get_data(as_text=True)


@pytest.mark.parametrize("field, value, message", [
    ("amount_wan", "-5", "负数"), ("amount_wan", "1e3", "格式不正确"), ("amount_wan", "NaN", "格式不正确"),
    ("amount_wan", "1.0000001", "最多保留"), ("title", "", "请填写签约项目"),
    ("registration_no", "NO-SUCH", "登记编号不存在"),
])
def test_bad_deals_store_nothing(app, client, auth, setup, field, value, message):
    event_id = _create(client, auth)
    data = {"title": "项目", "seller_name": "甲", "buyer_name": "乙", "amount_wan": "10", field: value}
    page = client.post(f"/stats/events/{event_id}/deals", data=data, follow_redirects=True).get_data(as_text=True)
    assert message in page
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(EventDeal)) == 0


def test_bad_needs_store_nothing(app, client, auth, setup):
    event_id = _create(client, auth)
    for text, message in ((f"{setup['needs'][0]}, {setup['draft']}", "不存在或未发布"), ("abc", "应为数字"),
                          ("99999999", "不存在或未发布")):
        page = client.post(f"/stats/events/{event_id}/needs", data={"need_ids": text},
                           follow_redirects=True).get_data(as_text=True)
        assert message in page
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(EventNeed)) == 0


@pytest.mark.parametrize("user, status", [(None, 302), ("event_firm", 403), ("other_official", 403),
                                          ("event_official", 302)])
def test_only_the_regions_officials_manage_an_event(client, auth, setup, user, status):
    event_id = _create(client, auth)
    auth.logout()
    if user:
        auth.login(user)
    response = client.post(f"/stats/events/{event_id}/needs", data={"need_ids": str(setup["needs"][0])})
    assert response.status_code == status
    if status == 302 and user:
        assert "/stats/events/" in response.headers["Location"]


def test_an_official_cannot_create_an_event_outside_the_region(client, auth, setup):
    auth.login("other_official")
    page = client.post("/stats/events/new", data={"name": "对接会", "region_code": "530100",
                                                  "held_on": "2026-06-11"}).get_data(as_text=True)
    assert "只能在本机构管辖地区内创建对接活动" in page
    assert client.post("/stats/events/new", data={"name": "对接会", "region_code": "420100",
                                                  "held_on": "2026-02-30"}).status_code == 200
    assert client.get("/stats/events/999").status_code == 404
