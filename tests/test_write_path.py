"""One road for every write: one transition, one error base, one commit-or-roll-back on the site and the API."""
from datetime import date

import pytest
from flask import get_flashed_messages, redirect
from sqlalchemy import func, select

from marketplace.auth.services import AccountError
from marketplace.brokers.services import ProfileError
from marketplace.contracts import services as contract_services
from marketplace.contracts.services import ContractError
from marketplace.errors import DomainError
from marketplace.listings import services as listing_services
from marketplace.listings.services import WorkflowError
from marketplace.matching import services as match_services
from marketplace.matching.services import MatchError
from marketplace.money import MoneyError
from marketplace.state_machine import Workflow
from marketplace.stats.events import EventError
from marketplace.stats.periods import StatsError
from marketplace.tabular import TabularError
from marketplace.web import committing
from models import ContractEvent, ListingEvent, ListingStatus, MatchStep, Organisation, db
from tests import factories as f
from tests.api_helpers import CONTRACT_BODY, auth_for, build_world
from tests.contract_helpers import draft, officials, parties

REFUSAL = "测试：服务拒绝了这一步。"


@pytest.fixture
def probe_app(app):
    """The app with two test-only views that write a row and then hit a refusal."""

    def write_then_refuse(error):
        db.session.add(Organisation(name="回滚测试单位", org_type="企业", region_code="530100"))
        db.session.flush()
        raise error

    def site_probe():
        with committing("不应出现。") as saved:
            write_then_refuse(DomainError(REFUSAL))
        assert not saved.ok and saved.error.message == REFUSAL
        return redirect("/")

    def uncaught_probe():
        write_then_refuse(DomainError(REFUSAL, status=422, code="probe_refused"))

    app.add_url_rule("/probe/refuse", "site_probe", site_probe)
    app.add_url_rule("/probe/uncaught", "uncaught_probe", uncaught_probe)
    app.add_url_rule("/api/v1/probe/uncaught", "api_uncaught_probe", uncaught_probe)
    return app


def _stored_probe_rows(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Organisation)
                                 .where(Organisation.name == "回滚测试单位"))


@pytest.mark.parametrize("error", [WorkflowError, ContractError, MatchError, AccountError, StatsError, EventError,
                                   ProfileError, MoneyError, TabularError])
def test_every_domain_error_shares_the_base_and_keeps_its_message(error):
    exc = error("原样显示的消息")
    assert isinstance(exc, DomainError) and exc.message == str(exc) == "原样显示的消息"
    assert 400 <= exc.status < 500 and exc.code


@pytest.mark.own_app  # adds test-only routes to its app
def test_a_refusal_inside_a_site_view_rolls_back_and_flashes_its_message(probe_app):
    client = probe_app.test_client()
    assert client.get("/probe/refuse").status_code == 302
    with client.session_transaction() as session:
        assert session["_flashes"] == [("danger", REFUSAL)]
    assert _stored_probe_rows(probe_app) == 0


@pytest.mark.own_app  # adds test-only routes to its app
def test_a_refusal_no_view_caught_is_its_status_page_and_nothing_is_kept(probe_app):
    response = probe_app.test_client().get("/probe/uncaught")
    assert response.status_code == 422 and REFUSAL in response.text
    assert _stored_probe_rows(probe_app) == 0


@pytest.mark.own_app  # adds test-only routes to its app
def test_the_api_turns_any_domain_error_into_json_with_its_status(probe_app):
    response = probe_app.test_client().get("/api/v1/probe/uncaught")
    assert response.status_code == 422
    assert response.json == {"error": {"code": "probe_refused", "message": REFUSAL}}
    assert _stored_probe_rows(probe_app) == 0


def test_a_refused_api_step_is_a_409_with_the_services_message(app, client):
    world = build_world(app)
    filed = client.post("/api/v1/contracts", json={**CONTRACT_BODY, "submit": True},
                        headers=auth_for(world, "inst")).json["id"]
    response = client.post(f"/api/v1/contracts/{filed}/actions", json={"action": "register"},
                           headers=auth_for(world, "official_km"))
    assert response.status_code == 409
    assert response.json == {"error": {"code": "conflict", "message": "当前状态下不能执行该操作。"}}


def test_the_site_helper_commits_and_flashes_success(app):
    with app.test_request_context("/"):
        with committing("已保存。") as saved:
            db.session.add(Organisation(name="提交测试单位", org_type="企业", region_code="530100"))
        assert saved.ok and get_flashed_messages(with_categories=True) == [("success", "已保存。")]
    with app.app_context():
        assert db.session.scalar(select(Organisation).where(Organisation.name == "提交测试单位")) is not None


