"""Registration workflow: transition table, permissions, money rules, deadlines."""
from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from marketplace.contracts import services
from marketplace.contracts.deadlines import add_working_days, review_due
from marketplace.contracts.services import ContractError
from marketplace.contracts.workflow import TRANSITIONS
from models import Contract, ContractEvent, ContractStatus, db
from tests.contract_helpers import amend, draft, officials, parties, register_path
from tests.factories import make_user


@pytest.fixture
def world(ctx):
    seller, buyer = parties()
    seller_user = make_user("seller_user", "institute", seller)
    buyer_user = make_user("buyer_user", "enterprise", buyer)
    official_a, official_b, official_cd = officials()
    return dict(seller=seller, buyer=buyer, seller_user=seller_user, buyer_user=buyer_user,
                official_a=official_a, official_b=official_b, official_cd=official_cd)


def test_tech_amount_is_contract_amount_minus_deductions(world):
    c = draft(world["seller"], world["buyer"], world["seller_user"], 1_000_000_00,
              {"equipment": 200_000_00, "materials": 50_000_55})
    assert c.tech_amount_fen == 1_000_000_00 - 200_000_00 - 50_000_55
    assert c.seller_region == "530100" and c.buyer_type == "企业"


def test_deductions_above_contract_amount_refused(world):
    with pytest.raises(ContractError):
        draft(world["seller"], world["buyer"], world["seller_user"], 100, {"other": 101})
    assert db.session.scalar(select(func.count()).select_from(Contract)) == 0


def test_database_rejects_inconsistent_amounts(world):
    c = draft(world["seller"], world["buyer"], world["seller_user"])
    db.session.flush()
    c.tech_amount_fen = c.contract_amount_fen + 1
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_small_contract_registers_with_number_and_history(world):
    c = draft(world["seller"], world["buyer"], world["seller_user"])
    register_path(c, world["seller_user"], world["official_a"], on=date(2026, 6, 11))
    assert c.status == ContractStatus.REGISTERED
    assert c.registration_no == "2026530100000001"
    assert c.registered_on == date(2026, 6, 11)
    actions = [(e.action, e.from_status, e.to_status, e.actor_id) for e in
               db.session.scalars(select(ContractEvent).where(ContractEvent.contract_id == c.id)
                                  .order_by(ContractEvent.id))]
    assert [a[0] for a in actions] == ["create", "file", "accept", "register"]
    assert actions[-1][1:] == ("accepted", "registered", world["official_a"].id)


def test_large_contract_needs_second_official(world):
    c = draft(world["seller"], world["buyer"], world["seller_user"], 600 * 1_000_000)
    services.transition(c, "file", world["seller_user"])
    services.transition(c, "accept", world["official_a"])
    with pytest.raises(ContractError, match="复核"):
        services.transition(c, "register", world["official_a"])
    services.transition(c, "first_review", world["official_a"])
    with pytest.raises(ContractError, match="初审以外"):
        services.transition(c, "register", world["official_a"])
    services.transition(c, "register", world["official_b"])
    assert c.status == ContractStatus.REGISTERED


def test_return_requires_reason_and_resubmission_restarts_clock(world):
    c = draft(world["seller"], world["buyer"], world["seller_user"])
    services.transition(c, "file", world["seller_user"], on=date(2026, 3, 2))
    first_due = c.due_on
    with pytest.raises(ContractError, match="原因"):
        services.transition(c, "return", world["official_a"], "")
    services.transition(c, "return", world["official_a"], "缺少盖章页")
    assert c.status == ContractStatus.CORRECTION and c.due_on is None
    services.transition(c, "file", world["seller_user"], on=date(2026, 3, 20))
    assert c.due_on > first_due


def test_refusal_needs_statutory_reason(world):
    c = draft(world["seller"], world["buyer"], world["seller_user"])
    services.transition(c, "file", world["seller_user"])
    services.transition(c, "accept", world["official_a"])
    with pytest.raises(ContractError, match="法定理由"):
        services.transition(c, "refuse", world["official_a"], "不喜欢")
    services.transition(c, "refuse", world["official_a"], "标的不明确")
    assert c.status == ContractStatus.REFUSED and c.refusal_reason == "标的不明确"


