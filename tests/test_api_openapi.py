"""/api/v1/openapi.json: a valid OpenAPI document that describes every route and every real answer.

The contract test sends real requests through the app — for every documented
operation, every documented status — and validates each JSON body against the
schema the document gives for that path, method and status.
"""
import base64
import json
import re
from datetime import date, timedelta

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from openapi_spec_validator import validate as validate_spec

from marketplace.api.tokens import create_token
from models import ListingStatus, Organisation, Trade, User, db
from tests.api_helpers import CONTRACT_BODY, NEED_BODY, RESULT_BODY, auth_for, build_world
from tests.factories import make_need, make_result

PREFIX = "/api/v1"
IGNORED_METHODS = {"HEAD", "OPTIONS"}
TOO_LARGE = json.dumps({"summary": "长" * 400_000})
RECEIPT = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"


@pytest.fixture
def spec(client):
    response = client.get(f"{PREFIX}/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    return response.json


def documented_schema(spec: dict, template: str, method: str, status: int) -> dict:
    operation = spec["paths"][template][method]
    response = operation["responses"].get(str(status))
    assert response is not None, f"{method.upper()} {template} → {status} is not documented"
    if "$ref" in response:
        response = spec["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
    return response["content"]["application/json"]["schema"]


def check_body(spec: dict, schema: dict, body) -> None:
    # The schema is validated inside a document that also holds the components its $refs point to.
    validator = Draft202012Validator({**schema, "components": spec["components"]}, format_checker=FormatChecker())
    errors = sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))
    assert not errors, "; ".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:5])


def test_the_document_is_valid_openapi(spec):
    validate_spec(spec)
    assert spec["openapi"].startswith("3.1")
    scheme = spec["components"]["securitySchemes"]["bearerAuth"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")


def route_operations(app) -> set[tuple[str, str]]:
    """(OpenAPI path, method) of every route registered under /api/v1."""
    operations = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(PREFIX + "/"):
            continue
        template = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule[len(PREFIX):])
        operations |= {(template, method.lower()) for method in rule.methods - IGNORED_METHODS}
    return operations


def documented_operations(spec) -> set[tuple[str, str]]:
    return {(path, method) for path, item in spec["paths"].items() for method in item if method != "parameters"}


def test_every_route_is_documented_and_nothing_else(app, spec):
    assert route_operations(app) == documented_operations(spec)


def test_every_operation_has_a_summary_and_error_schema(spec):
    for path, method in documented_operations(spec):
        operation = spec["paths"][path][method]
        assert operation["summary"], (path, method)
        for status, response in operation["responses"].items():
            if status.startswith("4"):
                assert response["$ref"].startswith("#/components/responses/"), (path, method, status)


