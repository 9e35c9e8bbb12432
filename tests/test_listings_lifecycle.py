"""The listing life cycle through the web pages: create, review, return, edit, publish, take down."""
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from models import ListingEvent, TechNeed, TechResult, User, db
from tests import factories

RESULT_FORM = {
    "title": "高效钙钛矿光伏组件封装技术", "field": "新能源与高效节能", "keywords": "钙钛矿；光伏、封装",
    "region_code": "530100", "summary": "组件效率 ≥ 20%，湿热 1000 h 衰减 < 5%。", "maturity": "中试",
    "trl": "6", "ip_types": ["发明专利"], "ip_numbers": "ZL201710601862.3", "transfer_modes": ["转让", "许可"],
    "price": "350.25", "contact_name": "李工", "contact_phone": "0871-65000000",
}


def login(client, session_id):
    """Log a user in by writing the Flask-Login session (value of User.get_id())."""
    with client.session_transaction() as sess:
        sess.clear()
        sess["_user_id"] = session_id
        sess["_fresh"] = True


@pytest.fixture
def people(app):
    with app.app_context():
        users = {
            "owner": factories.make_user("owner", role="institute", display_name="成果负责人"),
            "official": factories.make_user("reviewer", role="official", display_name="审核员"),
            "far_official": factories.make_user("far", role="official",
                                                org=factories.make_org(org_type="机关", region_code="510100")),
        }
        db.session.commit()
        return {key: factories.session_id(user) for key, user in users.items()}


def history(app, result_id):
    with app.app_context():
        events = db.session.scalars(select(ListingEvent).where(ListingEvent.result_id == result_id)
                                    .order_by(ListingEvent.id)).all()
        return [(e.actor.username, e.action, e.from_status, e.to_status, e.comment) for e in events]


def status_of(app, result_id):
    with app.app_context():
        return db.session.get(TechResult, result_id).status


def test_full_life_cycle_with_history(client, app, people):
    login(client, people["owner"])
    response = client.post("/results/new", data={**RESULT_FORM, "submit_review": "提交审核"})
    assert response.status_code == 302
    result_id = int(re.search(r"/results/(\d+)$", response.headers["Location"]).group(1))
    with app.app_context():
        result = db.session.get(TechResult, result_id)
        assert (result.status, result.price_fen, result.keywords) == ("pending", 350_250_000, "钙钛矿;光伏;封装")
        assert result.organisation.users[0].username == "owner"

    login(client, people["far_official"])
    assert "高效钙钛矿" not in client.get("/review").get_data(as_text=True)
    assert client.get(f"/results/{result_id}").status_code == 404

    login(client, people["official"])
    assert "高效钙钛矿" in client.get("/review").get_data(as_text=True)
    refused = client.post(f"/results/{result_id}/action", data={"action": "return", "comment": "  "},
                          follow_redirects=True)
    assert "退回修改必须填写原因" in refused.get_data(as_text=True)
    assert status_of(app, result_id) == "pending"
    client.post(f"/results/{result_id}/action",
                data={"action": "return", "comment": "请补充专利证书", "return_to": "review"})
    assert status_of(app, result_id) == "returned"

    login(client, people["owner"])
    dashboard = client.get("/my").get_data(as_text=True)
    assert "退回原因：请补充专利证书" in dashboard
    response = client.post(f"/results/{result_id}/edit",
                           data={**RESULT_FORM, "summary": "已补充证书。", "submit_review": "提交审核"})
    assert response.status_code == 302 and status_of(app, result_id) == "pending"

    login(client, people["official"])
    response = client.post(f"/results/{result_id}/action", data={"action": "approve", "return_to": "review"})
    assert response.headers["Location"].endswith("/review")
    assert status_of(app, result_id) == "published"

    login(client, people["owner"])
    client.post(f"/results/{result_id}/edit", data={**RESULT_FORM, "title": "高效钙钛矿光伏组件封装技术（二期）",
                                                    "save_draft": "保存草稿"})
    assert status_of(app, result_id) == "pending"
    with client.session_transaction() as sess:
        sess.clear()
    assert client.get(f"/results/{result_id}").status_code == 404  # no longer public while in review

    login(client, people["official"])
    client.post(f"/results/{result_id}/action", data={"action": "approve"})
    refused = client.post(f"/results/{result_id}/action", data={"action": "take_down"}, follow_redirects=True)
    assert "强制下架必须填写原因" in refused.get_data(as_text=True)
    client.post(f"/results/{result_id}/action", data={"action": "take_down", "comment": "信息失实"})
    assert status_of(app, result_id) == "withdrawn"

    assert history(app, result_id) == [
        ("owner", "create", None, "draft", "创建"),
        ("owner", "submit", "draft", "pending", ""),
        ("reviewer", "return", "pending", "returned", "请补充专利证书"),
        ("owner", "edit", "returned", "returned", "修改内容"),
        ("owner", "submit", "returned", "pending", ""),
        ("reviewer", "approve", "pending", "published", ""),
        ("owner", "revise", "published", "pending", "发布后修改，重新审核"),
        ("reviewer", "approve", "pending", "published", ""),
        ("reviewer", "take_down", "published", "withdrawn", "信息失实"),
    ]
    page = client.get(f"/results/{result_id}").get_data(as_text=True)
    assert "强制下架" in page and "信息失实" in page and "审核员" in page and "已发布 → 已下架" in page


