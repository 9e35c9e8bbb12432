"""Who may see and change listings: role × route × own/other/missing, as tables."""
import pytest
from sqlalchemy import func, select

from models import ListingEvent, ListingStatus, TechNeed, TechResult, db
from tests import factories

# Who may open what is decided in Python: checked on SQLite only (see pytest.ini).
pytestmark = pytest.mark.dialect_free

ACTORS = ("anon", "owner", "other", "off_in", "off_out", "admin", "broker")


def login(client, session_id):
    """Log a user in by writing the Flask-Login session (value of User.get_id())."""
    with client.session_transaction() as sess:
        sess["_user_id"] = session_id
        sess["_fresh"] = True


@pytest.fixture
def world(app):
    """Two owner organisations, an outsider, officials in and out of scope, admin, broker."""
    with app.app_context():
        users = {
            "inst_owner": factories.make_user("instowner", role="institute"),
            "ent_owner": factories.make_user("entowner", role="enterprise"),
            "other": factories.make_user("outsider", role="institute"),
            "off_in": factories.make_user("offin", role="official"),
            "off_out": factories.make_user("offout", role="official",
                                           org=factories.make_org(org_type="机关", region_code="510100")),
            "admin": factories.make_user("boss", role="admin"),
            "broker": factories.make_user("broker", role="broker"),
        }
        inst_org, ent_org = users["inst_owner"].organisation, users["ent_owner"].organisation
        ids = {
            ("result", "pending"): factories.make_result(inst_org, users["inst_owner"], ListingStatus.PENDING).id,
            ("result", "published"): factories.make_result(inst_org, users["inst_owner"]).id,
            ("need", "pending"): factories.make_need(ent_org, users["ent_owner"], ListingStatus.PENDING).id,
            ("need", "published"): factories.make_need(ent_org, users["ent_owner"], is_bounty=True).id,
        }
        db.session.commit()
        return {"users": {key: factories.session_id(user) for key, user in users.items()}, "ids": ids}


def act_as(client, world, actor, kind):
    """Log in as the actor; 'owner' is the owner organisation of that kind of listing."""
    if actor == "anon":
        return
    key = {"result": "inst_owner", "need": "ent_owner"}[kind] if actor == "owner" else actor
    login(client, world["users"][key])


def snapshot(kind, listing_id):
    model = TechResult if kind == "result" else TechNeed
    db.session.expire_all()
    listing = db.session.get(model, listing_id)
    events = db.session.scalar(select(func.count()).select_from(ListingEvent))
    return listing.status, listing.title, events


def check(response, expected):
    if expected == "login":
        assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    elif expected == "ok":
        assert response.status_code in (200, 302)
        assert "/auth/login" not in response.headers.get("Location", "")
    else:
        assert response.status_code == expected


VIEW_UNPUBLISHED = dict(anon=404, owner=200, other=404, off_in=200, off_out=404, admin=200, broker=404)
EDIT_UNPUBLISHED = dict(anon="login", owner=200, other=404, off_in=403, off_out=404, admin=403, broker=404)
EDIT_PUBLISHED = dict(anon="login", owner=200, other=403, off_in=403, off_out=403, admin=403, broker=403)
OWNER_ON_PENDING = dict(anon="login", owner="ok", other=404, off_in=403, off_out=404, admin=403, broker=404)
REVIEW_ON_PENDING = dict(anon="login", owner=403, other=404, off_in="ok", off_out=404, admin="ok", broker=404)
OWNER_ON_PUBLISHED = dict(anon="login", owner="ok", other=403, off_in=403, off_out=403, admin=403, broker=403)
REVIEW_ON_PUBLISHED = dict(anon="login", owner=403, other=403, off_in="ok", off_out=403, admin="ok", broker=403)
REVIEW_QUEUE = dict(anon="login", owner=403, other=403, off_in=200, off_out=200, admin=200, broker=403)
NEW_FORM = dict(anon="login", owner=200, other=200, off_in=403, off_out=403, admin=403, broker=403)


def table(expectations, *extra):
    return [(actor, expectations[actor], *extra) for actor in ACTORS]


@pytest.mark.parametrize("kind", ["result", "need"])
@pytest.mark.parametrize("actor,expected", table(VIEW_UNPUBLISHED))
def test_view_unpublished_detail(client, world, app, kind, actor, expected):
    act_as(client, world, actor, kind)
    response = client.get(f"/{kind}s/{world['ids'][kind, 'pending']}")
    assert response.status_code == expected
    if expected == 200:
        assert "处理记录" in response.get_data(as_text=True)


@pytest.mark.parametrize("kind", ["result", "need"])
@pytest.mark.parametrize("actor", ACTORS)
def test_published_detail_is_public_but_history_is_not(client, world, kind, actor):
    act_as(client, world, actor, kind)
    page = client.get(f"/{kind}s/{world['ids'][kind, 'published']}")
    assert page.status_code == 200
    insider = actor in ("owner", "off_in", "admin")
    assert ("处理记录" in page.get_data(as_text=True)) is insider


@pytest.mark.parametrize("kind", ["result", "need"])
@pytest.mark.parametrize("state,actor,expected",
                         [("pending", a, e) for a, e in table(EDIT_UNPUBLISHED)]
                         + [("published", a, e) for a, e in table(EDIT_PUBLISHED)])
