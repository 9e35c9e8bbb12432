"""With CSRF protection on: state-changing POSTs without a valid token are refused and store nothing."""
import re

import pytest
from sqlalchemy import func, select

from models import Organisation, User, db
from tests import factories

PASSWORD = "Tech-market-2026"


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}


def token_from(client, url):
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', client.get(url).text).group(1)


def registration(**extra):
    return dict(role="enterprise", username="csrf_co", display_name="测试", password=PASSWORD, confirm=PASSWORD,
                org_mode="new", org_name="某某科技有限公司", org_type="企业", region_code="530100", **extra)


def counts(app):
    with app.app_context():
        return (db.session.scalar(select(func.count()).select_from(User)),
                db.session.scalar(select(func.count()).select_from(Organisation)))


def log_in(client, username):
    token = token_from(client, "/auth/login")
    response = client.post("/auth/login", data={"username": username, "password": factories.PASSWORD,
                                                 "csrf_token": token})
    assert response.status_code == 302


def test_register_without_token_is_400_and_stores_nothing(app, client):
    response = client.post("/auth/register", data=registration())
    assert response.status_code == 400
    assert "表单已过期或来源无效" in response.text
    assert counts(app) == (0, 0)


def test_register_with_forged_token_is_400(app, client):
    client.get("/auth/register")
    assert client.post("/auth/register", data=registration(csrf_token="forged")).status_code == 400
    assert counts(app) == (0, 0)


def test_register_with_token_succeeds(app, client):
    token = token_from(client, "/auth/register")
    assert client.post("/auth/register", data=registration(csrf_token=token)).status_code == 302
    assert counts(app) == (1, 1)


def test_login_without_token_is_refused(app, client):
    with app.app_context():
        factories.make_user("alice")
        db.session.commit()
    client.get("/auth/login")
    assert client.post("/auth/login", data={"username": "alice", "password": factories.PASSWORD}).status_code == 400
    assert client.get("/auth/password").status_code == 302


def test_logout_without_token_keeps_the_session(app, client):
    with app.app_context():
        factories.make_user("alice")
        db.session.commit()
    log_in(client, "alice")
    assert client.post("/auth/logout").status_code == 400
    assert client.get("/auth/password").status_code == 200
    # the logout button in the page carries a token that works
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/").text).group(1)
    assert client.post("/auth/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/auth/password").status_code == 302


def test_admin_deactivate_without_token_changes_nothing(app, client):
    with app.app_context():
        factories.make_user("root", role="admin")
        target_id = factories.make_user("target").id
        db.session.commit()
    log_in(client, "root")
    assert client.post(f"/admin/users/{target_id}/deactivate").status_code == 400
    with app.app_context():
        target = db.session.get(User, target_id)
        assert target.is_active_account and target.session_version == 1


def test_password_change_without_token_changes_nothing(app, client):
    with app.app_context():
        user_id = factories.make_user("alice").id
        db.session.commit()
    log_in(client, "alice")
    response = client.post("/auth/password", data={"old_password": factories.PASSWORD,
                                                   "new_password": "Brand-new-2027", "confirm": "Brand-new-2027"})
    assert response.status_code == 400
    with app.app_context():
        assert db.session.get(User, user_id).session_version == 1
