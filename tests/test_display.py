"""大字版 / 高对比度 (适老化): chosen by anyone for the browser, kept with a signed-in user's account and given
back to any browser they sign in on; the page's HTML stays the same for everyone (the cookie is read in the
browser), and bad input changes nothing."""
import re

import pytest

from models import User, db
from tests import factories


@pytest.fixture
def member(app):
    with app.app_context():
        user = factories.make_user("elder", "enterprise", display_name="王老师")
        db.session.commit()
        return user.id


def stored(app, user_id):
    with app.app_context():
        return db.session.get(User, user_id).display_mode


def cookie(client):
    found = client.get_cookie("display")
    return found.value if found else None


def test_a_visitor_chooses_for_this_browser_without_an_account(client):
    page = client.get("/account/display?next=/results")
    assert page.status_code == 200 and 'name="large"' in page.text and 'href="/results"' in page.text
    response = client.post("/account/display", data={"large": "y", "contrast": "y", "next": "/results"})
    assert response.status_code == 302 and response.headers["Location"] == "/results"
    assert cookie(client) == "large_contrast"
    assert 'checked class="form-check-input" id="large"' in client.get("/account/display").text
    client.post("/account/display", data={"next": "/"})  # both off: the cookie goes
    assert cookie(client) is None


def test_every_page_names_the_buttons_and_its_html_does_not_depend_on_the_choice(client):
    plain = client.get("/results")
    client.set_cookie("display", "large")
    chosen = client.get("/results")
    assert 'data-display-toggle="large"' in plain.text and re.search(r'<script src="/static/js/display\.[0-9a-f]{12}\.js">', plain.text)
    assert plain.get_data() == chosen.get_data()  # the shared page cache and ETags stay valid for everyone


def test_a_member_keeps_the_choice_across_browsers(app, client, auth, member):
    auth.login("elder")
    assert client.post("/account/display", data={"large": "y"}, headers={"X-Requested-With": "fetch"}).status_code == 204
    assert stored(app, member) == "large" and cookie(client) == "large"
    auth.logout()
    other = app.test_client()  # another device: no cookie until the member signs in there
    other.post("/auth/login", data={"username": "elder", "password": factories.PASSWORD})
    assert other.get_cookie("display") is not None and other.get_cookie("display").value == "large"
    other.post("/account/display", data={}, headers={"X-Requested-With": "fetch"})  # back to the standard look
    assert stored(app, member) == "" and other.get_cookie("display") is None
    auth.login("elder")
    client.get("/")  # the first device follows the account on its next page
    assert cookie(client) is None


def test_a_visitors_choice_survives_signing_in_until_the_member_chooses(app, client, auth, member):
    client.post("/account/display", data={"contrast": "y"})
    auth.login("elder")
    client.get("/")
    assert cookie(client) == "contrast" and stored(app, member) is None


@pytest.mark.parametrize("data, headers", [
    ({"large": "y", "csrf_token": "forged"}, {}),  # a forged token
    ({"large": "y", "csrf_token": ""}, {"X-Requested-With": "fetch"}),
])
def test_a_request_without_a_valid_token_changes_nothing(app, client, member, data, headers):
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.post("/account/display", data=data, headers=headers)
    assert response.status_code == 400 and cookie(client) is None and stored(app, member) is None


def test_an_outside_next_address_is_not_followed(client):
    response = client.post("/account/display", data={"large": "y", "next": "https://evil.example/"})
    assert response.status_code == 302 and response.headers["Location"] == "/account/display"
    page = client.get("/account/display?next=//evil.example/")
    assert "evil.example" not in page.text


def test_a_made_up_cookie_is_ignored(app, client, auth, member):
    client.set_cookie("display", "huge_<script>")
    assert client.get("/account/display").status_code == 200
    auth.login("elder")
    assert client.get("/").status_code == 200 and stored(app, member) is None