def test_edit_get_and_post(client, world, app, kind, state, actor, expected):
    act_as(client, world, actor, kind)
    listing_id = world["ids"][kind, state]
    check(client.get(f"/{kind}s/{listing_id}/edit"), expected)
    with app.app_context():
        before = snapshot(kind, listing_id)
    response = client.post(f"/{kind}s/{listing_id}/edit", data={"title": "被篡改的标题"})
    if expected == 200:
        assert response.status_code == 200  # form re-shown with errors (other fields missing)
    else:
        check(response, expected)
    with app.app_context():
        assert snapshot(kind, listing_id) == before


ACTION_CASES = (
    [("recall", "pending", a, e) for a, e in table(OWNER_ON_PENDING)]
    + [("approve", "pending", a, e) for a, e in table(REVIEW_ON_PENDING)]
    + [("return", "pending", a, e) for a, e in table(REVIEW_ON_PENDING)]
    + [("withdraw", "published", a, e) for a, e in table(OWNER_ON_PUBLISHED)]
    + [("take_down", "published", a, e) for a, e in table(REVIEW_ON_PUBLISHED)]
)


@pytest.mark.parametrize("kind", ["result", "need"])
@pytest.mark.parametrize("action,state,actor,expected", ACTION_CASES)
def test_actions(client, world, app, kind, action, state, actor, expected):
    act_as(client, world, actor, kind)
    listing_id = world["ids"][kind, state]
    with app.app_context():
        before = snapshot(kind, listing_id)
    response = client.post(f"/{kind}s/{listing_id}/action", data={"action": action, "comment": "原因说明"})
    check(response, expected)
    with app.app_context():
        after = snapshot(kind, listing_id)
    if expected == "ok":
        assert after[0] != before[0] and after[2] == before[2] + 1
    else:
        assert after == before


@pytest.mark.parametrize("actor,expected", table(REVIEW_QUEUE))
def test_review_queue_access(client, world, actor, expected):
    act_as(client, world, actor, "result")
    check(client.get("/review"), expected)


@pytest.mark.parametrize("kind", ["result", "need"])
@pytest.mark.parametrize("actor,expected", table(NEW_FORM))
def test_new_form_access(client, world, kind, actor, expected):
    act_as(client, world, actor, kind)
    check(client.get(f"/{kind}s/new"), expected)


APPLY = dict(anon="login", owner=403, other="ok", off_in=403, off_out=403, admin=403, broker=403)
SELECT = dict(anon="login", owner="ok", other=403, off_in=403, off_out=403, admin=403, broker=403)


@pytest.mark.parametrize("actor,expected", table(APPLY))
def test_apply_access(client, world, app, actor, expected):
    act_as(client, world, actor, "need")
    need_id = world["ids"]["need", "published"]
    check(client.post(f"/needs/{need_id}/apply", data={"proposal": "我们的技术路线"}), expected)
    with app.app_context():
        assert len(db.session.get(TechNeed, need_id).applications) == (1 if expected == "ok" else 0)


@pytest.mark.parametrize("actor,expected", table(SELECT))
def test_select_access(client, world, app, actor, expected):
    need_id = world["ids"]["need", "published"]
    login(client, world["users"]["other"])
    client.post(f"/needs/{need_id}/apply", data={"proposal": "方案"})
    with client.session_transaction() as sess:
        sess.clear()
    act_as(client, world, actor, "need")
    with app.app_context():
        application_id = db.session.get(TechNeed, need_id).applications[0].id
    check(client.post(f"/needs/{need_id}/applications/{application_id}/select"), expected)
    with app.app_context():
        status = db.session.get(TechNeed, need_id).applications[0].status
    assert status == ("selected" if expected == "ok" else "submitted")


@pytest.mark.parametrize("method,url", [
    ("get", "/results/999999"), ("get", "/needs/999999"), ("get", "/results/999999/edit"),
    ("get", "/needs/999999/edit"), ("post", "/results/999999/action"), ("post", "/needs/999999/action"),
    ("post", "/needs/999999/apply"), ("post", "/applications/999999/withdraw"),
    ("get", "/results/99999999999999999999"), ("post", "/applications/99999999999999999999/withdraw"),
])
def test_missing_ids_are_404(client, world, method, url):
    login(client, world["users"]["admin"])
    assert getattr(client, method)(url, data={"action": "approve"}).status_code == 404


def test_select_missing_or_foreign_application_is_404(client, world, app):
    login(client, world["users"]["ent_owner"])
    need_id = world["ids"]["need", "published"]
    assert client.post(f"/needs/{need_id}/applications/999999/select").status_code == 404


def test_unknown_action_name_is_refused(client, world, app):
    login(client, world["users"]["inst_owner"])
    listing_id = world["ids"]["result", "published"]
    with app.app_context():
        before = snapshot("result", listing_id)
    for name in ("revise", "publish", "status=published", ""):
        assert client.post(f"/results/{listing_id}/action", data={"action": name}).status_code == 400
    with app.app_context():
        assert snapshot("result", listing_id) == before