@pytest.fixture
def data(app, client):
    """A world with a published result and need, a filed contract, and the ids the cases need."""
    world = build_world(app)
    with app.app_context():
        inst_org = db.session.get(Organisation, world["orgs"]["inst"])
        ent_org = db.session.get(Organisation, world["orgs"]["ent"])
        inst = db.session.get(User, world["ids"]["inst"])
        world["result"] = make_result(inst_org, inst, title="燃料电池催化剂").id
        world["draft_result"] = make_result(inst_org, inst, status=ListingStatus.DRAFT).id
        world["need"] = make_need(ent_org, None, is_bounty=True).id
        world["draft_need"] = make_need(ent_org, None, status=ListingStatus.DRAFT).id
        world["ent_token"] = create_token(db.session.get(User, world["ids"]["ent"]), "x")
        db.session.commit()
    filed = client.post(f"{PREFIX}/contracts", json={**CONTRACT_BODY, "submit": True},
                        headers=auth_for(world, "inst"))
    world["filed"] = filed.json["id"]
    world["draft_contract"] = client.post(f"{PREFIX}/contracts", json=CONTRACT_BODY,
                                          headers=auth_for(world, "inst")).json["id"]
    for name in ("registered", "registered2"):
        world[name] = client.post(f"{PREFIX}/contracts", json={**CONTRACT_BODY, "submit": True},
                                  headers=auth_for(world, "inst")).json["id"]
        for action in ("accept", "register"):
            client.post(f"{PREFIX}/contracts/{world[name]}/actions", json={"action": action},
                        headers=auth_for(world, "official_km"))
    applied = client.post(f"{PREFIX}/contracts/{world['registered']}/amendments",
                          json={"title": "变更后的名称", "reason": "补充协议"}, headers=auth_for(world, "inst"))
    world["amendment"] = applied.json["amendments"][-1]["id"]
    world["registration_no"] = client.get(f"{PREFIX}/contracts/{world['registered2']}",
                                          headers=auth_for(world, "official_km")).json["registration_no"]
    # Trading and tenders: the institute auctions its published result (the enterprise approved as a bidder);
    # the enterprise puts its need out to tender. Payments are recorded against the second registered contract.
    with app.app_context():
        from datetime import timedelta

        from marketplace.tenders import services as tenders
        from marketplace.trading import services as trading
        from models import TechNeed, TechResult
        from models.base import utcnow

        inst, ent = db.session.get(User, world["ids"]["inst"]), db.session.get(User, world["ids"]["ent"])
        trade = trading.publish(inst, db.session.get(TechResult, world["result"]), "auction", {
            "transfer_mode": "转让", "price_fen": 100_000_000, "increment_fen": 1_000_000,
            "ends_at": utcnow() + timedelta(days=3)})
        trading.decide_party(inst, trade, trading.register(ent, trade, "一次付清"), True)
        world["trade"] = trade.id
        world["tender"] = tenders.publish(ent, db.session.get(TechNeed, world["need"]), {
            "requirements": "指标优于需求所列", "budget_fen": 100_000_000, "deadline_at": utcnow() + timedelta(days=3)}).id
        second = make_result(db.session.get(Organisation, world["orgs"]["inst"]), inst, title="协议定价的成果")
        world["agreed"] = trading.publish(inst, second, "agreed", {
            "transfer_mode": "许可", "price_fen": 50_000_000, "counterpart_name": "某公司", "completers": "张三"}).id
        # The owners' calls: a second auction with a pending registration, an objection to the agreed price, and a
        # tender opened already (deadline yesterday) with one proposal.
        third = make_result(db.session.get(Organisation, world["orgs"]["inst"]), inst, title="第二项拍卖的成果")
        auction2 = trading.publish(inst, third, "auction", {
            "transfer_mode": "转让", "price_fen": 100_000_000, "increment_fen": 1_000_000,
            "ends_at": utcnow() + timedelta(days=3)})
        far = db.session.get(User, world["ids"]["far"])
        world["auction2"], world["party2"] = auction2.id, trading.register(far, auction2, "分期付款").id
        world["objection"] = trading.object_to(ent, db.session.get(Trade, world["agreed"]), "请公开评估报告").id
        past = utcnow() - timedelta(days=10)
        opened = tenders.publish(ent, make_need(db.session.get(Organisation, world["orgs"]["ent"]), ent), {
            "requirements": "已开标的招标", "deadline_at": utcnow() - timedelta(days=1)}, now=past)
        world["opened_tender"] = opened.id
        world["opened_proposal"] = tenders.submit(inst, opened.id, 50_000_000, "方案", now=past).id
        # Deal making: a published result and need with nothing under way yet, and an agreed price whose notice
        # ended without objections (a deal, ready for its contract draft).
        world["free_result"] = make_result(db.session.get(Organisation, world["orgs"]["inst"]), inst,
                                           title="待定价的成果").id
        world["free_need"] = make_need(db.session.get(Organisation, world["orgs"]["ent"]), ent).id
        fourth = make_result(db.session.get(Organisation, world["orgs"]["inst"]), inst, title="已成交的成果")
        concluded = trading.publish(inst, fourth, "agreed", {
            "transfer_mode": "转让", "price_fen": 30_000_000, "counterpart_name": "某公司", "completers": "李四"},
            now=utcnow() - timedelta(days=20))
        trading.close(concluded.id)
        world["concluded"] = concluded.id
        db.session.commit()
    with app.app_context():
        from marketplace.files import Upload
        from marketplace.payments import services as payments

        inst = db.session.get(User, world["ids"]["inst"])
        world["payment"] = payments.record_payment(inst, world["registered2"], 500_00, date(2026, 4, 2),
                                                   Upload("回单.pdf", RECEIPT))[0].id
        db.session.commit()
    # Verification answers: two per minute here, so that the third case is refused (429).
    app.config["VERIFY_RATE_LIMIT"] = "2 per minute"
    app.extensions["market_limiter"].reset()
    return world


