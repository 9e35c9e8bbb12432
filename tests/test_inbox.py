"""Message centre: unread badge from a context processor, reading, privacy, CSRF on the POST."""
import pytest
from sqlalchemy import select

from marketplace.matching import inbox
from models import Message, db
from tests import factories as f


@pytest.fixture
def mail(app):
    with app.app_context():
        alice, bob = f.make_user("alice", "enterprise"), f.make_user("bob", "institute")
        first = inbox.send(alice, bob, "第一封", "内容一")
        inbox.send(alice, None, "第二封")
        inbox.send(bob, alice, "给 bob 的信", "秘密")
        db.session.commit()
        return {"first": first.id, "bob_message": db.session.scalar(
            select(Message.id).where(Message.recipient_id == bob.id))}


def _badge(page: str) -> str:
    start = page.index('id="nav-inbox"')
    return page[start:page.index("</a>", start)]


def test_unread_badge_in_the_navbar(client, auth, mail):
    auth.login("alice")
    assert "2" in _badge(client.get("/").get_data(as_text=True))
    client.get(f"/inbox/{mail['first']}")
    assert "1" in _badge(client.get("/").get_data(as_text=True))


def test_anonymous_has_no_inbox(client, mail):
    assert 'id="nav-inbox"' not in client.get("/").get_data(as_text=True)
    assert client.get("/inbox/").status_code == 302


def test_list_and_unread_filter(client, auth, mail):
    auth.login("alice")
    page = client.get("/inbox/").get_data(as_text=True)
    assert "第一封" in page and "第二封" in page and "给 bob 的信" not in page
    client.get(f"/inbox/{mail['first']}")
    unread = client.get("/inbox/?unread=1").get_data(as_text=True)
    assert "第二封" in unread and "第一封" not in unread


def test_someone_elses_message_is_404_and_stays_unread(client, auth, mail, app):
    auth.login("alice")
    assert client.get(f"/inbox/{mail['bob_message']}").status_code == 404
    with app.app_context():
        assert db.session.get(Message, mail["bob_message"]).read_at is None


def test_mark_all_read(client, auth, mail, app):
    auth.login("alice")
    response = client.post("/inbox/read-all", follow_redirects=True)
    assert "已将 2 条消息标为已读" in response.get_data(as_text=True)
    assert "badge" not in _badge(client.get("/").get_data(as_text=True))
    with app.app_context():
        assert db.session.get(Message, mail["bob_message"]).read_at is None


@pytest.mark.parametrize("page", ["abc", "-3", "99999"])
def test_bad_page_numbers_do_not_fail(client, auth, mail, page):
    auth.login("alice")
    assert client.get(f"/inbox/?page={page}").status_code in (200, 404)


class TestWithCsrf:
    @pytest.fixture
    def app_config(self):
        return {"WTF_CSRF_ENABLED": True}

    def test_state_changes_need_the_token(self, client, mail, app):
        with app.app_context():
            alice = db.session.scalar(select(Message).where(Message.id == mail["first"])).recipient
            username = alice.username
        login_page = client.get("/auth/login").get_data(as_text=True)
        token = login_page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        client.post("/auth/login", data={"username": username, "password": f.PASSWORD, "csrf_token": token})
        assert client.get("/inbox/").status_code == 200  # logged in
        assert client.post("/inbox/read-all").status_code == 400
        assert client.post("/matching/propose", data={"need_id": "1", "result_id": "1"}).status_code == 400
        with app.app_context():
            assert db.session.get(Message, mail["first"]).read_at is None