def test_owner_recall_withdraw_and_resubmit(client, app, people):
    login(client, people["owner"])
    response = client.post("/results/new", data={**RESULT_FORM, "save_draft": "保存草稿"})
    result_id = int(response.headers["Location"].rsplit("/", 1)[1])
    assert status_of(app, result_id) == "draft"
    # Actions that do not apply to the current state change nothing.
    page = client.post(f"/results/{result_id}/action", data={"action": "withdraw"}, follow_redirects=True)
    assert "当前状态下不能执行该操作" in page.get_data(as_text=True)
    assert status_of(app, result_id) == "draft"
    for action, expected in (("submit", "pending"), ("recall", "draft"), ("submit", "pending")):
        client.post(f"/results/{result_id}/action", data={"action": action})
        assert status_of(app, result_id) == expected
    login(client, people["official"])
    client.post(f"/results/{result_id}/action", data={"action": "approve"})
    login(client, people["owner"])
    client.post(f"/results/{result_id}/action", data={"action": "withdraw"})
    assert status_of(app, result_id) == "withdrawn"
    client.post(f"/results/{result_id}/action", data={"action": "submit"})
    assert status_of(app, result_id) == "pending"


def test_detail_shows_fields_and_money(client, app, people):
    login(client, people["owner"])
    response = client.post("/results/new", data={**RESULT_FORM, "save_draft": "1"}, follow_redirects=True)
    page = response.get_data(as_text=True)
    for text in ("高效钙钛矿光伏组件封装技术", "350.25万元", "钙钛矿、光伏、封装", "转让、许可", "TRL 6",
                 "ZL201710601862.3", "云南省昆明市", "草稿", "处理记录"):
        assert text in page, text


def test_expired_need_shows_expired(client, app, people):
    with app.app_context():
        owner = factories.make_user("ent", role="enterprise")
        need = factories.make_need(owner.organisation, owner, deadline=date.today() - timedelta(days=1))
        db.session.commit()
        need_id, owner_id = need.id, factories.session_id(owner)
    page = client.get(f"/needs/{need_id}").get_data(as_text=True)
    assert "已过期" in page
    login(client, owner_id)
    dashboard = client.get("/my").get_data(as_text=True)
    assert "已过期 1" in dashboard


def test_dashboard_counts_and_links(client, app, people):
    with app.app_context():
        owner = db.session.scalar(select(User).where(User.username == "owner"))
        for status in ("draft", "pending", "published", "published"):
            factories.make_result(owner.organisation, owner, status)
        db.session.commit()
    login(client, people["owner"])
    page = client.get("/my").get_data(as_text=True)
    assert "草稿 1" in page and "待审核 1" in page and "已发布 2" in page
    assert "/results/new" in page and "/needs/new" in page


def test_review_queue_lists_pending_needs_in_scope(client, app, people):
    with app.app_context():
        owner = factories.make_user("ent2", role="enterprise")
        factories.make_need(owner.organisation, owner, "pending", title="昆明待审需求")
        far = factories.make_user("ent3", role="enterprise",
                                  org=factories.make_org(org_type="企业", region_code="510100"))
        factories.make_need(far.organisation, far, "pending", title="成都待审需求", region_code="510100")
        db.session.commit()
    login(client, people["official"])
    page = client.get("/review").get_data(as_text=True)
    assert "昆明待审需求" in page and "成都待审需求" not in page
    login(client, people["far_official"])
    page = client.get("/review").get_data(as_text=True)
    assert "成都待审需求" in page and "昆明待审需求" not in page


class TestWithCsrf:
    @pytest.fixture
    def app_config(self):
        return {"WTF_CSRF_ENABLED": True}

    def test_action_without_token_is_refused(self, client, app, people):
        with app.app_context():
            owner = db.session.scalar(select(User).where(User.username == "owner"))
            result_id = factories.make_result(owner.organisation, owner, "pending").id
            db.session.commit()
            events = db.session.scalar(select(func.count()).select_from(ListingEvent))
        login(client, people["official"])
        response = client.post(f"/results/{result_id}/action", data={"action": "approve"})
        assert response.status_code == 400
        assert status_of(app, result_id) == "pending"
        page = client.get(f"/results/{result_id}").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        client.post(f"/results/{result_id}/action", data={"action": "approve", "csrf_token": token})
        assert status_of(app, result_id) == "published"
        with app.app_context():
            assert db.session.scalar(select(func.count()).select_from(ListingEvent)) == events + 1

    def test_create_without_token_stores_nothing(self, client, app, people):
        login(client, people["owner"])
        response = client.post("/results/new", data={**RESULT_FORM, "submit_review": "1"})
        assert response.status_code in (200, 400)
        with app.app_context():
            assert db.session.scalar(select(func.count()).select_from(TechResult)) == 0
            assert db.session.scalar(select(func.count()).select_from(TechNeed)) == 0
