"""Every endpoint × object relation × role answers as the access table says; refused writes store nothing."""
import hashlib
from collections import Counter

import pytest
from sqlalchemy import func, select

from marketplace.payments import services as payment_services
from marketplace.permissions import (
    can_edit_listing, can_read_notes, can_see_suggestions, can_view_contract, can_view_listing, can_view_match, has,
)
from models import (
    BrokerProfile, Contract, ContractAttachment, Match, MatchEvent, Message, TechNeed, TechResult, User, db,
)
from models.user import ROLES
from tests import access_table as table
from tests.access_table import ANONYMOUS, WHO
from tests.api_helpers import bearer

# Who may open what is decided in Python: checked on SQLite only (see pytest.ini).
pytestmark = pytest.mark.dialect_free

# Columns a read may touch (sign-in bookkeeping, message read marks); a refused write touches nothing else.
VOLATILE = {"security_log": None, "user_sessions": None, "login_attempts": None, "search_changes": None,
            "api_tokens": {"last_used_at"}, "messages": {"read_at"}, "users": {"last_login_at"}}
COUNTS: Counter = Counter()


@pytest.fixture(scope="module")
def app(module_app):
    """One world for the module; the write tests add objects and change no state another test reads."""
    return module_app


@pytest.fixture(scope="module")
def world(app):
    return table.build_world(app)


@pytest.fixture(scope="module")
def clients(app, world):
    """A signed-in site client per role (the Kunming home users) and an anonymous one."""
    from tests.factories import session_id

    found = {ANONYMOUS: app.test_client()}
    with app.app_context():
        for role in ROLES:
            client = app.test_client()
            value = session_id(db.session.get(User, world["actors"][role]))
            with client.session_transaction() as sess:
                sess["_user_id"] = value
                sess["_fresh"] = True
            found[role] = client
    return found


def fingerprint() -> str:
    """A digest of every stored row, leaving out what reads may touch."""
    digest = hashlib.sha256()
    for tbl in db.metadata.sorted_tables:
        skip = VOLATILE.get(tbl.name, set())
        if skip is None:
            continue
        columns = [c for c in tbl.columns if c.name not in skip]
        for row in db.session.execute(select(*columns).order_by(*tbl.primary_key.columns)):
            digest.update(repr((tbl.name, tuple(row))).encode())
    return digest.hexdigest()


def url_for_row(world, endpoint, rule, arguments, relation, who) -> str:
    values = {}
    for arg in arguments:
        kind = table.kind_of(endpoint, arg)
        if arg in table.WORLD_ARGS:
            values[arg] = world[table.WORLD_ARGS[arg]]
        else:
            values[arg] = table.FIXED_ARGS[arg] if kind is None else table.object_id(world, endpoint, kind, relation, who)
    path = rule
    for arg, value in values.items():
        for converter in ("int:", "id:", "path:", "", "any(activate, deactivate):", "any(approve, reject):"):
            path = path.replace(f"<{converter}{arg}>", str(value))
    return path


def send(clients, world, endpoint, method, path, who):
    """The request as `who` (a bearer token on the API, the signed-in client on the site); the body is read."""
    response = _open(clients, world, endpoint, method, path, who)
    response.get_data()
    response.close()
    return response


def _open(clients, world, endpoint, method, path, who):
    if table.is_api(endpoint):
        headers = bearer(world["tokens"]["km", "home", who]) if who != ANONYMOUS else {}
        body = table.body_for(endpoint, world) if method in ("POST", "PATCH") else None
        return clients[ANONYMOUS].open(path, method=method, json=body, headers=headers)
    return clients[who].open(path, method=method, data=table.body_for(endpoint, world) if method == "POST" else None)


def problem(endpoint, response, outcome) -> str | None:
    """Why `response` is not the table's `outcome`, or None."""
    status = response.status_code
    if outcome == "login":
        if table.is_api(endpoint):
            return None if status == 401 else f"{status} instead of 401"
        location = response.headers.get("Location", "")
        return None if status == 302 and location.startswith("/auth/login?next=") else f"{status} {location}"
    if outcome == "forbidden":
        return None if status == 403 else f"{status} instead of 403"
    if outcome == "refused":
        refusals = (403, 404, 302) if endpoint in table.REDIRECT_REFUSALS else (403, 404)
        return None if status in refusals else f"{status} instead of a refusal"
    return None if status in (200, 302) and "/auth/login" not in response.headers.get("Location", "") \
        else f"{status} instead of 200/302"


