"""Matchmaking events: create, attach pushed needs and signed deals, report the totals.

Functions flush but never commit; the view commits.
"""
import re
from dataclasses import dataclass

from sqlalchemy import func, select

from marketplace.errors import DomainError
from marketplace.permissions import can_manage_event
from models import Contract, ContractStatus, ListingStatus, TechNeed, db
from models.event import EventDeal, EventNeed, MatchEvent

MAX_IDS_PER_ATTACH = 500


class EventError(DomainError, ValueError):
    """A refused event operation; the message is shown to the user."""

    status, code = 422, "event_refused"


@dataclass
class EventTotals:
    """What an event reports: needs pushed, projects signed, amount signed (fen)."""

    needs: int
    deals: int
    amount_fen: int


def create_event(actor, data: dict) -> MatchEvent:
    """A new event in a region the official oversees."""
    if not can_manage_event(actor, data["region_code"]):
        raise EventError("只能在本机构管辖地区内创建对接活动。")
    event = MatchEvent(created_by_id=actor.id, **data)
    db.session.add(event)
    db.session.flush()
    return event


def parse_ids(text: str) -> list[int]:
    """'12, 15 18；20' → [12, 15, 18, 20]; anything else is refused with a message."""
    parts = [p for p in re.split(r"[\s,，;；、]+", text or "") if p]
    if not parts:
        raise EventError("请填写需求编号。")
    if len(parts) > MAX_IDS_PER_ATTACH:
        raise EventError(f"一次最多添加 {MAX_IDS_PER_ATTACH} 项需求。")
    bad = [p for p in parts if not p.isdigit() or len(p) > 9]
    if bad:
        raise EventError(f"需求编号应为数字：{'、'.join(bad[:5])}")
    return list(dict.fromkeys(int(p) for p in parts))


def attach_needs(event: MatchEvent, ids: list[int]) -> int:
    """Attach published needs by id; all must exist and be published, repeats are ignored."""
    needs = {n.id: n for n in db.session.scalars(select(TechNeed).where(TechNeed.id.in_(ids)))}
    missing = [str(i) for i in ids if i not in needs or needs[i].status != ListingStatus.PUBLISHED]
    if missing:
        raise EventError(f"以下需求不存在或未发布：{'、'.join(missing[:10])}")
    already = set(db.session.scalars(select(EventNeed.need_id).where(EventNeed.event_id == event.id)))
    fresh = [i for i in ids if i not in already]
    db.session.add_all(EventNeed(event_id=event.id, need_id=i) for i in fresh)
    db.session.flush()
    return len(fresh)


def add_deal(event: MatchEvent, data: dict, amount_fen: int, registration_no: str = "") -> EventDeal:
    """Record a signed project; a registration number, when given, must name a registered contract."""
    contract_id = None
    if registration_no:
        contract = db.session.scalar(select(Contract).where(Contract.registration_no == registration_no))
        if contract is None or contract.status != ContractStatus.REGISTERED:
            raise EventError("登记编号不存在或该合同未登记。")
        contract_id = contract.id
    deal = EventDeal(event_id=event.id, amount_fen=amount_fen, contract_id=contract_id, **data)
    db.session.add(deal)
    db.session.flush()
    return deal


def totals(event: MatchEvent) -> EventTotals:
    """推介需求 N 项, 签约项目 M 个, 签约金额 (fen)."""
    return totals_by_event([event.id])[event.id]


def totals_by_event(event_ids: list[int]) -> dict[int, EventTotals]:
    """The totals of several events in two grouped queries (a list page shows one line per event)."""
    found = {event_id: EventTotals(0, 0, 0) for event_id in event_ids}
    if not event_ids:
        return found
    for event_id, needs in db.session.execute(select(EventNeed.event_id, func.count()).where(
            EventNeed.event_id.in_(event_ids)).group_by(EventNeed.event_id)):
        found[event_id].needs = int(needs)
    for event_id, deals, amount in db.session.execute(select(EventDeal.event_id, func.count(), func.sum(
            EventDeal.amount_fen)).where(EventDeal.event_id.in_(event_ids)).group_by(EventDeal.event_id)):
        found[event_id].deals, found[event_id].amount_fen = int(deals), int(amount)
    return found


def report_line(event: MatchEvent, figures: EventTotals | None = None) -> str:
    """'推介需求 381 项，签约项目 162 个，签约金额 12.34 亿元' (`figures`: the event's totals if already counted)."""
    from marketplace.stats.bulletin import amount_text

    figures = figures or totals(event)
    amount = amount_text(figures.amount_fen).replace("亿元", " 亿元").replace("万元", " 万元")
    return f"推介需求 {figures.needs} 项，签约项目 {figures.deals} 个，签约金额 {amount}"


def recent_events(limit: int = 50) -> list[MatchEvent]:
    """The latest events, newest first."""
    return list(db.session.scalars(select(MatchEvent).order_by(MatchEvent.held_on.desc(), MatchEvent.id.desc())
                                   .limit(limit)))