def cases(w: dict) -> list[tuple]:
    """(method, OpenAPI path, URL, who, request options, expected status)."""
    raw = {"data": "{oops", "content_type": "application/json"}
    form = {"data": "title=x", "content_type": "application/x-www-form-urlencoded"}
    huge = {"data": TOO_LARGE, "content_type": "application/json"}
    rows = [
        ("get", "/", "/", None, {}, 200),
        ("get", "/openapi.json", "/openapi.json", None, {}, 200),
        ("get", "/me", "/me", "inst", {}, 200),
        ("get", "/me", "/me", None, {}, 401),
        ("get", "/search", "/search?q=燃料电池&per_page=5", None, {}, 200),
        ("get", "/search", "/search?kind=planet", None, {}, 400),
        ("get", "/search", "/search?price_min=9&price_max=1", None, {}, 409),
        ("get", "/needs/{need_id}/matches", f"/needs/{w['need']}/matches?limit=3", "broker", {}, 200),
        ("get", "/needs/{need_id}/matches", f"/needs/{w['need']}/matches?limit=0", "broker", {}, 400),
        ("get", "/needs/{need_id}/matches", f"/needs/{w['need']}/matches", None, {}, 401),
        ("get", "/needs/{need_id}/matches", f"/needs/{w['need']}/matches", "far", {}, 403),
        ("get", "/needs/{need_id}/matches", "/needs/999999/matches", "broker", {}, 404),
        ("get", "/stats/regions", "/stats/regions?parent=530000&from=2026-01-01&to=2026-06-30", None, {}, 200),
        ("get", "/stats/regions", "/stats/regions?from=2026-13-01", None, {}, 400),
        ("get", "/stats/regions", "/stats/regions?from=2026-06-30&to=2026-01-01", None, {}, 409),
        ("get", "/stats/breakdown", "/stats/breakdown?region=530100&dim=field", None, {}, 200),
        ("get", "/stats/breakdown", "/stats/breakdown?dim=colour", None, {}, 400),
        ("get", "/stats/breakdown", "/stats/breakdown?from=2026-06-30&to=2026-01-01", None, {}, 409),
        ("get", "/stats/paid", "/stats/paid?region=530000&dim=region&by=buyer", None, {}, 200),
        ("get", "/stats/paid", "/stats/paid?dim=seller_type", None, {}, 400),
        ("get", "/stats/paid", "/stats/paid?from=2026-06-30&to=2026-01-01", None, {}, 409),
        ("get", "/stats/bulletin", "/stats/bulletin?region=530100", None, {}, 200),
        ("get", "/stats/bulletin", "/stats/bulletin?region=12", None, {}, 400),
        ("get", "/stats/bulletin", "/stats/bulletin?from=2026-06-30&to=2026-01-01", None, {}, 409),
        ("get", "/verify/{registration_no}", f"/verify/{w['registration_no']}", None, {}, 200),
        ("get", "/verify/{registration_no}", "/verify/2026999999000001", None, {}, 404),
        ("get", "/verify/{registration_no}", f"/verify/{w['registration_no']}", None, {}, 429),
        # contracts
        ("get", "/contracts", "/contracts?per_page=1", "inst", {}, 200),
        ("get", "/contracts", "/contracts?page=0", "inst", {}, 400),
        ("get", "/contracts", "/contracts", None, {}, 401),
        ("post", "/contracts", "/contracts", "far", {"json": CONTRACT_BODY, "headers": {"Idempotency-Key": "k1"}}, 201),
        ("post", "/contracts", "/contracts", "far", {"json": CONTRACT_BODY, "headers": {"Idempotency-Key": "k1"}}, 200),
        ("post", "/contracts", "/contracts", "inst", {"json": CONTRACT_BODY, "headers": {"Idempotency-Key": "k1"}}, 409),
        ("post", "/contracts", "/contracts", "inst", raw, 400),
        ("post", "/contracts", "/contracts", None, {"json": CONTRACT_BODY}, 401),
        ("post", "/contracts", "/contracts", "official_km", {"json": CONTRACT_BODY}, 403),
        ("post", "/contracts", "/contracts", "inst", huge, 413),
        ("post", "/contracts", "/contracts", "inst", form, 415),
        ("post", "/contracts", "/contracts", "inst", {"json": {**CONTRACT_BODY, "contract_amount": "NaN"}}, 422),
        ("get", "/contracts/{contract_id}", f"/contracts/{w['filed']}", "official_km", {}, 200),
        ("get", "/contracts/{contract_id}", f"/contracts/{w['filed']}", None, {}, 401),
        ("get", "/contracts/{contract_id}", f"/contracts/{w['filed']}", "official_cd", {}, 404),
    ]
    draft, filed = f"/contracts/{w['draft_contract']}", f"/contracts/{w['filed']}"
    rows += [
        ("patch", "/contracts/{contract_id}", draft, "inst", {"json": {"title": "新名称"}}, 200),
        ("patch", "/contracts/{contract_id}", draft, "inst", raw, 400),
        ("patch", "/contracts/{contract_id}", draft, None, {"json": {"title": "x"}}, 401),
        ("patch", "/contracts/{contract_id}", draft, "ent", {"json": {"title": "x"}}, 403),
        ("patch", "/contracts/{contract_id}", draft, "far", {"json": {"title": "x"}}, 404),
        ("patch", "/contracts/{contract_id}", filed, "inst", {"json": {"title": "x"}}, 409),
        ("patch", "/contracts/{contract_id}", draft, "inst", huge, 413),
        ("patch", "/contracts/{contract_id}", draft, "inst", form, 415),
        ("patch", "/contracts/{contract_id}", draft, "inst", {"json": {"signed_on": "昨天"}}, 422),
        ("post", "/contracts/{contract_id}/actions", f"{filed}/actions", "official_km", {"json": {"action": "accept"}}, 200),
        ("post", "/contracts/{contract_id}/actions", f"{filed}/actions", "official_km", raw, 400),
        ("post", "/contracts/{contract_id}/actions", f"{filed}/actions", None, {"json": {"action": "file"}}, 401),
        ("post", "/contracts/{contract_id}/actions", f"{filed}/actions", "inst", {"json": {"action": "register"}}, 403),
        ("post", "/contracts/{contract_id}/actions", f"{filed}/actions", "far", {"json": {"action": "file"}}, 404),
        ("post", "/contracts/{contract_id}/actions", f"{filed}/actions", "official_km", {"json": {"action": "accept"}}, 409),
        ("post", "/contracts/{contract_id}/actions", f"{filed}/actions", "official_km", huge, 413),
        ("post", "/contracts/{contract_id}/actions", f"{filed}/actions", "official_km", form, 415),
        ("post", "/contracts/{contract_id}/actions", f"{filed}/actions", "official_km", {"json": {"action": "x"}}, 422),
    ]
    amend, amend2 = f"/contracts/{w['registered']}/amendments", f"/contracts/{w['registered2']}/amendments"
    apply_path, act_path = "/contracts/{contract_id}/amendments", "/contracts/{contract_id}/amendments/{amendment_id}/actions"
    decide = f"{amend}/{w['amendment']}/actions"
    change = {"json": {"contract_amount": "1200000.00", "reason": "补充协议调整金额"}}
    rows += [
        ("post", apply_path, amend2, "inst", change, 201),
        ("post", apply_path, amend, "inst", change, 409),
        ("post", apply_path, amend2, "inst", raw, 400),
        ("post", apply_path, amend2, None, change, 401),
        ("post", apply_path, amend2, "ent", change, 403),
        ("post", apply_path, amend2, "far", change, 404),
        ("post", apply_path, amend2, "inst", huge, 413),
        ("post", apply_path, amend2, "inst", form, 415),
        ("post", apply_path, amend2, "inst", {"json": {"reason": "只有理由"}}, 422),
        ("post", act_path, decide, "official_km", {"json": {"action": "approve"}}, 200),
        ("post", act_path, decide, "official_km", {"json": {"action": "approve"}}, 409),
        ("post", act_path, decide, "official_km", raw, 400),
        ("post", act_path, decide, None, {"json": {"action": "approve"}}, 401),
        ("post", act_path, decide, "inst", {"json": {"action": "approve"}}, 403),
        ("post", act_path, decide, "far", {"json": {"action": "approve"}}, 404),
        ("post", act_path, decide, "official_km", huge, 413),
        ("post", act_path, decide, "official_km", form, 415),
        ("post", act_path, decide, "official_km", {"json": {"action": "fly"}}, 422),
    ]
    trade, bids = f"/trades/{w['trade']}", "/trades/{trade_id}/bids"
    bid = {"json": {"amount": "1000000.00"}, "headers": {"Idempotency-Key": "bid-1"}}
    rows += [
        ("get", "/trades", "/trades?per_page=1", None, {}, 200),
        ("get", "/trades", "/trades?route=barter", None, {}, 400),
        ("get", "/trades/{trade_id}", trade, None, {}, 200),
        ("get", "/trades/{trade_id}", "/trades/999999", None, {}, 404),
        ("post", bids, f"{trade}/bids", "ent", bid, 201),
        ("post", bids, f"{trade}/bids", "ent", bid, 200),
        ("post", bids, f"{trade}/bids", "ent", {"json": {"amount": "1.00"}}, 409),
        ("post", bids, f"{trade}/bids", "ent", raw, 400),
        ("post", bids, f"{trade}/bids", None, {"json": {"amount": "2000000.00"}}, 401),
        ("post", bids, f"{trade}/bids", "broker", {"json": {"amount": "2000000.00"}}, 403),
        ("post", bids, "/trades/999999/bids", "ent", {"json": {"amount": "2000000.00"}}, 404),
        ("post", bids, f"{trade}/bids", "ent", huge, 413),
        ("post", bids, f"{trade}/bids", "ent", form, 415),
        ("post", bids, f"{trade}/bids", "ent", {"json": {"amount": "many"}}, 422),
        ("get", "/tenders", "/tenders?per_page=1", None, {}, 200),
        ("get", "/tenders", "/tenders?state=sealed", None, {}, 400),
        ("get", "/tenders/{tender_id}", f"/tenders/{w['tender']}", None, {}, 200),
        ("get", "/tenders/{tender_id}", "/tenders/999999", None, {}, 404),
    ]
    paid, paid_path = f"/contracts/{w['registered2']}/payments", "/contracts/{contract_id}/payments"
    receipt = base64.b64encode(RECEIPT).decode()
    payment = {"json": {"amount": "1000.00", "paid_on": "2026-04-01", "receipt_pdf": receipt, "reference": "B-1"},
               "headers": {"Idempotency-Key": "pay-1"}}
    rows += [
        ("post", paid_path, paid, "inst", payment, 201),
        ("post", paid_path, paid, "inst", payment, 200),
        ("post", paid_path, paid, "inst", {"json": {**payment["json"], "amount": "99999999.00"}}, 409),
        ("post", paid_path, paid, "inst", raw, 400),
        ("post", paid_path, paid, None, payment, 401),
        ("post", paid_path, paid, "official_km", payment, 403),
        ("post", paid_path, paid, "far", payment, 404),
        ("post", paid_path, paid, "inst", huge, 413),
        ("post", paid_path, paid, "inst", form, 415),
        ("post", paid_path, paid, "inst", {"json": {"amount": "1000.00"}}, 422),
        ("get", paid_path, paid, "ent", {}, 200),
        ("get", paid_path, paid, None, {}, 401),
        ("get", paid_path, paid, "far", {}, 404),
    ]
    registrations, objections = "/trades/{trade_id}/registrations", "/trades/{trade_id}/objections"
    agreed, proposals = f"/trades/{w['agreed']}", "/tenders/{tender_id}/proposals"
    tender, plan, void = f"/tenders/{w['tender']}", "/contracts/{contract_id}/payment-plan", \
        "/contracts/{contract_id}/payments/{payment_id}/void"
    plan_url, void_url = f"/contracts/{w['registered2']}/payment-plan", f"{paid}/{w['payment']}/void"
    milestones = {"json": {"milestones": [{"title": "首付款", "due_on": "2026-04-01", "amount": "1000.00"}]}}
    rows += [
        ("post", registrations, f"{trade}/registrations", "far", {"json": {"terms": "一次付清"}}, 201),
        ("post", registrations, f"{trade}/registrations", "ent", {"json": {}}, 409),  # registered already
        ("post", registrations, f"{trade}/registrations", "far", raw, 400),
        ("post", registrations, f"{trade}/registrations", None, {"json": {}}, 401),
        ("post", registrations, f"{trade}/registrations", "broker", {"json": {}}, 403),
        ("post", registrations, "/trades/999999/registrations", "far", {"json": {}}, 404),
        ("post", registrations, f"{trade}/registrations", "far", huge, 413),
        ("post", registrations, f"{trade}/registrations", "far", form, 415),
        ("post", registrations, f"{trade}/registrations", "far", {"json": {"terms": 5}}, 422),
        ("post", objections, f"{agreed}/objections", "ent", {"json": {"body": "价格明显低于评估值"}}, 201),
        ("post", objections, f"{trade}/objections", "ent", {"json": {"body": "拍卖不受理异议"}}, 409),
        ("post", objections, f"{agreed}/objections", "ent", raw, 400),
        ("post", objections, f"{agreed}/objections", None, {"json": {"body": "x"}}, 401),
        ("post", objections, "/trades/999999/objections", "ent", {"json": {"body": "x"}}, 404),
        ("post", objections, f"{agreed}/objections", "ent", huge, 413),
        ("post", objections, f"{agreed}/objections", "ent", form, 415),
        ("post", objections, f"{agreed}/objections", "ent", {"json": {"body": ""}}, 422),
        ("post", proposals, f"{tender}/proposals", "inst", {"json": {"price": "800000.00", "body": "三阶段方案"}}, 201),
        ("post", proposals, f"{tender}/proposals", "inst", {"json": {"price": "2000000.00", "body": "超预算"}}, 409),
        ("post", proposals, f"{tender}/proposals", "inst", raw, 400),
        ("post", proposals, f"{tender}/proposals", None, {"json": {"price": "1.00", "body": "x"}}, 401),
        ("post", proposals, f"{tender}/proposals", "ent", {"json": {"price": "1.00", "body": "x"}}, 403),
        ("post", proposals, "/tenders/999999/proposals", "inst", {"json": {"price": "1.00", "body": "x"}}, 404),
        ("post", proposals, f"{tender}/proposals", "inst", huge, 413),
        ("post", proposals, f"{tender}/proposals", "inst", form, 415),
        ("post", proposals, f"{tender}/proposals", "inst", {"json": {"body": "没有报价"}}, 422),
        ("put", plan, plan_url, "inst", milestones, 200),
        ("put", plan, plan_url, "inst", {"json": {"milestones": [
            {"title": "一次付清", "due_on": "2026-04-01", "amount": "99999999.00"}]}}, 409),
        ("put", plan, plan_url, "inst", raw, 400),
        ("put", plan, plan_url, None, milestones, 401),
        ("put", plan, plan_url, "official_km", milestones, 403),
        ("put", plan, plan_url, "far", milestones, 404),
        ("put", plan, plan_url, "inst", huge, 413),
        ("put", plan, plan_url, "inst", form, 415),
        ("put", plan, plan_url, "inst", {"json": {"milestones": "全部"}}, 422),
        ("post", void, void_url, "ent", {"json": {"reason": "不是这笔"}}, 403),  # only the recording organisation
        ("post", void, void_url, "inst", {"json": {"reason": "金额录错"}}, 200),
        ("post", void, void_url, "inst", {"json": {"reason": "再作废一次"}}, 409),
        ("post", void, void_url, "inst", raw, 400),
        ("post", void, void_url, None, {"json": {"reason": "x"}}, 401),
        ("post", void, void_url, "far", {"json": {"reason": "x"}}, 404),
        ("post", void, void_url, "inst", huge, 413),
        ("post", void, void_url, "inst", form, 415),
        ("post", void, void_url, "inst", {"json": {"reason": ""}}, 422),
    ]
    decision = f"/trades/{w['auction2']}/registrations/{w['party2']}/decision"
    decision_path = "/trades/{trade_id}/registrations/{party_id}/decision"
    answer = f"{agreed}/objections/{w['objection']}/answer"
    answer_path = "/trades/{trade_id}/objections/{objection_id}/answer"
    award = f"/tenders/{w['opened_tender']}/proposals/{w['opened_proposal']}/award"
    award_path, fail_path = "/tenders/{tender_id}/proposals/{proposal_id}/award", "/tenders/{tender_id}/fail"
    approve = {"json": {"decision": "approve", "note": "保证金已到账"}}
    dismiss = {"json": {"decision": "dismiss", "resolution": "价格经第三方评估，异议不成立"}}
    score, score_url = "/tenders/{tender_id}/proposals/{proposal_id}/score", f"{award[:-len('/award')]}/score"
    rows += [  # before the award below (afterwards the tender takes no scores: the last row)
        ("post", score, score_url, "ent", {"json": {"score": 88, "note": "方案完整"}}, 200),
        ("post", score, score_url, "ent", raw, 400),
        ("post", score, score_url, None, {"json": {"score": 88}}, 401),
        ("post", score, score_url, "broker", {"json": {"score": 88}}, 403),
        ("post", score, score_url, "inst", {"json": {"score": 88}}, 404),  # not the tendering organisation
        ("post", score, score_url, "ent", huge, 413),
        ("post", score, score_url, "ent", form, 415),
        ("post", score, score_url, "ent", {"json": {"score": 101}}, 422),
    ]
    for path, url, owner, other, ok, bad in [
            (decision_path, decision, "inst", "ent", approve, {"decision": "maybe"}),
            (answer_path, answer, "inst", "ent", dismiss, {"decision": "x", "resolution": "y"}),
            ("/trades/{trade_id}/withdraw", f"{agreed}/withdraw", "inst", "ent", {"json": {"reason": "转让意向变更"}},
             {"reason": ""}),
            (award_path, award, "ent", "inst", {"json": {"note": "综合评分第一"}}, {"note": 5}),
            (fail_path, f"{tender}/fail", "ent", "inst", {"json": {"note": "需求调整"}}, {"note": 5})]:
        rows += [
            ("post", path, url, owner, ok, 200),
            ("post", path, url, owner, ok, 409),  # decided already
            ("post", path, url, owner, raw, 400),
            ("post", path, url, None, ok, 401),
            ("post", path, url, "broker", ok, 403),
            ("post", path, url, other, ok, 404),  # not the owner: nothing to see
            ("post", path, url, owner, huge, 413),
            ("post", path, url, owner, form, 415),
            ("post", path, url, owner, {"json": bad}, 422),
        ]
    rows += deal_making_cases(w, tender, award, raw, huge, form)
    # Bodies valid field by field that break a rule between fields (409 rule_conflict).
    conflicts = {"result": ({"ip_types": ["无", "发明专利"]}, "price_min=9&price_max=1"),
                 "need": ({"bounty": True, "bounty_amount": None}, "budget_min=9&budget_max=1")}
    listing_rows = [("result", "results", RESULT_BODY, "inst", "ent"), ("need", "needs", NEED_BODY, "ent", "inst")]
    for kind, path, body, owner, other in listing_rows:
        conflict, crossed = conflicts[kind]
        item, draft_item = w[kind], w[f"draft_{kind}"]
        one, act = f"/{path}/{{{kind}_id}}", f"/{path}/{{{kind}_id}}/actions"
        rows += [
            ("get", f"/{path}", f"/{path}?per_page=1", None, {}, 200),
            ("get", f"/{path}", f"/{path}?per_page=101", None, {}, 400),
            ("get", f"/{path}", f"/{path}?{crossed}", None, {}, 409),
            ("post", f"/{path}", f"/{path}", owner, {"json": {**body, **conflict}}, 409),
            ("patch", one, f"/{path}/{draft_item}", owner, {"json": conflict}, 409),
            ("post", f"/{path}", f"/{path}", owner, {"json": {**body, "submit": True}}, 201),
            ("post", f"/{path}", f"/{path}", owner, raw, 400),
            ("post", f"/{path}", f"/{path}", None, {"json": body}, 401),
            ("post", f"/{path}", f"/{path}", "broker", {"json": body}, 403),
            ("post", f"/{path}", f"/{path}", owner, huge, 413),
            ("post", f"/{path}", f"/{path}", owner, form, 415),
            ("post", f"/{path}", f"/{path}", owner, {"json": {**body, "title": ""}}, 422),
            ("get", one, f"/{path}/{item}", None, {}, 200),
            ("get", one, f"/{path}/{draft_item}", other, {}, 404),
            ("patch", one, f"/{path}/{draft_item}", owner, {"json": {"title": "改名"}}, 200),
            ("patch", one, f"/{path}/{draft_item}", owner, raw, 400),
            ("patch", one, f"/{path}/{draft_item}", None, {"json": {"title": "x"}}, 401),
            ("patch", one, f"/{path}/{item}", other, {"json": {"title": "x"}}, 403),
            ("patch", one, f"/{path}/{draft_item}", other, {"json": {"title": "x"}}, 404),
            ("patch", one, f"/{path}/{draft_item}", owner, huge, 413),
            ("patch", one, f"/{path}/{draft_item}", owner, form, 415),
            ("patch", one, f"/{path}/{draft_item}", owner, {"json": {"field": "玄学"}}, 422),
            ("post", act, f"/{path}/{draft_item}/actions", owner, {"json": {"action": "submit"}}, 200),
            ("post", act, f"/{path}/{draft_item}/actions", owner, raw, 400),
            ("post", act, f"/{path}/{draft_item}/actions", None, {"json": {"action": "submit"}}, 401),
            ("post", act, f"/{path}/{draft_item}/actions", owner, {"json": {"action": "approve"}}, 403),
            ("post", act, f"/{path}/{draft_item}/actions", other, {"json": {"action": "submit"}}, 404),
            ("post", act, f"/{path}/{draft_item}/actions", owner, {"json": {"action": "submit"}}, 409),
            ("post", act, f"/{path}/{draft_item}/actions", owner, huge, 413),
            ("post", act, f"/{path}/{draft_item}/actions", owner, form, 415),
            ("post", act, f"/{path}/{draft_item}/actions", owner, {"json": {"action": "fly"}}, 422),
        ]
    return rows + too_long(rows)


