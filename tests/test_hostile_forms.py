"""Hostile input on every site form: a clear refusal, nothing stored, no unescaped script, never a 500."""
from dataclasses import dataclass, field as dc_field
from datetime import date, timedelta
from io import BytesIO

import pytest
from hypothesis import example, given, strategies as st
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from marketplace.matching import services as matching_services
from marketplace.stats.events import create_event
from models import db
from tests import factories as f
from tests.contract_helpers import draft
from tests.hostile import (BAD_AMOUNTS, SCRIPT, TEN_MB, TRIED, assert_escaped, assert_refused, bad_amount, bounded,
                           marked_text, report, table_counts)
from tests.test_admin import account_form
from tests.test_auth_register import new_org_form
from tests.test_contracts_views import FORM as CONTRACT_FORM
from tests.test_listings_forms import BOUNTY, NEED_FORM
from tests.test_listings_lifecycle import RESULT_FORM

# Login failures are recorded on purpose (security log, throttle); they are not the input being stored.
AUTH_RECORDS = ("security_log", "login_attempts", "user_sessions")


@dataclass
class Surface:
    """One form: who posts it where, a valid body, a spoiler that makes it invalid, the fields to attack."""

    role: str | None
    url: str
    base: dict
    texts: tuple = ()
    amounts: tuple = ()
    spoil: dict = dc_field(default_factory=dict)
    pad: dict = dc_field(default_factory=dict)  # field → length limit: the attacked value is made one too long
    ignore: tuple = ()


