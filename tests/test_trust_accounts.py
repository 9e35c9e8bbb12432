"""Accounts you can trust: the secret key, server-side sessions, cookies, throttling, sign-up, passwords, tokens."""
import os
import stat
from datetime import timedelta

import pytest
from sqlalchemy import event, select

from marketplace import InsecureSecretKey, create_app
from marketplace.api.tokens import create_token
from marketplace.auth.services import common_passwords, is_common_password, password_problem
from marketplace.auth.sessions import load_user
from marketplace.auth.throttle import backoff_seconds
from marketplace.config import DEV_SECRET_KEY, SECRET_KEY_FILE, ensure_secret_key_file
from models import ApiToken, LoginAttempt, User, UserSession, db
from models.base import utcnow
from tests import factories
from tests.api_helpers import bearer
from tests.test_migrations import empty_db  # noqa: F401 (fixture)

NEW_PASSWORD = "Another-pass-2027"


@pytest.fixture
def alice(app):
    with app.app_context():
        user = factories.make_user("alice", role="institute")
        db.session.commit()
        return user.id


def log_in(client, username="alice", password=factories.PASSWORD, remember=False, client_ip=None):
    data = {"username": username, "password": password}
    if remember:
        data["remember"] = "y"
    headers = {"X-Forwarded-For": client_ip} if client_ip else {}
    return client.post("/auth/login", data=data, headers=headers)


# --- 1. the secret key -------------------------------------------------------------------------

@pytest.fixture
def production_env(monkeypatch):
    """The environment of a served app: no key, no debug, not under the `flask` command."""
    for name in ("MARKET_SECRET_KEY", "FLASK_DEBUG", "FLASK_RUN_FROM_CLI", "MARKET_DEBUG", "MARKET_TESTING"):
        monkeypatch.delenv(name, raising=False)


def read(path) -> str:
    with open(path, encoding="utf-8") as handle:
        return handle.read().strip()


def served_app(tmp_path, **config):
    return create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'market.db'}",
                       "INSTANCE_PATH": str(tmp_path / "instance"), **config})


@pytest.mark.parametrize("key", [None, DEV_SECRET_KEY, "short-key-31-characters-long-xx"])
def test_a_served_app_refuses_a_missing_default_or_short_key(production_env, tmp_path, key):
    with pytest.raises(InsecureSecretKey, match="MARKET_SECRET_KEY"):
        served_app(tmp_path, **({"SECRET_KEY": key} if key else {}))


def test_the_default_key_from_the_environment_is_refused(production_env, monkeypatch, tmp_path):
    monkeypatch.setenv("MARKET_SECRET_KEY", DEV_SECRET_KEY)
    with pytest.raises(InsecureSecretKey, match="MARKET_SECRET_KEY"):
        served_app(tmp_path)


def test_a_strong_key_from_the_environment_is_used_as_written(production_env, monkeypatch, tmp_path):
    monkeypatch.setenv("MARKET_SECRET_KEY", "1" * 40)  # digits only: not parsed as a JSON number
    assert served_app(tmp_path).config["SECRET_KEY"] == "1" * 40


def test_the_instance_key_file_is_made_once_private_and_read_by_create_app(production_env, tmp_path):
    instance = str(tmp_path / "instance")
    path, created = ensure_secret_key_file(instance)
    assert created and path == os.path.join(instance, SECRET_KEY_FILE)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    key = read(path)
    assert len(key) >= 32
    assert ensure_secret_key_file(instance) == (path, False)
    assert read(path) == key
    assert served_app(tmp_path).config["SECRET_KEY"] == key


def test_flask_commands_run_without_a_key_and_secret_key_ensure_writes_it(production_env, monkeypatch, tmp_path):
    monkeypatch.setenv("FLASK_RUN_FROM_CLI", "true")  # what the `flask` command sets
    app = served_app(tmp_path)
    assert app.config["SECRET_KEY"] is None
    result = app.test_cli_runner().invoke(args=["secret-key", "ensure"])
    assert result.exit_code == 0, result.output
    assert os.path.exists(tmp_path / "instance" / SECRET_KEY_FILE)
    monkeypatch.delenv("FLASK_RUN_FROM_CLI")
    assert len(served_app(tmp_path).config["SECRET_KEY"]) >= 32


def test_debug_and_tests_may_use_the_development_key(production_env, tmp_path):
    assert served_app(tmp_path, TESTING=True).config["SECRET_KEY"] == DEV_SECRET_KEY
    assert served_app(tmp_path, DEBUG=True).config["SECRET_KEY"] == DEV_SECRET_KEY