def deal_making_cases(w: dict, tender: str, award: str, raw: dict, huge: dict, form: dict) -> list[tuple]:
    """Publishing a trade and a tender, and the contract drafts of a concluded trade and of the tender awarded by the
    owners' rows before these."""
    trades, tenders = "/results/{result_id}/trades", "/needs/{need_id}/tenders"
    trades_url, tenders_url = f"/results/{w['free_result']}/trades", f"/needs/{w['free_need']}/tenders"
    in_a_month = (date.today() + timedelta(days=30)).isoformat()
    auction = {"json": {"route": "auction", "transfer_mode": "转让", "price": "500000.00", "increment": "5000.00",
                        "reserve": "600000.00", "ends_at": f"{in_a_month}T07:00:00Z", "extend_minutes": 10}}
    call = {"json": {"requirements": "续航提升 20%", "budget": "900000.00", "deadline_at": f"{in_a_month}T17:00:00+08:00"}}
    draft, draft_trade = "/trades/{trade_id}/contract", f"/trades/{w['concluded']}/contract"
    draft_tender, tender_contract = "/tenders/{tender_id}/contract", f"{award.split('/proposals/')[0]}/contract"
    signed = {"json": {"signed_on": "2026-11-30"}}
    return [
        ("post", trades, trades_url, "inst", auction, 201),
        ("post", trades, trades_url, "inst", auction, 409),  # the result is being auctioned already
        ("post", trades, trades_url, "inst", raw, 400),
        ("post", trades, trades_url, None, auction, 401),
        ("post", trades, trades_url, "ent", auction, 403),
        ("post", trades, "/results/999999/trades", "inst", auction, 404),
        ("post", trades, trades_url, "inst", huge, 413),
        ("post", trades, trades_url, "inst", form, 415),
        ("post", trades, trades_url, "inst", {"json": {**auction["json"], "route": "barter"}}, 422),
        ("post", tenders, tenders_url, "ent", call, 201),
        ("post", tenders, tenders_url, "ent", call, 409),  # one open tender a need
        ("post", tenders, tenders_url, "ent", raw, 400),
        ("post", tenders, tenders_url, None, call, 401),
        ("post", tenders, tenders_url, "broker", call, 403),
        ("post", tenders, f"/needs/{w['draft_need']}/tenders", "inst", call, 404),  # another's draft: unseen
        ("post", tenders, tenders_url, "ent", huge, 413),
        ("post", tenders, tenders_url, "ent", form, 415),
        ("post", tenders, tenders_url, "ent", {"json": {**call["json"], "deadline_at": f"{in_a_month} 17:00"}}, 422),
        ("post", draft, draft_trade, "inst", signed, 201),
        ("post", draft, draft_trade, "inst", signed, 200),  # the same draft, not a second one
        ("post", draft, f"/trades/{w['trade']}/contract", "inst", signed, 409),  # still being auctioned
        ("post", draft, draft_trade, "inst", raw, 400),
        ("post", draft, draft_trade, None, signed, 401),
        ("post", draft, draft_trade, "broker", signed, 403),
        ("post", draft, draft_trade, "ent", signed, 404),
        ("post", draft, draft_trade, "inst", huge, 413),
        ("post", draft, draft_trade, "inst", form, 415),
        ("post", draft, draft_trade, "inst", {"json": {"signed_on": "2026-02-30"}}, 422),
        ("post", draft_tender, tender_contract, "inst", signed, 201),  # the winner
        ("post", draft_tender, tender_contract, "inst", signed, 200),
        ("post", draft_tender, f"{tender}/contract", "inst", signed, 409),  # not awarded
        ("post", draft_tender, tender_contract, "inst", raw, 400),
        ("post", draft_tender, tender_contract, None, signed, 401),
        ("post", draft_tender, tender_contract, "broker", signed, 403),
        ("post", draft_tender, "/tenders/999999/contract", "inst", signed, 404),
        ("post", draft_tender, tender_contract, "inst", huge, 413),
        ("post", draft_tender, tender_contract, "inst", form, 415),
        ("post", draft_tender, tender_contract, "inst", {"json": {"signed_on": None}}, 422),
        ("post", "/tenders/{tender_id}/proposals/{proposal_id}/score", f"{award[:-len('/award')]}/score", "ent",
         {"json": {"score": 90}}, 409),  # awarded: scoring is over
    ]


