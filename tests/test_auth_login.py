"""Log-in, throttling, safe `next`, log-out and password change."""
import pytest
from sqlalchemy import func, select

from marketplace.auth.safe_redirect import is_safe_next, safe_next
from models import LoginAttempt, User, db
from tests import factories

NEW_PASSWORD = "Another-pass-2027"


@pytest.fixture
def alice(app):
    with app.app_context():
        user = factories.make_user("alice", role="institute", display_name="李研究员")
        db.session.commit()
        return user.id


def failed_attempts(app, username):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(LoginAttempt).where(
            LoginAttempt.username == username, LoginAttempt.succeeded.is_(False)))


def test_login_page(client):
    page = client.get("/auth/login").text
    assert 'name="username"' in page and 'name="remember"' in page


def test_login_success_redirects_home_and_records_attempt(app, client, auth, alice):
    response = auth.login("alice")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "李研究员" in client.get("/").text
    with app.app_context():
        assert db.session.get(User, alice).last_login_at is not None
        assert db.session.scalar(select(LoginAttempt.succeeded)) is True


def test_login_is_case_insensitive_on_username(client, auth, alice):
    assert auth.login("ALICE").status_code == 302


def test_wrong_password_is_refused(app, client, auth, alice):
    response = auth.login("alice", "wrong-password-1")
    assert response.status_code == 200
    assert "用户名或密码错误。" in response.text
    assert failed_attempts(app, "alice") == 1
    assert client.get("/auth/password").status_code == 302


def test_unknown_user_gets_the_same_message(client, auth):
    assert "用户名或密码错误。" in auth.login("nobody").text


def test_empty_login_form(client):
    response = client.post("/auth/login", data={})
    assert "请填写用户名。" in response.text and "请填写密码。" in response.text


def test_login_throttled_after_five_failures(app, client, auth, alice):
    for _ in range(5):
        assert "用户名或密码错误。" in auth.login("alice", "wrong-password-1").text
    assert failed_attempts(app, "alice") == 5
    response = auth.login("alice")  # even the right password is refused now
    assert response.status_code == 200
    # Growing waits per (account, client) since the fix: the first wait is 30 seconds.
    assert "登录失败次数过多，请 30 秒后再试。" in response.text
    assert client.get("/auth/password").status_code == 302
    # another account from the same address is not locked out
    with app.app_context():
        factories.make_user("bob")
        db.session.commit()
    assert auth.login("bob").status_code == 302


def test_throttle_window_expires(app, client, auth, alice):
    for _ in range(5):
        auth.login("alice", "wrong-password-1")
    with app.app_context():
        for attempt in db.session.scalars(select(LoginAttempt)):
            attempt.at = attempt.at.replace(year=attempt.at.year - 1)
        db.session.commit()
    assert auth.login("alice").status_code == 302


def test_remember_me_sets_cookie(client, alice):
    client.post("/auth/login", data={"username": "alice", "password": factories.PASSWORD, "remember": "y"})
    assert client.get_cookie("remember_token") is not None


def test_without_remember_me_no_cookie(client, auth, alice):
    auth.login("alice")
    assert client.get_cookie("remember_token") is None


def test_deactivated_account_cannot_log_in(app, auth, alice):
    with app.app_context():
        user = db.session.get(User, alice)
        user.is_active_account = False
        user.session_version = 2
        db.session.commit()
    assert "该账号已停用，请联系平台管理员。" in auth.login("alice").text