# --- 2. sessions end on the server ----------------------------------------------------------------

def test_logout_ends_a_copied_session_cookie(app, client, alice):
    log_in(client)
    copied = client.get_cookie("session").value
    client.post("/auth/logout")
    thief = app.test_client()
    thief.set_cookie("session", copied)
    assert thief.get("/auth/password").status_code == 302


def test_logout_ends_a_copied_remember_cookie(app, client, alice):
    log_in(client, remember=True)
    copied = client.get_cookie("remember_token").value
    client.post("/auth/logout")
    thief = app.test_client()
    thief.set_cookie("remember_token", copied)
    assert thief.get("/auth/password").status_code == 302


def test_a_remember_cookie_resumes_its_own_session_until_logout(app, client, alice):
    log_in(client, remember=True)
    later = app.test_client()
    later.set_cookie("remember_token", client.get_cookie("remember_token").value)
    assert later.get("/auth/password").status_code == 200
    with app.app_context():
        assert len(db.session.scalars(select(UserSession)).all()) == 1


def test_log_out_everywhere_ends_every_session(app, client, alice):
    other = app.test_client()
    log_in(client)
    log_in(other, remember=True)
    assert "退出所有设备" in client.get("/auth/password").text
    response = client.post("/auth/sessions/end-all")
    assert response.status_code == 302 and response.headers["Location"] == "/auth/login"
    assert client.get("/auth/password").status_code == 302
    assert other.get("/auth/password").status_code == 302
    with app.app_context():
        assert db.session.get(User, alice).session_version == 2
        assert all(row.ended_at for row in db.session.scalars(select(UserSession)))
    assert log_in(app.test_client()).status_code == 302  # logging in again works


def test_the_password_page_lists_open_sessions(app, client, alice):
    log_in(client)
    page = client.get("/auth/password").text
    assert "登录中的设备" in page and "127.0.0.1" in page


def test_loading_the_user_is_one_query(app, client, alice):
    log_in(client)
    with client.session_transaction() as sess:
        session_id = sess["_user_id"]
    statements = []
    with app.test_request_context("/"):
        db.session.remove()
        listener = lambda *args: statements.append(args[2]) if args[2] != "BEGIN" else None  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            loaded = load_user(session_id)
            assert loaded.id == alice and loaded.organisation is not None
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
    assert len(statements) == 1


def test_a_forged_or_foreign_session_id_is_refused(app, client, alice):
    log_in(client)
    with client.session_transaction() as sess:
        user_id, token = sess["_user_id"].split(":")
    with app.test_request_context("/"):
        assert load_user(f"{user_id}:{token}x") is None
        assert load_user(f"{int(user_id) + 1}:{token}") is None
        assert load_user(f"{user_id}:1") is None  # the old "<id>:<session version>" form
        assert load_user("") is None


def test_deactivation_ends_sessions_through_the_session_version(app, client, alice):
    log_in(client)
    with app.app_context():
        db.session.get(User, alice).session_version += 1
        db.session.commit()
    assert client.get("/auth/password").status_code == 302


# --- 3. cookies -----------------------------------------------------------------------------------

class TestSecureCookies:
    @pytest.fixture(params=["COOKIE_SECURE", "SESSION_COOKIE_SECURE"])
    def app_config(self, request):
        return {request.param: True}

    def test_both_cookies_are_secure_httponly_and_lax(self, app, alice):
        client = app.test_client()
        response = client.post("/auth/login", base_url="https://localhost",
                               data={"username": "alice", "password": factories.PASSWORD, "remember": "y"})
        cookies = {header.split("=", 1)[0]: header for header in response.headers.getlist("Set-Cookie")}
        for name in ("session", "remember_token"):
            attributes = [part.strip() for part in cookies[name].split(";")]
            assert {"Secure", "HttpOnly", "SameSite=Lax"} <= set(attributes), cookies[name]


def test_cookie_settings_follow_one_switch(tmp_path):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'm.db'}",
                      "INSTANCE_PATH": str(tmp_path), "SESSION_COOKIE_SECURE": True})
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_HTTPONLY"] and app.config["REMEMBER_COOKIE_SAMESITE"] == "Lax"


# --- 4. throttling --------------------------------------------------------------------------------

