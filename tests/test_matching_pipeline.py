"""Deal pipeline: the transition table, who may act, history rows, messages, contract drafts."""
from datetime import date

import pytest
from sqlalchemy import func, select

from marketplace.matching import services, workflow
from marketplace.matching.services import MatchError
from models import Contract, ContractStatus, MatchStatus, MatchStep, Message, db
from tests import factories as f

S = MatchStatus


@pytest.fixture
def deal(ctx):
    """A broker, a need's enterprise, a result's institute, and bystanders."""
    buyer, seller = f.make_org(org_type="企业"), f.make_org(org_type="科研机构")
    people = {
        "broker": f.make_user(role="broker"), "other_broker": f.make_user(role="broker"),
        "need_owner": f.make_user(role="enterprise", org=buyer), "result_owner": f.make_user(role="institute", org=seller),
        "stranger": f.make_user(role="enterprise"), "official": f.make_user(role="official"),
    }
    need, result = f.make_need(buyer), f.make_result(seller)
    db.session.commit()
    return people, need, result


def _proposed(deal):
    people, need, result = deal
    return services.propose(people["broker"], need, result, "两者高度契合")


def _steps(match):
    return db.session.scalars(select(MatchStep).where(MatchStep.match_id == match.id).order_by(MatchStep.id)).all()


def test_table_is_data_and_covers_the_pipeline():
    assert workflow.next_state(None, "propose") == S.PROPOSED
    assert workflow.next_state(S.PROPOSED, "accept") == S.INTRODUCED
    assert workflow.next_state(S.INTRODUCED, "start_talks") == S.NEGOTIATING
    assert workflow.next_state(S.NEGOTIATING, "sign") == S.SIGNED
    for state in S.OPEN:
        assert workflow.next_state(state, "decline") == S.FAILED
        assert workflow.allowed_parties(state, "decline") == workflow.PARTIES
    for state in (S.SIGNED, S.FAILED):  # final states
        assert not [a for (s, a) in workflow.TRANSITIONS if s == state]
    assert workflow.next_state(S.PROPOSED, "sign") is None
    assert workflow.allowed_parties(None, "propose") == (workflow.BROKER,)


def test_both_parties_must_accept_before_introduced(deal):
    people, need, result = deal
    match = _proposed(deal)
    services.transition(match, "accept", people["need_owner"])
    assert match.status == S.PROPOSED and match.need_accepted_at and match.result_accepted_at is None
    with pytest.raises(MatchError, match="已接受"):
        services.transition(match, "accept", people["need_owner"])
    services.transition(match, "accept", people["result_owner"])
    assert match.status == S.INTRODUCED
    steps = _steps(match)
    assert [(s.action, s.from_status, s.to_status) for s in steps] == [
        ("propose", None, S.PROPOSED), ("accept", S.PROPOSED, S.PROPOSED), ("accept", S.PROPOSED, S.INTRODUCED)]
    assert [s.actor_id for s in steps] == [people["broker"].id, people["need_owner"].id, people["result_owner"].id]
    assert steps[0].note == "两者高度契合" and all(s.at for s in steps)


def test_full_pipeline_to_signed(deal):
    people, need, result = deal
    match = _proposed(deal)
    services.transition(match, "accept", people["need_owner"])
    services.transition(match, "accept", people["result_owner"])
    services.transition(match, "start_talks", people["broker"], "约定下周面谈")
    services.transition(match, "sign", people["broker"])
    assert match.status == S.SIGNED
    with pytest.raises(MatchError, match="当前状态"):
        services.transition(match, "decline", people["need_owner"], "反悔")


@pytest.mark.parametrize("who,action,allowed", [
    ("need_owner", "accept", True), ("result_owner", "accept", True), ("broker", "accept", False),
    ("other_broker", "accept", False), ("stranger", "accept", False), ("official", "accept", False),
    ("need_owner", "decline", True), ("result_owner", "decline", True), ("broker", "decline", False),
    ("stranger", "decline", False), ("broker", "close", True), ("other_broker", "close", False),
    ("need_owner", "close", False),
])
def test_permission_table_on_a_proposed_match(deal, who, action, allowed):
    people, need, result = deal
    match = _proposed(deal)
    if allowed:
        services.transition(match, action, people[who], "原因")
    else:
        with pytest.raises(MatchError, match="无权"):
            services.transition(match, action, people[who], "原因")
        assert match.status == S.PROPOSED