# Every workflow moves through Workflow.apply and stores its history row with actor and reason.

def _history(obj, table) -> list:
    model, column = table
    return db.session.scalars(select(model).filter_by(**{column: obj.id}).order_by(model.id)).all()


def _listing_case():
    org = f.make_org(org_type="企业")
    listing = f.make_result(org, status=ListingStatus.PENDING)
    reviewer = f.make_user(role="official", org=f.make_org(org_type="机关", region_code="530100"))
    return listing_services.transition, listing, "return", reviewer, "技术指标不完整", (ListingEvent, "result_id")


def _contract_case():
    seller, buyer = parties()
    seller_user = f.make_user("seller_user", "institute", seller)
    official = officials()[0]
    contract = draft(seller, buyer, seller_user)
    contract_services.transition(contract, "file", seller_user, on=date(2026, 3, 2))
    return contract_services.transition, contract, "return", official, "缺少盖章页", (ContractEvent, "contract_id")


def _match_case():
    buyer, seller = f.make_org(org_type="企业"), f.make_org(org_type="科研机构")
    broker, need_owner = f.make_user(role="broker"), f.make_user(role="enterprise", org=buyer)
    match = match_services.propose(broker, f.make_need(buyer), f.make_result(seller), "两者高度契合")
    return match_services.transition, match, "decline", need_owner, "预算不足", (MatchStep, "match_id")


@pytest.mark.parametrize("case", [_listing_case, _contract_case, _match_case])
def test_every_workflow_goes_through_the_one_apply(ctx, monkeypatch, case):
    transition, obj, action, actor, reason, table = case()
    applied, apply = [], Workflow.apply

    def spy(self, target, action_name, *args, **kwargs):
        applied.append((type(target).__name__, action_name))
        return apply(self, target, action_name, *args, **kwargs)

    monkeypatch.setattr(Workflow, "apply", spy)
    transition(obj, action, actor, f"  {reason}  ")
    assert applied == [(type(obj).__name__, action)]
    last = _history(obj, table)[-1]
    assert (last.action, last.actor_id, getattr(last, "comment", None) or getattr(last, "note", None)) == (
        action, actor.id, reason)
    assert last.to_status == obj.status


@pytest.mark.parametrize("case", [_listing_case, _contract_case, _match_case])
def test_a_stranger_is_refused_by_the_same_check_everywhere(ctx, case):
    transition, obj, action, _actor, reason, table = case()
    before = len(_history(obj, table))
    with pytest.raises(DomainError, match="您无权执行该操作。"):
        transition(obj, action, f.make_user(role="enterprise"), reason)
    assert len(_history(obj, table)) == before


def test_the_broker_is_set_once_when_the_contract_is_created(ctx):
    seller, buyer = parties()
    seller_user = f.make_user("seller_user", "institute", seller)
    first, second = f.make_user(role="broker"), f.make_user(role="broker")
    data = {"contract_type": "技术开发", "subtype": "委托开发", "title": "经纪人测试", "tech_field": "新材料及其应用",
            "signed_on": date(2026, 3, 2)}
    contract = contract_services.create_contract(seller, buyer, seller_user, data, 100_00, {},
                                                 idempotency_key="broker-once", broker=first)
    assert contract.broker_id == first.id
    again = contract_services.create_contract(seller, buyer, seller_user, data, 100_00, {},
                                              idempotency_key="broker-once", broker=second)
    assert again is contract and again.broker_id == first.id
    assert contract_services.create_contract(seller, buyer, seller_user, data, 100_00, {}).broker_id is None


def test_an_acceptance_with_a_note_still_counts(ctx):
    buyer, seller = f.make_org(org_type="企业"), f.make_org(org_type="科研机构")
    need_owner, result_owner = f.make_user(role="enterprise", org=buyer), f.make_user(role="institute", org=seller)
    match = match_services.propose(f.make_user(role="broker"), f.make_need(buyer), f.make_result(seller), "推荐")
    match_services.transition(match, "accept", need_owner, "愿意对接")
    assert match.need_accepted_at is not None
    with pytest.raises(MatchError, match="贵单位已接受该对接。"):
        match_services.transition(match, "accept", need_owner, "再次接受")
    match_services.transition(match, "accept", result_owner)
    assert match.status == "introduced"
    assert [s.note for s in _history(match, (MatchStep, "match_id"))][-2:] == ["愿意对接", "成果方接受对接"]