@pytest.mark.parametrize("who, action, allowed", [
    ("seller_user", "file", True),
    ("buyer_user", "file", False),
    ("official_a", "file", False),
    ("official_a", "accept", True),
    ("official_cd", "accept", False),
    ("seller_user", "accept", False),
    ("buyer_user", "accept", False),
])
def test_permission_table(world, who, action, allowed):
    c = draft(world["seller"], world["buyer"], world["seller_user"])
    if action == "accept":
        services.transition(c, "file", world["seller_user"])
    if allowed:
        services.transition(c, action, world[who])
    else:
        with pytest.raises(ContractError, match="无权"):
            services.transition(c, action, world[who])


def test_every_unlisted_transition_is_refused(world):
    states_actions = {(s, a) for s in ContractStatus.ALL for a in
                      ("file", "withdraw", "accept", "return", "first_review", "register", "refuse", "amend", "cancel")}
    c = draft(world["seller"], world["buyer"], world["seller_user"])
    for state, action in sorted(states_actions - set(TRANSITIONS)):
        c.status = state
        with pytest.raises(ContractError, match="当前状态"):
            services.transition(c, action, world["official_a"], "原因")


def test_idempotent_filing_key_creates_one_contract(world):
    a = draft(world["seller"], world["buyer"], world["seller_user"], key="form-123")
    b = draft(world["seller"], world["buyer"], world["seller_user"], key="form-123")
    assert a.id == b.id
    assert db.session.scalar(select(func.count()).select_from(Contract)) == 1


def test_amend_and_cancel_keep_history(world):
    c = draft(world["seller"], world["buyer"], world["seller_user"])
    register_path(c, world["seller_user"], world["official_a"])
    amend(c, world["seller_user"], [world["official_a"]], "补充协议调整金额", 2_000_000_00, {"parts": 1_00})
    assert (c.contract_amount_fen, c.tech_amount_fen, c.status) == (2_000_000_00, 2_000_000_00 - 1_00, "registered")
    services.transition(c, "cancel", world["official_a"], "双方解除合同")
    assert c.status == ContractStatus.CANCELLED
    assert [e.action for e in c.events][-3:] == ["amend_apply", "amend", "cancel"]


def test_working_day_deadlines():
    friday = date(2026, 11, 27)
    assert add_working_days(friday, 1) == date(2026, 11, 30)
    assert add_working_days(friday, 15) == date(2026, 12, 18)
    assert review_due(friday, 500 * 1_000_000) == add_working_days(friday, 30)
    assert review_due(friday, 500 * 1_000_000 - 1) == add_working_days(friday, 15)


def test_overdue_list_is_scoped_to_region(world):
    c = draft(world["seller"], world["buyer"], world["seller_user"])
    services.transition(c, "file", world["seller_user"], on=date(2026, 1, 5))
    assert services.overdue(world["official_a"], today=date(2026, 3, 1)) == [c]
    assert services.overdue(world["official_cd"], today=date(2026, 3, 1)) == []
    assert services.overdue(world["official_a"], today=date(2026, 1, 6)) == []


def test_pdf_attachment_checked(world, app):
    c = draft(world["seller"], world["buyer"], world["seller_user"])
    with pytest.raises(ContractError, match="PDF"):
        services.attach_pdf(c, world["seller_user"], "x.pdf", b"MZ\x90\x00 not a pdf")
    with pytest.raises(ContractError, match="10 MB"):
        services.attach_pdf(c, world["seller_user"], "x.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024))
    with pytest.raises(ContractError, match="无权"):
        services.attach_pdf(c, world["buyer_user"], "x.pdf", b"%PDF-1.4 ok")
    att = services.attach_pdf(c, world["seller_user"], "../../etc/合同.pdf", b"%PDF-1.4 ok")
    assert att.filename == "合同.pdf" and att.size_bytes == 11
