"""Deal pipeline operations: propose, answer directly, move along the table, notes, contract draft.

Functions flush but never commit; the caller commits once.
"""
from datetime import date

from sqlalchemy import select

from marketplace.contracts.services import ContractError, create_contract
from marketplace import notify_events
from marketplace.threads import services as threads
from marketplace.matching.workflow import (
    BROKER, NEED_SIDE, RESULT_SIDE, WORKFLOW, MatchError, allowed_parties, next_state,
)
from marketplace.permissions import can_read_notes, has, is_member, parties_of
from models import Contract, ListingStatus, Match, MatchStatus, MatchStep, db
from models.base import utcnow

MAX_NOTE = 2000


@WORKFLOW.history
def record_step(match: Match, action: str, actor, from_status, note: str = "") -> MatchStep:
    """One history row: who, when, what and the note."""
    step = MatchStep(match_id=match.id, action=action, from_status=from_status, to_status=match.status,
                     actor_id=actor.id if actor else None, note=note or "")
    db.session.add(step)
    return step


def _check_pair(need, result) -> None:
    if need.status != ListingStatus.PUBLISHED or need.is_expired:
        raise MatchError("该需求未发布或已过期，不能对接。")
    if result.status != ListingStatus.PUBLISHED:
        raise MatchError("该成果未发布，不能对接。")
    if need.organisation_id == result.organisation_id:
        raise MatchError("需求与成果属于同一单位，无需对接。")
    exists = db.session.scalar(select(Match.id).where(Match.need_id == need.id, Match.result_id == result.id))
    if exists is not None:
        raise MatchError("该需求与该成果已有对接记录。")


def _clean(note: str | None) -> str:
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise MatchError(f"说明不能超过 {MAX_NOTE} 个字。")
    return note


def propose(broker, need, result, pitch: str = "", suggestion=None) -> Match:
    """A broker recommends `result` for `need`; both organisations get an introduction message."""
    if not has(broker, "match.propose") or BROKER not in allowed_parties(None, "propose"):
        raise MatchError("只有技术经纪人可以推荐对接。")
    pitch = _clean(pitch)
    _check_pair(need, result)
    match = Match(need_id=need.id, result_id=result.id, broker_id=broker.id, created_by_id=broker.id,
                  status=next_state(None, "propose"), pitch=pitch)
    if suggestion is not None:
        match.score = int(round(suggestion.score * 100))
        match.reasons = "\n".join(suggestion.reasons)
    db.session.add(match)
    db.session.flush()
    db.session.refresh(match)
    record_step(match, "propose", broker, None, pitch)
    threads.link_broker(match)
    intro = f"技术经纪人{broker.display_name or broker.username}推荐对接：需求“{need.title}”× 成果“{result.title}”"
    notify_events.match_step(match, broker, intro, pitch)
    db.session.flush()
    return match


def answer(actor, need, result, pitch: str = "") -> Match:
    """An institute answers a need directly with one of its own results (no broker)."""
    if not has(actor, "match.answer") or not is_member(actor, result.organisation_id):
        raise MatchError("只能用本单位的成果响应需求。")
    pitch = _clean(pitch)
    if not pitch:
        raise MatchError("请填写响应说明。")
    _check_pair(need, result)
    match = Match(need_id=need.id, result_id=result.id, broker_id=None, created_by_id=actor.id,
                  status=next_state(None, "answer"), pitch=pitch, result_accepted_at=utcnow())
    db.session.add(match)
    db.session.flush()
    db.session.refresh(match)
    record_step(match, "answer", actor, None, pitch)
    notify_events.match_step(match, actor, f"{result.organisation.name}响应了您的需求“{need.title}”", pitch)
    db.session.flush()
    return match


def _accept(match: Match, parties: set, actor) -> str:
    """Record one side's acceptance; returns the note for the history row."""
    side = NEED_SIDE if NEED_SIDE in parties else RESULT_SIDE
    column = "need_accepted_at" if side == NEED_SIDE else "result_accepted_at"
    if getattr(match, column) is not None:
        raise MatchError("贵单位已接受该对接。")
    setattr(match, column, utcnow())
    return "需求方接受对接" if side == NEED_SIDE else "成果方接受对接"


WORKFLOW.parties(parties_of)  # the same check the match's page uses


@WORKFLOW.before
def _acceptance_and_outcome(step) -> None:
    """Both sides must accept before a match is 已对接; a failed match keeps its reason."""
    match = step.obj
    step.reason = _clean(step.reason)
    if step.action.name == "accept":
        accepted = _accept(match, step.parties, step.actor)  # also when the party wrote a note
        step.reason = step.reason or accepted
        if match.need_accepted_at is None or match.result_accepted_at is None:
            step.target = step.source  # waiting for the other side
    if step.target == MatchStatus.FAILED:
        match.outcome_reason = step.reason


@WORKFLOW.after
def _tell_the_others(step) -> None:
    match = step.obj
    _notify_others(match, step.actor, f"对接进展：{step.action.label}（{match.status_label}）", step.reason)


def transition(match: Match, action_name: str, actor, note: str = "") -> Match:
    """Move a match along the table, with one history row per step and messages to the others."""
    return WORKFLOW.apply(match, action_name, actor, note)


def _notify_others(match: Match, actor, subject: str, body: str) -> None:
    notify_events.match_step(match, actor, f"{subject} — {match.need.title} × {match.result.title}", body)


def set_notes(match: Match, actor, notes: str) -> None:
    """Replace the broker's private notes (only that broker may)."""
    if not can_read_notes(actor, match):
        raise MatchError("只有负责该对接的经纪人可以填写私密备注。")
    notes = (notes or "").strip()
    if len(notes) > 5000:
        raise MatchError("备注不能超过 5000 个字。")
    match.broker_notes = notes
    db.session.flush()


def contract_for(match: Match) -> Contract | None:
    """The contract opened from this match, if any."""
    return db.session.scalar(select(Contract).where(Contract.match_id == match.id).order_by(Contract.id))


def open_contract(match: Match, actor, contract_type: str, amount_fen: int, signed_on: date) -> Contract:
    """A contract draft pre-filled from a signed match (seller = the result's organisation); once per match."""
    if match.status != MatchStatus.SIGNED:
        raise MatchError("只有已签约的对接可以生成合同草稿。")
    if not parties_of(actor, match) & {BROKER, RESULT_SIDE}:
        raise MatchError("合同由卖方（成果方）或负责的经纪人申报。")
    existing = contract_for(match)
    if existing is not None:
        return existing
    result, need = match.result, match.need
    data = {"contract_type": contract_type, "title": result.title, "tech_field": result.field,
            "ip_types": result.ip_types, "signed_on": signed_on, "match_id": match.id,
            "result_id": result.id, "need_id": need.id}
    try:
        # The key is the match's: a party of the match retrying gets its own draft back; a contract
        # someone else filed under this key is a 409 (create_contract never hands it over).
        contract = create_contract(result.organisation, need.organisation, actor, data, amount_fen, {},
                                   idempotency_key=f"match-{match.id}", broker=match.broker)
    except ContractError as exc:
        raise MatchError(exc.message, status=exc.status, code=exc.code) from None
    record_step(match, "contract", actor, match.status, "生成合同草稿")
    db.session.flush()
    return contract