def surfaces(w) -> dict[str, Surface]:
    bad_confirm = {"confirm": "Another-pass-2026"}
    need = {**NEED_FORM, **BOUNTY}
    deal = {"title": "项目", "seller_name": "甲", "buyer_name": "乙", "amount_wan": "10"}
    return {
        "register": Surface(None, "/auth/register", new_org_form(), ("username", "display_name", "email", "phone",
                            "org_name", "credit_code", "password"), spoil=bad_confirm, ignore=AUTH_RECORDS),
        "login": Surface(None, "/auth/login", {"username": "inst", "password": "wrong"}, ("username", "password"),
                         ignore=AUTH_RECORDS),
        "password": Surface("inst", "/auth/password", {"old_password": "wrong-old", "new_password": "Brand-new-2026x",
                            "confirm": "Brand-new-2026x"}, ("old_password", "new_password", "confirm"),
                            ignore=AUTH_RECORDS),
        "tokens": Surface("inst", "/auth/tokens", {"name": "同步"}, ("name",), pad={"name": 100}),
        "result_new": Surface("inst", "/results/new", RESULT_FORM, ("title", "keywords", "summary", "ip_numbers",
                              "contact_name", "contact_phone", "region_code", "field"), ("price",),
                              spoil={"price": "NaN"}),
        "result_edit": Surface("inst", f"/results/{w['result']}/edit", RESULT_FORM, ("title", "summary"),
                               ("price",), spoil={"price": "inf"}),
        "need_new": Surface("ent", "/needs/new", need, ("title", "description", "bounty_goals", "bounty_conditions",
                            "deadline", "keywords"), ("budget", "bounty"), spoil={"budget": "1e308"}),
        "need_edit": Surface("ent", f"/needs/{w['need']}/edit", need, ("title", "description"), ("budget", "bounty"),
                             spoil={"bounty": "-0"}),
        "result_action": Surface("inst", f"/results/{w['result']}/action", {"action": "submit"},
                                 ("action", "comment", "version")),
        "apply": Surface("inst", f"/needs/{w['bounty']}/apply", {"proposal": "方案"}, ("proposal",),
                         pad={"proposal": 5000}),
        "contract_new": Surface("inst", "/contracts/new", CONTRACT_FORM, ("title", "contract_no", "buyer_name",
                                "signed_on", "buyer_region", "idempotency_key"),
                                ("contract_amount", "deduct_equipment", "deduct_other"),
                                spoil={"contract_amount": "0x10"}),
        "contract_edit": Surface("inst", f"/contracts/{w['contract']}/edit", CONTRACT_FORM, ("title", "buyer_name"),
                                 ("contract_amount", "deduct_parts"), spoil={"contract_amount": "1,0,0e5"}),
        "contract_decision": Surface("inst", f"/contracts/{w['contract']}/action", {"action": "file"},
                                     ("action", "refusal_reason"), spoil={"action": "no-such-action"}),
        "propose": Surface("broker", "/matching/propose", {"need_id": w["need"], "result_id": w["result"]},
                           ("need_id", "result_id", "pitch"), pad={"pitch": 2000}, spoil={"need_id": "0"}),
        "answer": Surface("inst", "/matching/answer", {"need_id": w["need"], "result_id": w["result2"],
                          "pitch": "响应"}, ("need_id", "result_id", "pitch"), pad={"pitch": 2000},
                          spoil={"result_id": "-1"}),
        "match_action": Surface("broker", f"/matching/{w['match']}/action", {"action": "no-such"}, ("action", "note")),
        "notes": Surface("broker", f"/matching/{w['match']}/notes", {"notes": "备注"}, ("notes",),
                         pad={"notes": 5000}),
        "match_contract": Surface("broker", f"/matching/{w['match']}/contract", {"contract_type": "技术转让",
                                  "amount_wan": "10", "signed_on": "2026-03-02"}, ("contract_type", "signed_on"),
                                  ("amount_wan",), spoil={"amount_wan": "NaN"}),
        "broker_profile": Surface("broker", "/brokers/me", {"level": "senior", "certificate_no": "A-1",
                                  "specialty": ["新材料及其应用"], "regions": "530100", "bio": "简介"},
                                  ("certificate_no", "regions", "bio", "level"), spoil={"level": "grand-master"}),
        "broker_contact": Surface("inst", f"/brokers/{w['profile']}/contact", {"subject": "咨询", "body": "您好"},
                                  ("subject", "body"), pad={"subject": 100, "body": 2000}),
        "event_new": Surface("official", "/stats/events/new", {"name": "对接会", "region_code": "530100",
                             "held_on": "2026-06-11", "venue": "会展中心"}, ("name", "venue", "description",
                             "held_on", "region_code"), spoil={"held_on": "明天"}),
        "event_needs": Surface("official", f"/stats/events/{w['event']}/needs", {"need_ids": "999999"},
                               ("need_ids",)),
        "event_deal": Surface("official", f"/stats/events/{w['event']}/deals", deal, ("title", "seller_name",
                              "buyer_name", "registration_no"), ("amount_wan",), spoil={"amount_wan": "inf"}),
        "admin_user": Surface("admin", "/admin/users/new", account_form(), ("username", "display_name",
                              "join_org_name", "role", "org_mode"), spoil=bad_confirm),
    }


@pytest.fixture
def world(app):
    with app.app_context():
        inst_org = f.make_org("昆明理工大学（测试）", "高等院校", "530100")
        ent_org = f.make_org("云南某能源公司（测试）", "企业", "530300")
        users = {"inst": f.make_user("inst", "institute", inst_org), "ent": f.make_user("ent", "enterprise", ent_org),
                 "broker": f.make_user("broker", "broker"), "admin": f.make_user("admin", "admin"),
                 "official": f.make_user("official", "official", f.make_org("昆明市科学技术局（测试）", "机关", "530100"))}
        result = f.make_result(inst_org, users["inst"])
        result2 = f.make_result(inst_org, users["inst"], title="质子交换膜燃料电池电堆")
        need = f.make_need(ent_org, users["ent"])
        bounty = f.make_need(ent_org, users["ent"], is_bounty=True, title="揭榜挂帅：热管理")
        contract = draft(inst_org, ent_org, users["inst"])
        db.session.commit()
        match = matching_services.propose(users["broker"], need, result, "推荐")
        from marketplace.brokers.services import save_profile
        profile = save_profile(users["broker"], "senior", "A-1", ["新材料及其应用"], ["530100"], "简介", True)
        event = create_event(users["official"], {"name": "对接会", "region_code": "530100",
                                                 "held_on": date(2026, 6, 11), "venue": "会展中心"})
        db.session.commit()
        return {"result": result.id, "result2": result2.id, "need": need.id, "bounty": bounty.id,
                "contract": contract.id, "match": match.id, "profile": profile.id, "event": event.id}


