"""Following listings and saving searches: followers hear of changes; new listings that the browse page
would list for a saved search are sent at once or in the daily digest."""
from datetime import datetime

import pytest
from sqlalchemy import func, select

from marketplace import jobs
from marketplace.listings import services as listings
from models import Follow, Message, Organisation, SavedSearch, TechResult, User, db
from models.base import utcnow
from tests import factories
from tests.mail_server import inbox, parts, smtp, smtp_app_config  # noqa: F401  (fixtures)


@pytest.fixture
def app_config(smtp_app_config):
    return smtp_app_config



@pytest.fixture
def people(app):
    """An institute publishing results, a reviewer, and a confirmed enterprise reader (ids)."""
    with app.app_context():
        org = factories.make_org(name="昆明理工大学（订阅测试）", org_type="高等院校")
        owner = factories.make_user("owner", org=org)
        reviewer = factories.make_user("reviewer", role="official")
        reader = factories.make_user("reader", role="enterprise", email="reader@example.cn")
        reader.email_verified_at = utcnow()
        db.session.commit()
        return {"org": org.id, "owner": owner.id, "reviewer": reviewer.id, "reader": reader.id}


def publish(people, title, field="新材料及其应用", keywords="燃料电池"):
    """A result created, submitted and approved through the workflow (committed)."""
    org, owner = db.session.get(Organisation, people["org"]), db.session.get(User, people["owner"])
    result = factories.make_result(org, owner, status="draft", title=title, field=field, keywords=keywords)
    listings.transition(result, "submit", owner)
    listings.transition(result, "approve", db.session.get(User, people["reviewer"]))
    db.session.commit()
    return result


def notices_of(user_id, category="saved_search"):
    return list(db.session.scalars(select(Message).where(Message.recipient_id == user_id,
                                                         Message.category == category).order_by(Message.id)))


def test_a_follower_hears_when_the_listing_is_revised_or_taken_down(app, client, auth, people, inbox):
    with app.app_context():
        result_id = publish(people, "高性能燃料电池铂基催化剂").id
    auth.login("reader", factories.PASSWORD)
    assert client.post(f"/my/follows/results/{result_id}").status_code == 302
    assert "已关注" in client.get(f"/results/{result_id}").text
    assert client.post(f"/my/follows/results/{result_id}").status_code == 302  # twice: still one row
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Follow)) == 1
        result = db.session.get(TechResult, result_id)
        listings.transition(result, "take_down", db.session.get(User, people["reviewer"]), "信息不实")
        db.session.commit()
        [notice] = notices_of(people["reader"])
        assert "已被强制下架" in notice.subject and notice.link == f"/results/{result_id}"
    assert "关注" in client.get("/my/").text
    client.post(f"/my/follows/results/{result_id}/delete")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Follow)) == 0


def test_only_a_visible_published_listing_can_be_followed(app, client, auth, people):
    with app.app_context():
        pending = factories.make_result(db.session.get(Organisation, people["org"]),
                                        db.session.get(User, people["owner"]), status="pending", title="待审成果")
        db.session.commit()
        pending_id = pending.id
    auth.login("reader", factories.PASSWORD)
    assert client.post(f"/my/follows/results/{pending_id}").status_code == 404
    assert client.post("/my/follows/results/999999").status_code == 404
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Follow)) == 0


def test_a_saved_search_hears_of_new_matching_listings_only(app, client, auth, people, inbox):
    with app.app_context():
        publish(people, "已有的燃料电池成果")  # published before the search was saved: never sent
    auth.login("reader", factories.PASSWORD)
    answer = client.post("/my/searches", data={"kind": "result", "query": "q=燃料电池&field=新材料及其应用&sort=newest",
                                               "name": "", "frequency": "instant"})
    assert answer.status_code == 302 and answer.headers["Location"] == "/my/"
    page = client.get("/my/")
    assert "燃料电池" in page.text and "有新结果立即通知" in page.text
    with app.app_context():
        search = db.session.scalar(select(SavedSearch))
        assert search.query_string == "field=%E6%96%B0%E6%9D%90%E6%96%99%E5%8F%8A%E5%85%B6%E5%BA%94%E7%94%A8&q=%E7%87%83%E6%96%99%E7%94%B5%E6%B1%A0"
        publish(people, "质子交换膜燃料电池电堆")  # matches
        publish(people, "燃料电池双极板", field="先进制造")  # another field
        publish(people, "钙钛矿光伏组件", keywords="钙钛矿")  # other words
        [notice] = notices_of(people["reader"])
        assert notice.subject == "订阅“成果：燃料电池 · 新材料及其应用”有新的成果：质子交换膜燃料电池电堆"
    [message] = inbox.wait_for(1)
    assert "质子交换膜燃料电池电堆" in message["Subject"] and "/account/unsubscribe/" in parts(message)[0]


def test_a_daily_saved_search_waits_for_the_digest(app, client, auth, people, inbox):
    auth.login("reader", factories.PASSWORD)
    client.post("/my/searches", data={"kind": "result", "query": "q=燃料电池", "frequency": "daily"})
    with app.app_context():
        publish(people, "燃料电池催化剂")
        assert len(notices_of(people["reader"])) == 1 and inbox.messages == []
        jobs.tick(now=datetime(2026, 12, 3))  # 08:00 in Beijing
    [digest] = inbox.wait_for(1)
    assert "通知汇总（1 条）" in digest["Subject"] and "燃料电池催化剂" in parts(digest)[0]


def test_saved_searches_are_checked_and_owned(app, client, auth, people):
    auth.login("reader", factories.PASSWORD)
    empty = client.post("/my/searches", data={"kind": "result", "query": "sort=newest", "frequency": "instant"},
                        follow_redirects=True)
    assert "请先输入检索词或选择筛选条件" in empty.text
    client.post("/my/searches", data={"kind": "result", "query": "q=燃料电池", "frequency": "instant"})
    again = client.post("/my/searches", data={"kind": "result", "query": "q=燃料电池", "frequency": "daily"},
                        follow_redirects=True)
    assert "已订阅过相同的检索条件" in again.text
    bad = client.post("/my/searches", data={"kind": "contract", "query": "q=x", "frequency": "instant"},
                      follow_redirects=True)
    assert "未知的检索类型" in bad.text
    with app.app_context():
        search_id = db.session.scalar(select(SavedSearch.id))
        factories.make_user("stranger", role="enterprise")
        db.session.commit()
    auth.logout()
    auth.login("stranger", factories.PASSWORD)
    assert client.post(f"/my/searches/{search_id}/delete").status_code == 404
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SavedSearch)) == 1


def test_searches_that_share_their_words_each_hear_of_a_match(app, client, auth, people):
    with app.app_context():
        other = factories.make_user("reader2", role="enterprise")
        db.session.commit()
        other_id = other.id
    for username, query in (("reader", "q=燃料电池"), ("reader2", "q=燃料电池&field=新材料及其应用")):
        auth.login(username, factories.PASSWORD)
        client.post("/my/searches", data={"kind": "result", "query": query, "frequency": "daily"})
        auth.logout()
    with app.app_context():
        publish(people, "燃料电池膜电极")
        assert len(notices_of(people["reader"])) == 1 and len(notices_of(other_id)) == 1