def test_every_endpoint_is_in_the_table(app):
    for endpoint, _method, _rule, arguments in table.rows(app):
        assert endpoint in table.ROUTES, endpoint
        unknown = [a for a in arguments if a not in table.ARG_KINDS and a not in table.FIXED_ARGS
                   and a not in table.WORLD_ARGS and a != "listing_id"]
        assert unknown == [], f"{endpoint}: URL arguments the table cannot fill"
        if table.relations_for(arguments) != ("none",):
            assert endpoint in table.OBJECT_RULES, f"{endpoint}: no object rule in tests/access_table.py"
    takes_ids = {e for e, _m, _r, args in table.rows(app) if table.relations_for(args) != ("none",)}
    assert set(table.OBJECT_RULES) == takes_ids


def planned_requests(app, world):
    """(endpoint, method, path, who, relation, outcome) for every cell of the table."""
    planned = []
    with app.app_context():
        for endpoint, method, rule, arguments in table.rows(app):
            for relation in table.relations_for(arguments):
                for who in WHO:
                    path = url_for_row(world, endpoint, rule, arguments, relation, who)
                    planned.append((endpoint, method, path, who, relation, table.expected(endpoint, who, relation)))
    return planned


def stored_rows(app) -> str:
    with app.app_context():
        return fingerprint()


def test_the_table(app, world, clients):
    """Reads first (role × relation), then every refused write: the stored rows stay the same.

    Requests run outside an app context: Flask-Login keeps the signed-in user on `g`.
    """
    failures, writes = [], []
    planned = planned_requests(app, world)
    for endpoint, method, path, who, relation, outcome in planned:
        if method != "GET":
            if outcome == "ok":
                COUNTS["allowed writes left to the write tests"] += 1
            else:
                writes.append((endpoint, method, path, who, relation, outcome))
            continue
        COUNTS["checked reads"] += 1
        found = problem(endpoint, send(clients, world, endpoint, method, path, who), outcome)
        if found:
            failures.append(f"{who} {method} {path} ({endpoint}, {relation}, {outcome}): {found}")
    before = stored_rows(app)
    for endpoint, method, path, who, relation, outcome in writes:
        COUNTS["checked refused writes"] += 1
        found = problem(endpoint, send(clients, world, endpoint, method, path, who), outcome)
        if found:
            failures.append(f"{who} {method} {path} ({endpoint}, {relation}, {outcome}): {found}")
    assert stored_rows(app) == before, "a refused write changed stored rows:\n" + "\n".join(failures[:40])
    print(f"\naccess table: {len(table.rows(app))} endpoint×method rows, {len(planned)} cells, {dict(COUNTS)}")
    assert failures == [], "\n".join(failures[:80])


# Ids guessed one by one by strangers: users of another organisation or region, of several roles.

def _visible(kind, user, obj) -> bool:
    """What the permission functions let `user` open, per guessed page."""
    if kind in ("result", "need"):
        return can_view_listing(user, obj)
    if kind in ("edit_result", "edit_need"):
        return can_edit_listing(user, obj)
    if kind == "contract":
        return can_view_contract(user, obj)
    if kind == "certificate":
        return can_view_contract(user, obj) and obj.status == "registered"
    if kind == "suggestions":
        return can_view_listing(user, obj) and can_see_suggestions(user, obj)
    if kind == "attachment":
        return can_view_contract(user, obj.contract)
    if kind == "payments":
        return can_view_contract(user, obj) and payment_services.can_read(user, obj)
    if kind == "match":
        return can_view_match(user, obj)
    if kind == "message":
        return obj.recipient_id == user.id
    if kind == "profile":
        return obj.is_listed and has(obj.user, "broker.profile")
    return kind == "event"


