"""The route table names every endpoint, agrees with each view's decorator, and the decorator enforces it."""
import pytest
from sqlalchemy import select

from marketplace.api.tokens import create_token
from marketplace.permissions import LOGGED_IN, PERMISSIONS, PUBLIC, ROUTES, has
from models import User, db
from models.user import ROLES
from tests import factories
from tests.api_helpers import bearer

# Who may open what is decided in Python: checked on SQLite only (see pytest.ini).
pytestmark = pytest.mark.dialect_free

LOGIN = "login"


def test_every_endpoint_has_a_row_and_every_row_an_endpoint(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert sorted(endpoints - ROUTES.keys()) == [], "endpoints missing from permissions.ROUTES"
    assert sorted(ROUTES.keys() - endpoints) == [], "rows of permissions.ROUTES that name no endpoint"


def test_rows_name_known_permissions():
    unknown = {name for name in ROUTES.values() if name not in PERMISSIONS and name not in (PUBLIC, LOGGED_IN)}
    assert unknown == set()


def test_each_view_is_guarded_as_its_row_says(app):
    guards = {endpoint: getattr(view, "permission", PUBLIC) for endpoint, view in app.view_functions.items()}
    assert guards == ROUTES


def test_every_permission_is_held_by_known_roles():
    assert all(roles and roles <= set(ROLES) for roles in PERMISSIONS.values())


def test_has_refuses_anonymous_and_inactive_users(ctx):
    user = factories.make_user("quiet", role="broker")
    assert has(user, "match.propose")
    user.is_active_account = False
    assert not has(user, "match.propose")
    assert not has(None, "match.propose")
    with pytest.raises(KeyError):
        has(user, "no.such.permission")


SITE_ROUTES = (
    "/results/new", "/review", "/stats/dashboard", "/stats/events/new", "/matching/board", "/matching/mine",
    "/contracts/new", "/brokers/me", "/admin/users", "/contracts/", "/inbox/",
)


def _permission_of(app, path, method="GET"):
    adapter = app.url_map.bind("localhost")
    endpoint, _ = adapter.match(path, method=method)
    return ROUTES[endpoint]


def _expected(app, who, path, method="GET"):
    name = _permission_of(app, path, method)
    if who == "anonymous":
        return LOGIN
    return 200 if name == LOGGED_IN or who in PERMISSIONS[name] else 403


@pytest.fixture
def people(app):
    """One user of every role, officials in a city bureau."""
    with app.app_context():
        for role in ROLES:
            org = factories.make_org(f"{role} 单位（测试）", "机关", "530100") if role == "official" else None
            factories.make_user(f"who_{role}", role=role, org=org)
        db.session.commit()


@pytest.mark.parametrize("who", ("anonymous",) + ROLES)
@pytest.mark.parametrize("path", SITE_ROUTES)
def test_site_routes_by_role(app, client, auth, people, who, path):
    if who != "anonymous":
        assert auth.login(f"who_{who}").status_code == 302
    response = client.get(path)
    expected = _expected(app, who, path)
    if expected == LOGIN:
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/auth/login?next=")
    else:
        assert response.status_code == expected


API_CALLS = (("GET", "/api/v1/me"), ("GET", "/api/v1/contracts"), ("POST", "/api/v1/contracts"),
             ("POST", "/api/v1/results"), ("POST", "/api/v1/needs"))


@pytest.fixture
def tokens(app, people):
    with app.app_context():
        found = {role: create_token(db.session.scalar(select(User).where(User.username == f"who_{role}")), "t")
                 for role in ROLES}
        db.session.commit()
    return found


@pytest.mark.parametrize("who", ("anonymous",) + ROLES)
@pytest.mark.parametrize("method, path", API_CALLS)
def test_api_calls_by_role(app, client, tokens, who, method, path):
    headers = bearer(tokens[who]) if who != "anonymous" else {}
    response = client.open(path, method=method, json={} if method == "POST" else None, headers=headers)
    expected = _expected(app, who, path, method)
    if expected == LOGIN:
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == 'Bearer realm="api"'
        assert response.json["error"]["code"] == "unauthorized"
    elif expected == 403:
        assert response.status_code == 403 and response.json["error"]["code"] == "forbidden"
    else:  # allowed: an empty body is refused for its content, not for the caller
        assert response.status_code not in (401, 403)


def test_a_session_cookie_alone_does_not_authenticate_the_api(client, auth, people, tokens):
    client.post("/auth/login", data={"username": "who_broker", "password": factories.PASSWORD, "remember": "y"})
    assert client.get_cookie("remember_token") is not None
    assert client.get("/contracts/").status_code == 200
    response = client.get("/api/v1/me")
    assert response.status_code == 401 and response.json["error"]["code"] == "unauthorized"
    assert client.get("/api/v1/contracts").status_code == 401
    # with a token the API answers as the token's user, whoever the browser session belongs to
    assert client.get("/api/v1/me", headers=bearer(tokens["official"])).json["username"] == "who_official"
    assert client.get("/contracts/").status_code == 200


def test_a_bearer_token_does_not_open_site_pages(client, tokens):
    response = client.get("/contracts/", headers=bearer(tokens["broker"]))
    assert response.status_code == 302 and response.headers["Location"].startswith("/auth/login?next=")
