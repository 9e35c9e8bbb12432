"""Who may open which account and administration page: role × route table."""
import pytest

from models import db
from tests import factories

ROLES = ("institute", "enterprise", "broker", "official", "admin")
LOGIN = "login"
HOME = "home"

GET_ROUTES = ("/auth/login", "/auth/register", "/auth/password", "/auth/org/members",
              "/admin/", "/admin/users", "/admin/users/new", "/admin/organisations")

EXPECTED = {
    # route: (anonymous, institute/enterprise/broker/official, admin)
    "/auth/login": (200, HOME, HOME),
    "/auth/register": (200, HOME, HOME),
    "/auth/password": (LOGIN, 200, 200),
    "/auth/org/members": (LOGIN, 200, 200),
    "/admin/": (LOGIN, 403, 200),
    "/admin/users": (LOGIN, 403, 200),
    "/admin/users/new": (LOGIN, 403, 200),
    "/admin/organisations": (LOGIN, 403, 200),
}

CASES = [(who, route) for who in ("anonymous",) + ROLES for route in GET_ROUTES]


def expected_for(who, route):
    anonymous, member, admin = EXPECTED[route]
    return anonymous if who == "anonymous" else admin if who == "admin" else member


def check(response, expected):
    if expected == LOGIN:
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/auth/login?next=")
    elif expected == HOME:
        assert response.status_code == 302 and response.headers["Location"] == "/"
    else:
        assert response.status_code == expected


@pytest.fixture
def log_in_as(app, auth):
    def _log_in(role):
        if role == "anonymous":
            return
        with app.app_context():
            factories.make_user(f"who_{role}", role=role)
            db.session.commit()
        assert auth.login(f"who_{role}").status_code == 302
    return _log_in


@pytest.mark.parametrize("who, route", CASES)
def test_get_access(client, log_in_as, who, route):
    log_in_as(who)
    check(client.get(route), expected_for(who, route))


POST_ROUTES = ("/admin/users/new", "/admin/users/1/activate", "/admin/users/1/deactivate")


@pytest.mark.parametrize("who", ("anonymous",) + ROLES[:-1])
@pytest.mark.parametrize("route", POST_ROUTES)
def test_admin_posts_refused_to_non_admins(app, client, log_in_as, who, route):
    log_in_as(who)
    with app.app_context():
        target = factories.make_user("target")
        db.session.commit()
        assert target.id  # the route id may or may not match; access is checked first
    check(client.post(route, data={}), LOGIN if who == "anonymous" else 403)


@pytest.mark.parametrize("route", ("/auth/org/members/1/approve", "/auth/org/members/1/reject"))
def test_membership_decisions_need_login(client, route):
    check(client.post(route), LOGIN)


def test_logout_anonymous_is_harmless(client):
    assert client.post("/auth/logout").status_code == 302
