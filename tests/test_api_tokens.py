"""API tokens: `flask tokens create|list|revoke`, the 我的 API 令牌 page (CSRF on), revocation and deactivation."""
import re

import pytest
from sqlalchemy import select

from marketplace.api.tokens import create_token, token_digest
from models import ApiToken, User, db
from tests import factories
from tests.api_helpers import bearer
from tests.factories import make_user


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}


@pytest.fixture
def users(app):
    with app.app_context():
        make_user("alice", "institute")
        make_user("bob", "enterprise")
        db.session.commit()


def me(client, token):
    return client.get("/api/v1/me", headers=bearer(token))


def csrf_from(html: str) -> str:
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html).group(1)


def log_in(client, username):
    token = csrf_from(client.get("/auth/login").text)
    response = client.post("/auth/login", data={"username": username, "password": factories.PASSWORD,
                                                 "csrf_token": token})
    assert response.status_code == 302


# --- command line -------------------------------------------------------------------------------------------


def test_create_list_and_revoke_from_the_command_line(client, runner, users):
    created = runner.invoke(args=["tokens", "create", "alice", "--name", "同步脚本"])
    raw = created.output.strip()
    assert created.exit_code == 0 and raw.startswith("tm_")
    listing = runner.invoke(args=["tokens", "list", "alice"])
    assert listing.exit_code == 0 and "同步脚本" in listing.output and "有效" in listing.output
    assert raw not in listing.output  # only the hash is stored
    token_id = int(listing.output.splitlines()[1].split("\t")[0])

    assert me(client, raw).status_code == 200
    assert "UTC" in runner.invoke(args=["tokens", "list", "alice"]).output.splitlines()[1].split("\t")[3]

    revoked = runner.invoke(args=["tokens", "revoke", str(token_id)])
    assert revoked.exit_code == 0 and "已撤销令牌" in revoked.output
    assert me(client, raw).status_code == 401  # at once
    again = runner.invoke(args=["tokens", "revoke", str(token_id)])
    assert again.exit_code == 0 and "已于" in again.output
    assert "已撤销" in runner.invoke(args=["tokens", "list", "alice"]).output


def test_revoke_all_of_a_user(app, client, runner, users):
    with app.app_context():
        alice, bob = (db.session.scalar(select(User).where(User.username == name)) for name in ("alice", "bob"))
        alice_tokens = [create_token(alice, "a"), create_token(alice, "b")]
        bob_token = create_token(bob, "c")
        db.session.commit()
    result = runner.invoke(args=["tokens", "revoke", "--all", "alice"])
    assert result.exit_code == 0 and "已撤销 2 个令牌" in result.output
    assert [me(client, t).status_code for t in alice_tokens] == [401, 401]
    assert me(client, bob_token).status_code == 200


@pytest.mark.parametrize("args", [
    ["tokens", "revoke"], ["tokens", "revoke", "1", "--all", "alice"], ["tokens", "revoke", "999"],
    ["tokens", "revoke", "--all", "ghost"], ["tokens", "list", "ghost"], ["tokens", "create", "ghost"],
])
def test_command_line_mistakes_exit_non_zero(runner, users, args):
    assert runner.invoke(args=args).exit_code != 0


def test_tokens_are_stored_hashed(app, users):
    with app.app_context():
        raw = create_token(db.session.scalar(select(User).where(User.username == "alice")), "x")
        db.session.commit()
        stored = db.session.scalar(select(ApiToken))
        assert stored.token_hash == token_digest(raw) and raw not in stored.token_hash


def test_a_deactivated_user_s_token_stops_working(app, client, users):
    with app.app_context():
        alice = db.session.scalar(select(User).where(User.username == "alice"))
        raw = create_token(alice, "x")
        db.session.commit()
        assert me(client, raw).status_code == 200
        alice.is_active_account = False
        db.session.commit()
    response = me(client, raw)
    assert response.status_code == 401 and response.json["error"]["code"] == "unauthorized"


# --- the account page ---------------------------------------------------------------------------------------


def test_the_page_needs_a_login(client, users):
    response = client.get("/auth/tokens")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_create_on_the_page_shows_the_token_once(app, client, users):
    log_in(client, "alice")
    page = client.get("/auth/tokens")
    response = client.post("/auth/tokens", data={"name": "数据同步", "csrf_token": csrf_from(page.text)})
    assert response.status_code == 200 and "请立即复制保存" in response.text
    raw = re.search(r'value="(tm_[^"]+)"', response.text).group(1)
    assert me(client, raw).json["username"] == "alice"
    later = client.get("/auth/tokens").text
    assert raw not in later and "数据同步" in later


def test_page_posts_without_csrf_are_refused(app, client, users):
    log_in(client, "alice")
    assert client.post("/auth/tokens", data={"name": "x"}).status_code == 400
    with app.app_context():
        assert db.session.scalars(select(ApiToken)).all() == []
        raw = create_token(db.session.scalar(select(User).where(User.username == "alice")), "x")
        token_id = db.session.scalar(select(ApiToken.id))
        db.session.commit()
    assert client.post(f"/auth/tokens/{token_id}/revoke").status_code == 400
    assert me(client, raw).status_code == 200


def test_revoke_my_token_but_never_another_users(app, client, users):
    with app.app_context():
        alice, bob = (db.session.scalar(select(User).where(User.username == name)) for name in ("alice", "bob"))
        mine, theirs = create_token(alice, "mine"), create_token(bob, "theirs")
        db.session.commit()
        mine_id, theirs_id = (db.session.scalar(select(ApiToken.id).where(ApiToken.token_hash == token_digest(t)))
                              for t in (mine, theirs))
    log_in(client, "alice")
    csrf = csrf_from(client.get("/auth/tokens").text)
    assert client.post(f"/auth/tokens/{theirs_id}/revoke", data={"csrf_token": csrf}).status_code == 404
    assert me(client, theirs).status_code == 200
    assert client.post("/auth/tokens/999/revoke", data={"csrf_token": csrf}).status_code == 404
    response = client.post(f"/auth/tokens/{mine_id}/revoke", data={"csrf_token": csrf})
    assert response.status_code == 302
    assert me(client, mine).status_code == 401
    assert "已撤销" in client.get("/auth/tokens").text


def test_the_page_limits_active_tokens(app, client, users, monkeypatch):
    from marketplace.auth import views_tokens

    monkeypatch.setattr(views_tokens, "MAX_ACTIVE_TOKENS", 1)
    log_in(client, "alice")
    for expected in ("请立即复制保存", "有效令牌最多 1 个"):
        csrf = csrf_from(client.get("/auth/tokens").text)
        assert expected in client.post("/auth/tokens", data={"name": "n", "csrf_token": csrf}).text


def test_api_calls_need_no_csrf_token(client, users, app):
    """The API authenticates with bearer tokens only, so CSRF protection does not apply to it."""
    with app.app_context():
        raw = create_token(db.session.scalar(select(User).where(User.username == "alice")), "x")
        db.session.commit()
    response = client.post("/api/v1/results", json={"title": ""}, headers=bearer(raw))
    assert response.status_code == 422
    log_in(client, "alice")  # a browser session alone does not authenticate API calls
    assert client.post("/api/v1/results", json={"title": ""}).status_code == 401


@pytest.mark.parametrize("method, url, status", [
    ("POST", "/api/v1/nowhere", 404), ("DELETE", "/api/v1/results/1", 405), ("PUT", "/api/v1/contracts", 405),
])
def test_routing_errors_stay_json_with_csrf_on(client, method, url, status):
    response = client.open(url, method=method, json={})
    assert response.status_code == status and response.json["error"]["code"]