class TestThrottlingBehindAProxy:
    @pytest.fixture
    def app_config(self):
        return {"PROXY_COUNT": 1}

    def test_the_real_client_address_is_recorded(self, app, client, alice):
        log_in(client, password="wrong-password-1", client_ip="203.0.113.7")
        with app.app_context():
            assert db.session.scalar(select(LoginAttempt.remote_addr)) == "203.0.113.7"

    def test_a_stranger_cannot_lock_an_account_out(self, app, client, alice):
        for _ in range(12):
            log_in(client, password="wrong-password-1", client_ip="203.0.113.66")
        assert "登录失败次数过多" in log_in(client, client_ip="203.0.113.66").text
        owner = app.test_client()
        assert log_in(owner, client_ip="198.51.100.5").status_code == 302

    def test_failures_on_many_accounts_slow_only_that_client(self, app, client, alice):
        for n in range(25):
            log_in(client, username=f"nobody{n}", password="wrong-password-1", client_ip="203.0.113.66")
        assert "登录失败次数过多" in log_in(client, client_ip="203.0.113.66").text
        assert log_in(app.test_client(), client_ip="198.51.100.5").status_code == 302


def test_without_proxy_count_the_forwarded_header_is_not_trusted(app, client, alice):
    log_in(client, password="wrong-password-1", client_ip="203.0.113.7")
    with app.app_context():
        assert db.session.scalar(select(LoginAttempt.remote_addr)) == "127.0.0.1"


def test_the_wait_grows_with_each_failure(app):
    with app.app_context():
        waits = [backoff_seconds(n, 5) for n in range(4, 12)]
    assert waits == [0, 30, 60, 120, 240, 480, 900, 900]


def test_the_wait_is_over_after_it_passes(app, client, alice):
    for _ in range(5):
        log_in(client, password="wrong-password-1")
    assert "登录失败次数过多" in log_in(client).text
    with app.app_context():
        for attempt in db.session.scalars(select(LoginAttempt)):
            attempt.at -= timedelta(seconds=31)
        db.session.commit()
    assert log_in(client).status_code == 302


def test_a_client_address_is_forgiven_after_its_window(app, client, alice):
    for n in range(25):
        log_in(client, username=f"nobody{n}", password="wrong-password-1")
    assert "登录失败次数过多" in log_in(client).text
    with app.app_context():
        for attempt in db.session.scalars(select(LoginAttempt)):
            attempt.at -= timedelta(hours=1, seconds=1)
        db.session.commit()
    assert log_in(client).status_code == 302


def test_a_success_starts_the_count_again_for_that_client(app, client, alice):
    for _ in range(4):
        log_in(client, password="wrong-password-1")
    assert log_in(client).status_code == 302
    client.post("/auth/logout")
    for _ in range(4):
        log_in(client, password="wrong-password-1")
    assert log_in(client).status_code == 302


# --- 5. sign-up does not tell whether a username exists ----------------------------------------

def sign_up(client, **overrides):
    data = dict(role="enterprise", username="acme_01", display_name="张经理", email="", phone="",
                password="Tech-market-2026", confirm="Tech-market-2026", org_mode="new",
                org_name="昆明某某新材料有限公司", org_type="企业", region_code="530100", credit_code="")
    data.update(overrides)
    response = client.post("/auth/register", data=data)
    with client.session_transaction() as sess:
        flashes = sess.get("_flashes", [])
    return response.status_code, response.headers.get("Location"), flashes


@pytest.mark.parametrize("mode", ["new", "join"])
def test_sign_up_answers_the_same_for_a_taken_username(app, mode):
    with app.app_context():
        factories.make_user("taken_name", role="enterprise")
        factories.make_org("已入驻企业", org_type="企业")
        db.session.commit()
    extra = {"org_mode": "join", "join_org_name": "已入驻企业"} if mode == "join" else {}
    taken = sign_up(app.test_client(), username="taken_name", **extra)
    free = sign_up(app.test_client(), username="free_name", org_name="另一家企业", **extra)
    assert taken == (302, "/auth/login", free[2]) and free[:2] == (302, "/auth/login")
    assert "已被使用" not in str(taken)
    with app.app_context():
        taken_user = db.session.scalar(select(User).where(User.username == "taken_name"))
        assert taken_user.display_name == "测试用户"  # the existing account is untouched


# --- 6. password policy ---------------------------------------------------------------------------

@pytest.mark.parametrize("password", ["onlyletters", "correct horse battery staple", "字" * 8,
                                      "a long passphrase " * 3 + "x" * 10, "p" * 127 + "q"])