def too_long(rows: list[tuple]) -> list[tuple]:
    """Every operation once more with an address over 2 KB: 414 before anything else is read."""
    operations = {(method, template): url for method, template, url, *_ in rows}
    return [(method, template, f"{url.split('?')[0]}?q={'燃' * 800}", None, {}, 414)
            for (method, template), url in operations.items()]


def test_every_documented_answer_matches_its_schema(client, spec, data):
    seen = set()
    for method, template, url, who, options, expected in cases(data):
        headers = {**auth_for(data, who), **options.get("headers", {})}
        response = client.open(PREFIX + url, method=method.upper(), headers=headers,
                               **{k: v for k, v in options.items() if k != "headers"})
        label = f"{method.upper()} {url} as {who}"
        assert response.status_code == expected, f"{label}: {response.status_code} {response.get_data(as_text=True)[:300]}"
        assert response.mimetype == "application/json", label
        try:
            check_body(spec, documented_schema(spec, template, method, expected), response.json)
        except AssertionError as exc:
            raise AssertionError(f"{label} → {expected}: {exc}") from None
        seen.add((template, method, str(expected)))
    documented = {(path, method, status) for path, method in documented_operations(spec)
                  for status in spec["paths"][path][method]["responses"]}
    assert documented - seen == set(), "documented answers no test produced"


@pytest.mark.parametrize("method, url, status", [
    ("GET", "/nowhere", 404), ("GET", "/results/abc", 404), ("DELETE", "/results/1", 405),
    ("PUT", "/contracts", 405), ("GET", "/results/99999999999", 404),
])
def test_routing_errors_are_json_in_the_error_schema(client, spec, method, url, status):
    response = client.open(PREFIX + url, method=method)
    assert response.status_code == status and response.mimetype == "application/json"
    check_body(spec, {"$ref": "#/components/schemas/Error"}, response.json)
    if status == 405:
        assert "GET" in response.headers["Allow"]