# (page, model, what may be seen, API?); an attachment is asked for under its own contract
GUESSED = [
    ("/results/{}", TechResult, "result", False), ("/needs/{}", TechNeed, "need", False),
    ("/results/{}/edit", TechResult, "edit_result", False), ("/needs/{}/edit", TechNeed, "edit_need", False),
    ("/contracts/{}", Contract, "contract", False), ("/contracts/{}/certificate", Contract, "certificate", False),
    ("/contracts/{}/certificate.pdf", Contract, "certificate", False),
    ("/contracts/{contract}/attachments/{}", ContractAttachment, "attachment", False),
    ("/contracts/{}/payments", Contract, "payments", False),
    ("/matching/{}", Match, "match", False), ("/inbox/{}", Message, "message", False),
    ("/stats/events/{}", MatchEvent, "event", False), ("/brokers/{}", BrokerProfile, "profile", False),
    ("/api/v1/results/{}", TechResult, "result", True), ("/api/v1/needs/{}", TechNeed, "need", True),
    ("/api/v1/contracts/{}", Contract, "contract", True),
    ("/matching/needs/{}/suggestions", TechNeed, "suggestions", False),
    ("/matching/results/{}/suggestions", TechResult, "suggestions", False),
    ("/api/v1/needs/{}/matches", TechNeed, "suggestions", True),
]
STRANGERS = (("cd", "home", "institute"), ("km", "stranger", "enterprise"), ("cd", "stranger", "official"),
             ("cd", "stranger", "broker"))


@pytest.mark.parametrize("stranger", STRANGERS, ids="_".join)
def test_ids_guessed_one_by_one(app, world, stranger):
    """Ids 1..max+3 on every by-id page: exactly what the permission functions allow answers 200."""
    from tests.factories import session_id

    region, pair, role = stranger
    user_id = world["ids"][region, pair, "user", role]
    client, api = app.test_client(), app.test_client()
    with app.app_context():
        value = session_id(db.session.get(User, user_id))
        attachment_contracts = {a.id: a.contract_id for a in db.session.scalars(select(ContractAttachment))}
        plan = []
        for pattern, model, kind, is_api in GUESSED:
            user = db.session.get(User, user_id)
            should = {obj.id for obj in db.session.scalars(select(model)) if _visible(kind, user, obj)}
            top = db.session.scalar(select(func.max(model.id))) + 3
            plan.append((pattern, kind, is_api, should, top))
    with client.session_transaction() as sess:
        sess["_user_id"] = value
    guessed, failures = 0, []
    for pattern, kind, is_api, should, top in plan:
        answered = set()
        for guess in range(1, top + 1):
            path = pattern.format(guess, contract=attachment_contracts.get(guess, world["ids"][region, pair, "contract",
                                                                                               "draft"]))
            if is_api:
                response = api.get(path, headers=bearer(world["tokens"][stranger]))
            else:
                response = client.get(path)
            response.close()
            if response.status_code == 200:
                answered.add(guess)
            elif response.status_code not in (403, 404):
                failures.append(f"{path}: {response.status_code}")
            guessed += 1
        if answered != should:
            failures.append(f"{pattern}: answered {sorted(answered)}, may see {sorted(should)}")
    print(f"\n{stranger}: {guessed} ids guessed")
    assert failures == []


def _newest(model):
    return db.session.scalar(select(model).order_by(model.id.desc()).limit(1))


def hostile(world) -> dict:
    """Fields no form offers, set to another region's organisation and people."""
    ids = world["ids"]
    return {"status": "published", "organisation_id": ids["cd", "home", "org"],
            "owner_id": ids["cd", "home", "user", "institute"], "created_by_id": ids["cd", "home", "user", "admin"],
            "broker_id": ids["cd", "home", "user", "broker"], "role": "admin",
            "seller_org_id": ids["cd", "home", "org"], "buyer_org_id": ids["cd", "home", "org"],
            "registration_no": "2026530100000001", "id": "1", "applicant_id": ids["cd", "home", "user", "institute"],
            "user_id": ids["cd", "home", "user", "broker"], "is_active_account": "y", "active": "y",
            "awaiting_approval": "", "session_version": "99",
            "region_code": "510100"}


def _without(fields: dict, *real) -> dict:
    return {k: v for k, v in fields.items() if k not in real}