@pytest.mark.parametrize("role", ["enterprise", "institute", "official", "admin"])
def test_only_brokers_propose(deal, role):
    people, need, result = deal
    user = f.make_user(role=role)
    with pytest.raises(MatchError, match="经纪人"):
        services.propose(user, need, result)


def test_decline_needs_a_reason_and_stores_it(deal):
    people, need, result = deal
    match = _proposed(deal)
    with pytest.raises(MatchError, match="原因"):
        services.transition(match, "decline", people["need_owner"], "  ")
    services.transition(match, "decline", people["need_owner"], "预算不足")
    assert match.status == S.FAILED and match.outcome_reason == "预算不足"


def test_a_pair_is_matched_once_and_only_when_published(deal):
    people, need, result = deal
    _proposed(deal)
    with pytest.raises(MatchError, match="已有对接"):
        services.propose(people["other_broker"], need, result)
    draft = f.make_result(result.organisation, status="draft")
    with pytest.raises(MatchError, match="未发布"):
        services.propose(people["broker"], need, draft)
    own = f.make_result(need.organisation)
    with pytest.raises(MatchError, match="同一单位"):
        services.propose(people["broker"], need, own)


def test_introductions_reach_both_parties_inbox(deal):
    people, need, result = deal
    match = _proposed(deal)
    for who in ("need_owner", "result_owner"):
        messages = db.session.scalars(select(Message).where(Message.recipient_id == people[who].id)).all()
        assert len(messages) == 1 and messages[0].match_id == match.id and need.title in messages[0].subject
    assert db.session.scalar(select(func.count(Message.id)).where(Message.recipient_id == people["stranger"].id)) == 0


def test_institute_answers_a_need_directly(deal):
    people, need, result = deal
    with pytest.raises(MatchError, match="响应说明"):
        services.answer(people["result_owner"], need, result, "")
    with pytest.raises(MatchError, match="本单位"):
        services.answer(f.make_user(role="institute"), need, result, "我们能做")
    match = services.answer(people["result_owner"], need, result, "我们有成熟方案")
    assert match.broker_id is None and match.result_accepted_at is not None and match.status == S.PROPOSED
    services.transition(match, "accept", people["need_owner"])
    assert match.status == S.INTRODUCED


def test_private_notes_only_by_their_broker(deal):
    people, need, result = deal
    match = _proposed(deal)
    services.set_notes(match, people["broker"], "买方实际预算可到 800 万")
    for who in ("other_broker", "need_owner", "result_owner"):
        with pytest.raises(MatchError):
            services.set_notes(match, people[who], "改掉")
    assert match.broker_notes == "买方实际预算可到 800 万"


def _signed(deal):
    people, need, result = deal
    match = _proposed(deal)
    services.transition(match, "accept", people["need_owner"])
    services.transition(match, "accept", people["result_owner"])
    services.transition(match, "start_talks", people["result_owner"])
    services.transition(match, "sign", people["need_owner"])
    return match


def test_signed_match_opens_a_prefilled_contract_draft_once(deal):
    people, need, result = deal
    match = _proposed(deal)
    with pytest.raises(MatchError, match="已签约"):
        services.open_contract(match, people["broker"], "技术转让", 450 * 1_000_000, date.today())
    db.session.rollback()
    match = _signed(deal)
    with pytest.raises(MatchError, match="卖方"):
        services.open_contract(match, people["need_owner"], "技术转让", 450 * 1_000_000, date.today())
    contract = services.open_contract(match, people["broker"], "技术转让", 450 * 1_000_000, date.today())
    db.session.commit()
    assert contract.status == ContractStatus.DRAFT and contract.match_id == match.id
    assert (contract.seller_org_id, contract.buyer_org_id) == (result.organisation_id, need.organisation_id)
    assert (contract.title, contract.tech_field, contract.broker_id) == (result.title, result.field, people["broker"].id)
    assert (contract.result_id, contract.need_id, contract.contract_amount_fen) == (result.id, need.id, 450 * 1_000_000)
    again = services.open_contract(match, people["result_owner"], "技术许可", 1, date.today())
    assert again.id == contract.id
    assert db.session.scalar(select(func.count(Contract.id))) == 1
