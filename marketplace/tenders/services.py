"""招标 for a need: publish a tender, submit sealed proposals, open, score, award (or declare it failed), and draft
the contract with the winner. Functions flush but never commit; the caller commits once.

Sealed means unreadable: before the opening time nobody — the enterprise, officials, admins — gets a proposal's
price, text or files from any page; a bidder sees only its own. The deadline is checked under the tender's row
lock (as bids are), so a proposal checked after the deadline is refused.
"""
from datetime import datetime, timedelta

from sqlalchemy import func, select

from marketplace import files, notify
from marketplace.database import locked_row
from marketplace.form_fields import clean_line, clean_text
from marketplace.matching import inbox
from marketplace.money import yuan_text
from marketplace.permissions import has, is_member
from marketplace.trading.services import TradeError
from models import ListingStatus, Tender, TenderEvent, TenderFile, TenderProposal, db
from models.base import utcnow

MAX_FILES = 3
MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_PRICE_FEN = 10**15


class TenderError(TradeError):
    """A refusal, as the trades': 409 by the tender's state, 400 when a field is wrong."""


def tender_link(tender: Tender) -> str:
    return f"/tenders/{tender.id}"


def record(tender: Tender, action: str, actor, note: str = "") -> None:
    db.session.add(TenderEvent(tender_id=tender.id, action=action, actor_id=actor.id if actor else None,
                               note=note[:1000]))


def locked(tender_id: int) -> Tender:
    tender = locked_row(Tender, tender_id)
    if tender is None:
        raise TenderError("招标不存在。", status=404, code="not_found")
    return tender


def is_owner(user, tender: Tender) -> bool:
    return has(user, "tender.manage") and is_member(user, tender.organisation_id)


def is_open_for_reading(tender: Tender, now: datetime | None = None) -> bool:
    return (now or utcnow()) >= tender.opens_at


def own_proposal(user, tender: Tender) -> TenderProposal | None:
    if not user.is_authenticated or user.organisation_id is None:
        return None
    return db.session.scalar(select(TenderProposal).where(TenderProposal.tender_id == tender.id,
                                                          TenderProposal.organisation_id == user.organisation_id))


def proposals_readable_by(user, tender: Tender) -> list[TenderProposal]:
    """After the opening, the owner reads every proposal; before it, nobody; a bidder always reads its own."""
    if is_owner(user, tender) and is_open_for_reading(tender):
        return list(db.session.scalars(select(TenderProposal).where(TenderProposal.tender_id == tender.id)
                                       .order_by(TenderProposal.price_fen, TenderProposal.id)))
    mine = own_proposal(user, tender)
    return [mine] if mine is not None else []


def open_tender(need) -> Tender | None:
    return db.session.scalar(select(Tender).where(Tender.need_id == need.id, Tender.status == "open").limit(1))


def proposal_count(tender: Tender) -> int:
    return db.session.scalar(select(func.count(TenderProposal.id)).where(TenderProposal.tender_id == tender.id)) or 0


def publish(user, need, data: dict, now: datetime | None = None) -> Tender:
    now = now or utcnow()
    if not (has(user, "tender.manage") and is_member(user, need.organisation_id)):
        raise TenderError("只有需求所属单位的成员可以招标。", status=403, code="forbidden")
    if need.status != ListingStatus.PUBLISHED:
        raise TenderError("只有已发布的需求可以招标。")
    deadline, opens = data.get("deadline_at"), data.get("opens_at") or data.get("deadline_at")
    if deadline is None:
        raise TenderError("请填写投标截止时间。", field="deadline_at")
    if deadline <= now + timedelta(hours=1):
        raise TenderError("投标截止时间至少在一小时之后。", field="deadline_at")
    if deadline - now > timedelta(days=180):
        raise TenderError("投标期不能超过 180 天。", field="deadline_at")
    if opens < deadline:
        raise TenderError("开标时间不能早于投标截止时间。", field="opens_at")
    budget = data.get("budget_fen")
    if budget is not None and not 0 < budget <= MAX_PRICE_FEN:
        raise TenderError("预算上限必须大于 0 且不超过 100 亿元。", field="budget")
    if open_tender(need) is not None:
        raise TenderError("该需求已有进行中的招标。")
    tender = Tender(need_id=need.id, organisation_id=need.organisation_id, title=need.title,
                    requirements=clean_text(data.get("requirements") or "")[:5000], budget_fen=budget,
                    deadline_at=deadline, opens_at=opens, created_by_id=user.id)
    db.session.add(tender)
    db.session.flush()
    record(tender, "publish", user, f"发布招标，投标截止 {deadline.isoformat(' ', 'minutes')}（UTC）")
    return tender


def submit(user, tender_id: int, price_fen, body: str, uploads=(), now: datetime | None = None) -> TenderProposal:
    """An institute's sealed proposal; a second one before the deadline replaces the first (files too)."""
    if not has(user, "tender.bid") or user.organisation_id is None:
        raise TenderError("只有科研机构、高校的成员可以投标。", status=403, code="forbidden")
    tender = locked(tender_id)
    now = now or utcnow()
    if user.organisation_id == tender.organisation_id:
        raise TenderError("不能投本单位的标。", status=403, code="forbidden")
    if tender.status != "open" or now >= tender.deadline_at:
        raise TenderError("投标已截止。")
    if not isinstance(price_fen, int) or not 0 < price_fen <= MAX_PRICE_FEN:
        raise TenderError("报价必须大于 0 且不超过 100 亿元。", field="price")
    if tender.budget_fen is not None and price_fen > tender.budget_fen:
        raise TenderError(f"报价超过招标预算上限 {yuan_text(tender.budget_fen)}。", field="price")
    body = clean_text(body or "")
    if not body:
        raise TenderError("请填写技术方案说明。", field="body")
    if len(body) > 10000:
        raise TenderError("技术方案说明不能超过 10000 字。", field="body")
    try:
        accepted = files.accept(uploads, MAX_FILES, MAX_FILE_BYTES)
    except files.FileRefused as exc:
        raise TenderError(exc.message, field="files") from None
    proposal = own_proposal(user, tender)
    replaced = proposal is not None
    if proposal is None:
        proposal = TenderProposal(tender_id=tender.id, organisation_id=user.organisation_id)
        db.session.add(proposal)
    proposal.user_id, proposal.price_fen, proposal.body, proposal.submitted_at = user.id, price_fen, body, now
    proposal.files = [TenderFile(filename=a.filename, content_type=a.content_type, size_bytes=len(a.payload),
                                 sha256=files.store(a.payload, a.ext)) for a in accepted]
    db.session.flush()
    record(tender, "submit", user, f"{user.organisation.name}{'更新了' if replaced else '提交了'}投标文件")
    return proposal