@pytest.mark.parametrize("kind, form, role", [("result", table.RESULT_FORM, "institute"),
                                              ("need", table.NEED_FORM, "enterprise")])
def test_listing_forms_ignore_extra_fields(app, world, clients, kind, form, role):
    client, extra = clients[role], _without(hostile(world), "region_code")
    title = f"额外字段{kind}"
    assert client.post(f"/{kind}s/new", data={**form, **extra, "title": title}).status_code == 302
    model = TechResult if kind == "result" else TechNeed
    with app.app_context():
        listing = _newest(model)
        actor = db.session.get(User, world["actors"][role])
        assert (listing.title, listing.status) == (title, "draft")
        assert (listing.organisation_id, listing.created_by_id) == (actor.organisation_id, actor.id)
        listing_id = listing.id
    assert client.post(f"/{kind}s/{listing_id}/edit", data={**form, **extra, "title": title + "改"}).status_code == 302
    with app.app_context():
        listing = db.session.get(model, listing_id)
        assert (listing.title, listing.status, listing.organisation_id) == (title + "改", "draft", actor.organisation_id)
        assert listing.published_at is None and _newest(model).id == listing_id


def test_contract_forms_ignore_extra_fields(app, world, clients):
    client, extra = clients["institute"], hostile(world)
    form = {**table.CONTRACT_FORM, "idempotency_key": "extra-fields-1", "title": "额外字段合同"}
    assert client.post("/contracts/new", data={**form, **extra}).status_code == 302
    with app.app_context():
        contract = _newest(Contract)
        actor = db.session.get(User, world["actors"]["institute"])
        assert contract.title == "额外字段合同" and contract.status == "draft"
        assert (contract.seller_org_id, contract.created_by_id) == (actor.organisation_id, actor.id)
        assert contract.broker_id is None and contract.registration_no is None and contract.buyer_org_id is None
        contract_id = contract.id
    assert client.post(f"/contracts/{contract_id}/edit", data={**form, **extra, "title": "额外字段合同改"}).status_code == 302
    with app.app_context():
        contract = db.session.get(Contract, contract_id)
        assert (contract.title, contract.status, contract.seller_org_id) == ("额外字段合同改", "draft",
                                                                            actor.organisation_id)
        assert contract.broker_id is None and contract.registration_no is None and contract.buyer_org_id is None


def test_match_forms_ignore_extra_fields(app, world, clients):
    ids, extra = world["ids"], hostile(world)
    need, result = ids["km", "home", "need", "published"], ids["km", "stranger", "result", "published"]
    response = clients["broker"].post("/matching/propose", data={**extra, "need_id": need, "result_id": result,
                                                                 "pitch": "推荐"})
    assert response.status_code == 302
    with app.app_context():
        match = _newest(Match)
        broker = world["actors"]["broker"]
        assert (match.need_id, match.result_id, match.status) == (need, result, "proposed")
        assert match.broker_id == broker and match.created_by_id == broker
    stranger_need = ids["km", "stranger", "need", "published"]
    response = clients["institute"].post("/matching/answer", data={
        **extra, "need_id": stranger_need, "result_id": ids["km", "home", "result", "published"], "pitch": "我们能做"})
    assert response.status_code == 302
    with app.app_context():
        match = _newest(Match)
        assert match.need_id == stranger_need and match.broker_id is None
        assert match.created_by_id == world["actors"]["institute"] and match.status != "signed"
    own = ids["km", "home", "match"]
    assert clients["broker"].post(f"/matching/{own}/notes", data={**extra, "notes": "额外字段私密备注"}).status_code == 302
    with app.app_context():
        match = db.session.get(Match, own)
        assert match.broker_notes == "额外字段私密备注" and match.broker_id == world["actors"]["broker"]
        assert match.status == "proposed"


def test_broker_profile_ignores_extra_fields(app, world, clients):
    form = {"level": "senior", "certificate_no": "JJ-1", "bio": "新简介", "is_listed": "y", "regions": "530100"}
    assert clients["broker"].post("/brokers/me", data={**hostile(world), **form}).status_code == 302
    with app.app_context():
        profile = db.session.get(BrokerProfile, world["ids"]["km", "home", "profile"])
        assert (profile.level, profile.user_id) == ("senior", world["actors"]["broker"])
        assert db.session.scalar(select(func.count()).select_from(BrokerProfile)) == 4