@pytest.mark.parametrize("target, expected", [
    ("/results", "/results"),
    ("/results?page=2&field=%E5%86%9C%E4%B8%9A", "/results?page=2&field=%E5%86%9C%E4%B8%9A"),
    ("/auth/password", "/auth/password"),
    ("http://evil.com", "/"),
    ("https://evil.com/results", "/"),
    ("//evil.com", "/"),
    ("\\\\evil.com", "/"),
    ("/\\evil.com", "/"),
    ("\\/evil.com", "/"),
    ("javascript:alert(1)", "/"),
    ("results", "/"),
    ("/\t/evil.com", "/"),
    (" //evil.com", "/"),
    ("", "/"),
])
def test_next_redirect_only_to_this_site(client, alice, target, expected):
    response = client.post("/auth/login", query_string={"next": target},
                           data={"username": "alice", "password": factories.PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == expected


@pytest.mark.parametrize("target", [None, "", "/", "/a/b?c=d#e"])
def test_safe_next_accepts_local_paths(target):
    assert safe_next(target, "/home") == (target or "/home")


@pytest.mark.parametrize("target", ["http:/evil.com", "HTTP://evil.com", "/\r\n/evil.com", "///evil.com",
                                    "data:text/html,x", "/\x7f"])
def test_is_safe_next_rejects(target):
    assert not is_safe_next(target)


def test_protected_page_round_trip_through_login(client, alice):
    response = client.get("/auth/password")
    assert response.status_code == 302
    login_url = response.headers["Location"]
    assert login_url.startswith("/auth/login?next=")
    response = client.post(login_url, data={"username": "alice", "password": factories.PASSWORD})
    assert response.headers["Location"] == "/auth/password"


def test_logout_via_get_is_405(client, auth, alice):
    auth.login("alice")
    assert client.get("/auth/logout").status_code == 405
    assert client.get("/auth/password").status_code == 200  # still logged in


def test_logout_via_post(client, auth, alice):
    auth.login("alice")
    response = auth.logout()
    assert response.status_code == 302
    assert client.get("/auth/password").status_code == 302


def test_change_password_keeps_this_session_and_rejects_old_cookie(app, client, auth, alice):
    auth.login("alice")
    old_cookie = client.get_cookie("session").value
    response = client.post("/auth/password", data={"old_password": factories.PASSWORD,
                                                   "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert client.get("/auth/password").status_code == 200  # this session continues

    copy = app.test_client()
    copy.set_cookie("session", old_cookie)
    assert copy.get("/auth/password").status_code == 302  # the old cookie no longer works

    fresh = app.test_client()
    assert "用户名或密码错误。" in fresh.post("/auth/login", data={"username": "alice",
                                                                 "password": factories.PASSWORD}).text
    assert fresh.post("/auth/login", data={"username": "alice", "password": NEW_PASSWORD}).status_code == 302


def test_change_password_reissues_remember_cookie(app, client, alice):
    client.post("/auth/login", data={"username": "alice", "password": factories.PASSWORD, "remember": "y"})
    old_remember = client.get_cookie("remember_token").value
    client.post("/auth/password", data={"old_password": factories.PASSWORD,
                                        "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert client.get_cookie("remember_token").value != old_remember
    copy = app.test_client()
    copy.set_cookie("remember_token", old_remember)
    assert copy.get("/auth/password").status_code == 302


@pytest.mark.parametrize("data, message", [
    (dict(old_password="wrong-password-1", new_password=NEW_PASSWORD, confirm=NEW_PASSWORD), "原密码不正确。"),
    (dict(old_password=factories.PASSWORD, new_password="short1", confirm="short1"), "密码至少 8 位。"),
    (dict(old_password=factories.PASSWORD, new_password="alice-2026-x", confirm="alice-2026-x"), "密码不能包含用户名。"),
    (dict(old_password=factories.PASSWORD, new_password=NEW_PASSWORD, confirm="Different-2027"), "两次输入的密码不一致。"),
    (dict(old_password="", new_password="", confirm=""), "请填写原密码。"),
])
def test_change_password_bad_input_changes_nothing(app, client, auth, alice, data, message):
    auth.login("alice")
    with app.app_context():
        before = db.session.get(User, alice).password_hash, db.session.get(User, alice).session_version
    response = client.post("/auth/password", data=data)
    assert response.status_code == 200
    assert message in response.text
    with app.app_context():
        user = db.session.get(User, alice)
        assert (user.password_hash, user.session_version) == before