def test_long_and_plain_passphrases_are_accepted(password):
    assert password_problem(password, "alice") is None


@pytest.mark.parametrize("password, message", [
    ("seven77", "密码至少 8 位。"),
    ("x" * 129, "密码不能超过 128 位。"),
    ("my-alice-pass", "密码不能包含用户名。"),
    ("Password1", "这是常见密码"),
    ("WOAINI1314", "这是常见密码"),
    ("a123456789", "这是常见密码"),
])
def test_short_long_named_and_common_passwords_are_refused(password, message):
    assert message in password_problem(password, "alice")


def test_the_shipped_list_holds_the_usual_suspects():
    for password in ("123456", "a123456", "woaini1314", "qq123456", "88888888", "password", "1qaz2wsx"):
        assert is_common_password(password), password
    assert len(common_passwords()) > 1000


def test_change_password_refuses_a_common_password(app, client, alice):
    log_in(client)
    response = client.post("/auth/password", data={"old_password": factories.PASSWORD,
                                                   "new_password": "qq123456789", "confirm": "qq123456789"})
    assert "这是常见密码" in response.text


# --- 7. API tokens expire and end with a password change ----------------------------------------

def test_an_expired_token_gets_401(app, client, alice):
    with app.app_context():
        raw = create_token(db.session.get(User, alice), "t")
        db.session.commit()
    assert client.get("/api/v1/me", headers=bearer(raw)).status_code == 200
    with app.app_context():
        db.session.scalar(select(ApiToken)).expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    response = client.get("/api/v1/me", headers=bearer(raw))
    assert response.status_code == 401


def test_tokens_expire_after_the_configured_days(app, alice):
    app.config["API_TOKEN_DAYS"] = 7
    with app.app_context():
        create_token(db.session.get(User, alice), "t")
        token = db.session.scalar(select(ApiToken))
        assert timedelta(days=7) - (token.expires_at - token.created_at) < timedelta(seconds=5)


def test_expiry_is_shown_on_the_page_and_by_the_cli(app, client, runner, alice):
    with app.app_context():
        create_token(db.session.get(User, alice), "旧脚本")
        expired = db.session.scalar(select(ApiToken))
        expired.expires_at = utcnow() - timedelta(days=1)
        create_token(db.session.get(User, alice), "新脚本", days=30)
        db.session.commit()
    log_in(client)
    page = client.get("/auth/tokens").text
    assert "到期时间" in page and "已过期" in page and "90 天后过期" in page
    output = runner.invoke(args=["tokens", "list", "alice"]).output
    assert "到期时间" in output and "已过期" in output and "有效" in output


def test_a_password_change_revokes_every_token(app, client, alice):
    with app.app_context():
        raws = [create_token(db.session.get(User, alice), name) for name in ("a", "b")]
        db.session.commit()
    log_in(client)
    response = client.post("/auth/password", data={"old_password": factories.PASSWORD,
                                                   "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    for raw in raws:
        assert client.get("/api/v1/me", headers=bearer(raw)).status_code == 401
    assert client.get("/auth/password").status_code == 200  # this browser goes on


def test_the_migration_gives_tokens_issued_before_it_the_default_lifetime(empty_db):
    from datetime import datetime

    from alembic import command
    from sqlalchemy import text

    from marketplace.cli import init_db
    from marketplace.migrations import alembic_config, current_revision, head_revision

    with empty_db.app_context():
        command.upgrade(alembic_config(), "0002_search_changes_at")
        # The users table as revision 0002 has it (the model has columns of later revisions).
        db.session.execute(text(
            "INSERT INTO users (username, password_hash, role, display_name, active, awaiting_approval, "
            "session_version, created_at) VALUES ('alice', 'x', 'admin', '', true, false, 1, :at)"),
            {"at": datetime(2026, 1, 1, 8, 0)})
        user_id = db.session.execute(text("SELECT id FROM users WHERE username = 'alice'")).scalar()
        db.session.execute(text("INSERT INTO api_tokens (user_id, token_hash, name, created_at) "
                                "VALUES (:user, :hash, 'old', :at)"),
                           {"user": user_id, "hash": "0" * 64, "at": datetime(2026, 1, 1, 8, 0)})
        db.session.commit()
        db.session.remove()
        init_db()
        assert current_revision() == head_revision()
        assert db.session.scalar(select(ApiToken.expires_at)) == datetime(2026, 4, 1, 8, 0)