def test_sign_up_and_admin_forms_ignore_extra_fields(app, world, clients):
    extra = _without(hostile(world), "role", "region_code")
    form = dict(role="enterprise", username="extra_01", display_name="张经理", email="", phone="",
                password="Tech-market-2026", confirm="Tech-market-2026", org_mode="new",
                org_name="昆明额外字段有限公司", org_type="企业", region_code="530100", credit_code="")
    assert app.test_client().post("/auth/register", data={**extra, **form}).status_code == 302
    for number, role in enumerate(("admin", "official", "broker")):
        data = {**form, "username": f"extra_role_{number}", "role": role, "org_name": f"额外字段单位{number}"}
        assert app.test_client().post("/auth/register", data=data).status_code == 200
    joining = {**form, **extra, "username": "extra_02", "org_mode": "join", "join_org_name": "kmhome企业"}
    assert app.test_client().post("/auth/register", data=joining).status_code == 302
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "extra_01"))
        assert user.role == "enterprise" and user.organisation.name == "昆明额外字段有限公司"
        assert user.session_version == 1 and user.id != 1
        assert db.session.scalar(select(User).where(User.username.like("extra_role_%"))) is None
        joined = db.session.scalar(select(User).where(User.username == "extra_02"))
        assert joined.awaiting_approval and not joined.is_active_account
        assert joined.organisation.name == "kmhome企业" and joined.role == "enterprise"
    account = dict(form, username="extra_03", role="broker", org_mode="join", join_org_name="kmhome转移中心",
                   org_name="", org_type="", region_code="", password="Broker-market-2026",
                   confirm="Broker-market-2026")
    assert clients["admin"].post("/admin/users/new", data={**extra, **account}).status_code == 302
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "extra_03"))
        assert user.role == "broker" and user.organisation.name == "kmhome转移中心" and user.session_version == 1


API_WRITES = [("POST", "/api/v1/results", "institute"), ("POST", "/api/v1/needs", "enterprise"),
              ("POST", "/api/v1/contracts", "institute"), ("PATCH", "/api/v1/results/{}", "institute"),
              ("PATCH", "/api/v1/needs/{}", "enterprise"), ("PATCH", "/api/v1/contracts/{}", "institute")]


@pytest.mark.parametrize("method, path, role", API_WRITES)
def test_api_bodies_refuse_extra_fields(app, world, method, path, role):
    from tests.api_helpers import CONTRACT_BODY, NEED_BODY, RESULT_BODY

    kind = path.split("/")[3]
    body = {"results": RESULT_BODY, "needs": NEED_BODY, "contracts": CONTRACT_BODY}[kind]
    if method == "PATCH":
        state = "draft"
        key = {"results": "result", "needs": "need", "contracts": "contract"}[kind]
        path, body = path.format(world["ids"]["km", "home", key, state]), {"title": f"接口改过的{key}"}
    client, headers = app.test_client(), bearer(world["tokens"]["km", "home", role])
    extra = hostile(world) if kind == "contracts" else _without(hostile(world), "region_code")  # a listing's is real
    for field, value in extra.items():
        before = stored_rows(app)
        response = client.open(path, method=method, json={**body, field: value}, headers=headers)
        assert response.status_code == 422 and response.json["error"]["fields"] == {field: ["未知字段。"]}
        assert stored_rows(app) == before, field
    response = client.open(path, method=method, json=body, headers=headers)  # the same body alone is taken
    assert response.status_code in (200, 201), response.json
    with app.app_context():
        model = {"results": TechResult, "needs": TechNeed, "contracts": Contract}[kind]
        stored = db.session.get(model, response.json["id"])
        actor = db.session.get(User, world["actors"][role])
        assert stored.status == "draft"
        owner = stored.seller_org_id if kind == "contracts" else stored.organisation_id
        assert owner == actor.organisation_id