@pytest.fixture
def clients(app, world):
    """One logged-in client per role (and an anonymous one), built once per test."""
    made = {None: app.test_client()}
    for role in ("inst", "ent", "broker", "admin", "official"):
        client = app.test_client()
        assert client.post("/auth/login", data={"username": role, "password": f.PASSWORD}).status_code == 302
        made[role] = client
    return made


def _attack(app, clients, surface: Surface, name: str, field: str, value: str):
    data = {**surface.base, **surface.spoil, field: value}
    if field in surface.pad:
        data[field] = value + "x" * (surface.pad[field] + 1)
    with app.app_context():
        before = table_counts()
    response = clients[surface.role].post(surface.url, data=data, follow_redirects=True)
    with app.app_context():
        after = table_counts()
    assert_refused(response, before, after, surface.ignore)
    TRIED[f"form {name}"] += 1


PLACEHOLDER_WORLD = dict.fromkeys(("result", "result2", "need", "bounty", "contract", "match", "profile", "event"), 1)
FORM_NAMES = list(surfaces(PLACEHOLDER_WORLD))


@pytest.mark.parametrize("name", FORM_NAMES)
def test_hostile_text_is_refused_and_escaped(app, world, clients, name):
    surface = surfaces(world)[name]

    @bounded
    @given(field=st.sampled_from(surface.texts), value=marked_text)
    @example(field=surface.texts[0], value="\x00" + SCRIPT)
    @example(field=surface.texts[0], value="\u202e" + SCRIPT + "\u202d")
    @example(field=surface.texts[0], value="'; DROP TABLE users; --" + SCRIPT)
    def attack(field, value):
        _attack(app, clients, surface, name, field, value)

    attack()


@pytest.mark.parametrize("name", [name for name in FORM_NAMES if surfaces(PLACEHOLDER_WORLD)[name].amounts])
def test_hostile_amounts_are_refused(app, world, clients, name):
    surface = surfaces(world)[name]
    clean = Surface(surface.role, surface.url, surface.base, ignore=surface.ignore)  # no spoiler: the amount alone

    @bounded
    @given(field=st.sampled_from(surface.amounts), value=bad_amount)
    def attack(field, value):
        _attack(app, clients, clean, name, field, value)

    for amount_field in surface.amounts:
        for value in BAD_AMOUNTS:
            _attack(app, clients, clean, name, amount_field, value)
    attack()


@pytest.mark.parametrize("name", ["result_new", "need_new", "contract_new", "register", "event_new"])
def test_ten_megabyte_field_is_refused(app, world, clients, name):
    surface = surfaces(world)[name]
    _attack(app, clients, surface, name, surface.texts[0], TEN_MB)


@pytest.mark.parametrize("value, fen", [("１２３", 123_000_000), ("1,000", 1_000_000_000), ("12.5", 12_500_000)])
def test_full_width_digits_and_separators_mean_the_plain_amount(app, world, clients, value, fen):
    """Chinese input methods type full-width digits and separators: they are read as the same amount."""
    from models import TechResult

    response = clients["inst"].post("/results/new", data={**RESULT_FORM, "price": value, "title": "全角价格"})
    assert response.status_code == 302
    with app.app_context():
        stored = db.session.scalar(db.select(TechResult).filter_by(title="全角价格"))
        assert stored.price_fen == fen