def score(user, tender: Tender, proposal: TenderProposal, points, note: str = "") -> None:
    if not is_owner(user, tender) or proposal.tender_id != tender.id:
        raise TenderError("只有招标单位可以评分。", status=403, code="forbidden")
    if not is_open_for_reading(tender):
        raise TenderError("开标前不能查看或评分。")
    if tender.status != "open":
        raise TenderError("招标已结束。")
    if not isinstance(points, int) or not 0 <= points <= 100:
        raise TenderError("评分应为 0 至 100 的整数。", field="score")
    proposal.score, proposal.score_note = points, clean_line(note or "")[:500]
    record(tender, "score", user, f"为 {proposal.organisation.name} 评分 {points}")
    db.session.flush()


def award(user, tender_id: int, proposal_id: int, note: str = "") -> Tender:
    """The owner awards one proposal after the opening; every bidder is told the outcome."""
    tender = locked(tender_id)
    if not is_owner(user, tender):
        raise TenderError("只有招标单位可以定标。", status=403, code="forbidden")
    if not is_open_for_reading(tender):
        raise TenderError("开标前不能定标。")
    if tender.status != "open":
        raise TenderError("招标已结束。")
    proposals = db.session.scalars(select(TenderProposal).where(TenderProposal.tender_id == tender.id)).all()
    winner = next((p for p in proposals if p.id == proposal_id), None)
    if winner is None:
        raise TenderError("没有这份投标文件。", status=404, code="not_found")
    for proposal in proposals:
        proposal.status = "awarded" if proposal is winner else "not_awarded"
    tender.status, tender.awarded_proposal_id, tender.decided_at = "awarded", winner.id, utcnow()
    tender.decision_note = clean_line(note or "")[:1000]
    record(tender, "award", user, f"{winner.organisation.name} 中标，报价 {yuan_text(winner.price_fen)}")
    for proposal in proposals:
        won = proposal is winner
        notify.notify(inbox.organisation_members(proposal.organisation_id), "trade",
                      f"招标“{tender.title}”：贵单位{'中标' if won else '未中标'}", tender.decision_note,
                      tender_link(tender), sender=user)
    db.session.flush()
    return tender


def fail(user, tender_id: int, reason: str) -> Tender:
    """流标 (after the opening: no acceptable proposal) or 撤回 (before it); bidders are told."""
    tender = locked(tender_id)
    if not is_owner(user, tender):
        raise TenderError("只有招标单位可以操作。", status=403, code="forbidden")
    if tender.status != "open":
        raise TenderError("招标已结束。")
    reason = clean_line(reason or "")[:1000]
    if not reason:
        raise TenderError("请写明原因。", field="reason")
    tender.status = "failed" if is_open_for_reading(tender) else "withdrawn"
    tender.decision_note, tender.decided_at = reason, utcnow()
    record(tender, tender.status, user, reason)
    for proposal in db.session.scalars(select(TenderProposal).where(TenderProposal.tender_id == tender.id)):
        proposal.status = "not_awarded"
        notify.notify(inbox.organisation_members(proposal.organisation_id), "trade",
                      f"招标“{tender.title}”{tender.status_label}", reason, tender_link(tender), sender=user)
    db.session.flush()
    return tender


def open_contract(user, tender_id: int, signed_on) -> object:
    """A contract draft filed by the seller side as usual: the winning institute develops (技术开发) for the
    enterprise at the proposal's price; once."""
    from marketplace.contracts.services import ContractError, create_contract
    from models import Contract, Organisation

    tender = locked(tender_id)
    if tender.status != "awarded":
        raise TenderError("只有已定标的招标可以生成合同草稿。")
    winner = db.session.get(TenderProposal, tender.awarded_proposal_id)
    if not (has(user, "contract.party") and is_member(user, winner.organisation_id)):
        raise TenderError("合同草稿由中标单位（卖方）生成并申报。", status=403, code="forbidden")
    if tender.contract_id is not None:
        return db.session.get(Contract, tender.contract_id)
    need = tender.need
    data = {"contract_type": "技术开发", "title": need.title, "tech_field": need.field, "signed_on": signed_on,
            "need_id": need.id}
    try:
        contract = create_contract(db.session.get(Organisation, winner.organisation_id), tender.organisation, user,
                                   data, winner.price_fen, {}, idempotency_key=f"tender-{tender.id}")
    except ContractError as exc:
        raise TenderError(exc.message, status=exc.status, code=exc.code) from None
    tender.contract_id = contract.id
    record(tender, "contract", user, f"生成合同草稿 #{contract.id}")
    db.session.flush()
    return contract


def file_path(file: TenderFile) -> str:
    return files.stored_path(file.sha256, files.EXTENSIONS[file.content_type])