def _csrf_cases(app, world):
    """Every site write, sent by a role the route lets in, on that role's own object, with a well-formed body."""
    cases = []
    with app.app_context():
        for endpoint, method, rule, arguments in table.rows(app):
            if method == "GET" or table.is_api(endpoint) or endpoint in table.CSRF_EXEMPT:
                continue
            who = next(w for w in WHO if table.role_allowed(endpoint, w))
            relation = "own" if table.relations_for(arguments) != ("none",) else "none"
            cases.append((endpoint, url_for_row(world, endpoint, rule, arguments, relation, who), who))
    return cases


def test_site_writes_without_a_csrf_token_are_refused(app, world, clients):
    cases = _csrf_cases(app, world)
    before = stored_rows(app)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        answers = {(endpoint, who): clients[who].post(path, data=table.body_for(endpoint, world)).status_code
                   for endpoint, path, who in cases}
        # The exempt one-click unsubscribe changes nothing without its signed link.
        exempt = {path: clients[ANONYMOUS].post(path, data={"List-Unsubscribe": "One-Click"}).status_code
                  for path in ("/account/unsubscribe/not-a-signed-token", "/account/unsubscribe/WzEsICJsaXN0aW5nIl0")}
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert set(exempt.values()) == {302}, exempt
    assert {key: status for key, status in answers.items() if status != 400} == {}
    assert stored_rows(app) == before
    assert len(cases) > 30 and "auth.logout" in {endpoint for endpoint, _path, _who in cases}
    print(f"\n{len(cases)} site writes refused without a CSRF token")


def _refused_post(app, client, path, data) -> int:
    before = stored_rows(app)
    status = client.post(path, data=data).status_code
    assert stored_rows(app) == before, path
    return status


def test_ids_named_in_a_form_are_checked_too(app, world, clients):
    """Ids a form carries (not the URL) point at another's or an unpublished object: refused, nothing stored."""
    ids = world["ids"]
    own_need, own_result = ids["km", "home", "need", "published"], ids["km", "home", "result", "published"]
    cases = [
        ("institute", "/matching/answer", {"need_id": ids["km", "stranger", "need", "published"],
                                           "result_id": ids["km", "stranger", "result", "published"], "pitch": "冒用"}),
        ("institute", "/matching/answer", {"need_id": ids["km", "stranger", "need", "published"],
                                           "result_id": ids["km", "home", "result", "pending"], "pitch": "未发布"}),
        ("broker", "/matching/propose", {"need_id": ids["km", "stranger", "need", "draft"],
                                         "result_id": own_result, "pitch": "草稿"}),
        ("broker", "/matching/propose", {"need_id": own_need, "result_id": ids["cd", "home", "result", "pending"],
                                         "pitch": "待审"}),
        ("broker", "/matching/propose", {"need_id": own_need, "result_id": 2**31 - 1, "pitch": "不存在"}),
        ("official", f"/stats/events/{ids['km', 'home', 'event']}/needs",
         {"need_ids": f"{ids['km', 'stranger', 'need', 'draft']}"}),
        ("official", f"/stats/events/{ids['km', 'home', 'event']}/needs",
         {"need_ids": f"{ids['cd', 'home', 'need', 'pending']}"}),
    ]
    elsewhere = {"name": "外地活动", "region_code": "510100", "held_on": "2026-06-01", "venue": "成都"}
    cases.append(("official", "/stats/events/new", elsewhere))
    for who, path, data in cases:  # refused with a message, the form shown again, or an error: nothing stored
        assert _refused_post(app, clients[who], path, data) in (200, 302, 400, 403, 404), (who, path, data)


# Party-level exports: an official's own region only, admins everywhere; nobody else, whatever the route says.
EXPORT_RULES = {"530100": {"official", "admin"}, "510100": {"admin"}, "": {"admin"}}


@pytest.mark.parametrize("key", ("top_sellers", "top_buyers", "top_brokers"))
def test_party_level_exports_by_role_and_region(clients, key):
    for code, allowed in EXPORT_RULES.items():
        for who in WHO:
            query = f"?region={code}" if code else "?region="
            status = clients[who].get(f"/stats/export/{key}.csv{query}").status_code
            assert status == (200 if who in allowed else 403), (who, code, status)