def _upload(client, url, payload: bytes, filename: str, **kwargs):
    """Post a file as one multipart body in memory (the client would spool a large one to an unclosed file)."""
    boundary, body = encode_multipart(MultiDict({"document": FileStorage(BytesIO(payload), filename)}))
    return client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}", **kwargs)


def test_huge_upload_and_non_pdf_are_refused(app, world, clients):
    url = f"/contracts/{world['contract']}/attachments"
    tries = [(b"%PDF-" + b"0" * (10 * 1024 * 1024), "big.pdf"), (b"<script>alert(\"x\")</script>", SCRIPT + ".pdf"),
             (b"MZ\x90\x00", "x.exe"), (b"", "empty.pdf"), (b"%PDF-1.4", "\x00\u202efdp.exe")]
    for payload, filename in tries:
        with app.app_context():
            before = table_counts()
        response = _upload(clients["inst"], url, payload, filename, follow_redirects=True)
        with app.app_context():
            after = table_counts()
        if filename.startswith("\x00"):  # a real PDF under a hostile name is kept under a cleaned name
            assert response.status_code == 200 and "\x00" not in response.get_data(as_text=True)
            assert_escaped(response)
            continue
        assert_refused(response, before, after)
        TRIED["form attachment upload"] += 1
    too_big = b"%PDF-" + b"0" * (17 * 1024 * 1024)
    response = _upload(clients["inst"], url, too_big, "huge.pdf")
    assert response.status_code == 413 and "过大" in response.get_data(as_text=True)
    TRIED["form attachment upload"] += 1


def test_stored_script_is_escaped_everywhere(app, world, clients):
    """Hostile text accepted as data (a title is free text) comes back escaped on every page that shows it."""
    deadline = (date.today() + timedelta(days=60)).isoformat()
    saved = [clients["inst"].post("/results/new", data={**RESULT_FORM, "title": SCRIPT + "\u202e燃料"}),
             clients["ent"].post("/needs/new", data={**NEED_FORM, "title": SCRIPT, "deadline": deadline}),
             clients["broker"].post(f"/matching/{world['match']}/notes", data={"notes": SCRIPT}),
             clients["inst"].post("/auth/tokens", data={"name": SCRIPT})]
    assert [response.status_code for response in saved] == [302, 302, 302, 200]
    assert "&lt;script&gt;" in clients["inst"].get("/auth/tokens").get_data(as_text=True)
    pages = ["/my", "/results", "/needs", f"/matching/{world['match']}", "/auth/tokens", "/results?q=燃料",
             f"/results?q={SCRIPT}", f"/needs?q={SCRIPT}"]
    for role in ("inst", "ent", "broker"):
        for page in pages:
            response = clients[role].get(page)
            assert response.status_code < 500
            assert_escaped(response)


def test_control_characters_are_dropped_from_names_searches_and_file_names(app, world, clients):
    """PostgreSQL refuses NUL bytes: a log-in name, an admin search and an upload's name lose them first (no 500)."""
    from models import ContractAttachment

    login = app.test_client().post("/auth/login", data={"username": "\x00inst", "password": f.PASSWORD})
    assert login.status_code == 302
    users = clients["admin"].get("/admin/users", query_string={"q": "in\x00st"})
    assert users.status_code == 200 and 'value="inst"' in users.get_data(as_text=True)
    orgs = clients["admin"].get("/admin/organisations", query_string={"q": "昆明\x00理工"})
    assert orgs.status_code == 200 and "昆明理工大学（测试）" in orgs.get_data(as_text=True)
    upload = _upload(clients["inst"], f"/contracts/{world['contract']}/attachments", b"%PDF-1.4", "\x00合同\x07.pdf")
    assert upload.status_code == 302
    with app.app_context():
        assert db.session.scalar(db.select(ContractAttachment.filename)) == "合同.pdf"


def test_report_inputs_tried():
    """Runs last in this file: every form above received hostile input."""
    tried = report("form ")
    missing = [name for name in FORM_NAMES if f"form {name}" not in tried]
    assert not missing or not tried, f"no hostile input reached {missing}"