def test_the_dashboard_by_role_and_region(clients):
    for code, allowed in EXPORT_RULES.items():
        for who in WHO:
            response = clients[who].get(f"/stats/dashboard?region={code}")
            expected = 302 if who == ANONYMOUS else 200 if who in allowed else 403
            assert response.status_code == expected, (who, code, response.status_code)


LIST_PAGES = ("/results", "/needs", "/my", "/review", "/contracts/", "/matching/board", "/matching/mine", "/inbox/",
              "/stats/events", "/api/v1/results", "/api/v1/needs", "/api/v1/contracts", "/api/v1/search?q=成果",
              "/api/v1/search?q=需求&kind=need", "/api/v1/search?q=合同")


def test_lists_name_only_what_the_reader_may_open(app, world, clients):
    """Titles of listings and contracts a role may not open never appear on a list page or in a list call."""
    hidden = {}
    with app.app_context():
        objects = (list(db.session.scalars(select(TechResult))) + list(db.session.scalars(select(TechNeed)))
                   + list(db.session.scalars(select(Contract))))
        everything = {o.title for o in objects}
        for who in WHO:
            user = db.session.get(User, world["actors"][who]) if who != ANONYMOUS else None
            reader = user if user is not None else _anonymous()
            hidden[who] = {o.title for o in objects if not (
                can_view_contract(reader, o) if isinstance(o, Contract) else can_view_listing(reader, o))}
    need, result = world["ids"]["km", "home", "need", "published"], world["ids"]["km", "home", "result", "published"]
    pages = LIST_PAGES + (f"/api/v1/needs/{need}/matches", f"/matching/needs/{need}/suggestions",
                          f"/matching/results/{result}/suggestions", f"/needs/{need}", f"/results/{result}")
    leaks, shown = [], set()
    for who in WHO:
        for page in pages:
            if page.startswith("/api/"):
                headers = bearer(world["tokens"]["km", "home", who]) if who != ANONYMOUS else {}
                text = clients[ANONYMOUS].get(page, headers=headers).get_data(as_text=True)
            else:
                text = clients[who].get(page).get_data(as_text=True)
            leaks += [(who, page, title) for title in hidden[who] if title in text]
            shown |= {title for title in everything - hidden[who] if title in text}
    assert leaks == []
    assert {"kmhomepublished成果", "cdstrangerpublished需求", "kmhome已登记合同"} <= shown  # the lists are not empty
    assert hidden[ANONYMOUS] and hidden["institute"]


def _anonymous():
    from flask_login import AnonymousUserMixin

    return AnonymousUserMixin()


def test_broker_notes_show_to_that_broker_only(app, world, clients):
    """Whoever may open a match, its private notes show only to its own broker."""
    with app.app_context():
        cases = []
        for region, pair in (("km", "home"), ("km", "stranger"), ("cd", "home")):
            match = db.session.get(Match, world["ids"][region, pair, "match"])
            for who in ROLES:
                user = db.session.get(User, world["actors"][who])
                cases.append((who, match.id, match.broker_notes, can_view_match(user, match),
                              can_read_notes(user, match)))
    for who, match_id, notes, sees, reads in cases:
        response = clients[who].get(f"/matching/{match_id}")
        assert response.status_code == (200 if sees else 404)
        assert (notes in response.get_data(as_text=True)) == reads, (who, match_id)
    assert sum(reads for *_rest, reads in cases) == 1 and sum(sees for *_rest, sees, _r in cases) > 5


def test_the_members_page_names_only_one_s_own_organisation(app, world, clients):
    """Members and applicants of one's own organisation only (admins decide every request, so see them all)."""
    with app.app_context():
        people = [(u.username, u.organisation_id) for u in db.session.scalars(select(User))]
        orgs = {who: db.session.get(User, world["actors"][who]).organisation_id for who in ROLES}
    for who in set(ROLES) - {"admin"}:
        text = clients[who].get("/auth/org/members").get_data(as_text=True)
        named = {name for name, _org in people if f">{name}<" in text or f"@{name}<" in text}
        assert named and all(org == orgs[who] for name, org in people if name in named), (who, named)
