"""Contract operations: draft, file, review, register, amend, cancel.

Functions flush but never commit; the caller commits once per request.
"""
import os
from datetime import date

from sqlalchemy import false, select
from sqlalchemy.exc import IntegrityError

from marketplace import files
from marketplace.contracts import numbering
from marketplace.contracts.deadlines import WorkCalendar, review_due, utc_of_local_noon
from marketplace.contracts.year_close import is_closed, refuse_if_closed
from marketplace.contracts.workflow import (
    ADMIN, EDITABLE, REGISTRAR, SELLER, SELLER_MEMBER, UNDER_REVIEW, WORKFLOW, ContractError,
)
from marketplace.form_fields import clean_line
from marketplace.permissions import has, is_member, is_registrar, is_seller_side, region_scope_prefix
from marketplace.security_log import record_contract_parties, record_party_changes
from models import (
    Contract, ContractAttachment, ContractEvent, ContractStatus, Match, MatchStatus, Organisation, TechResult, db,
)
from models.base import utcnow
from models.contract import DEDUCTION_KINDS, REFUSAL_REASONS

PARTY_FIELDS = ("name", "type", "region")
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
BAD_PARTIES = {"status": 409, "code": "bad_parties"}  # the parties as named cannot file this contract
KEY_REUSED = {"status": 409, "code": "idempotency_key_reused"}  # someone else's filing already holds the key
# Match states in which the seller (the result's organisation) has accepted the broker's introduction.
MANDATE_MATCH_STATES = (MatchStatus.INTRODUCED, MatchStatus.NEGOTIATING, MatchStatus.SIGNED)


def copy_party(contract: Contract, side: str, organisation: Organisation) -> None:
    """Freeze the organisation's name, type and region on the contract (statistics use these)."""
    setattr(contract, f"{side}_org_id", organisation.id)
    setattr(contract, f"{side}_name", organisation.name)
    setattr(contract, f"{side}_type", organisation.org_type)
    setattr(contract, f"{side}_region", organisation.region_code)


def tech_amount(contract_amount_fen: int, deductions: dict[str, int]) -> int:
    """技术交易额: 合同成交额 less the non-technical payments, which may be neither negative nor more than it."""
    if any(deductions.get(kind, 0) < 0 for kind, _ in DEDUCTION_KINDS):
        raise ContractError("扣除金额不能为负数。")
    total = sum(deductions.get(kind, 0) for kind, _ in DEDUCTION_KINDS)
    if total > contract_amount_fen:
        raise ContractError("非技术性费用合计不能超过合同成交额。")
    return contract_amount_fen - total


def apply_amounts(contract: Contract, contract_amount_fen: int, deductions: dict[str, int]) -> None:
    """Set 合同成交额 and the deductions; 技术交易额 is what remains."""
    contract.tech_amount_fen = tech_amount(contract_amount_fen, deductions)
    contract.contract_amount_fen = contract_amount_fen
    for kind, _ in DEDUCTION_KINDS:
        setattr(contract, f"deduct_{kind}_fen", deductions.get(kind, 0))


@WORKFLOW.history
def record_event(contract: Contract, action: str, actor, from_status, comment: str = "") -> None:
    db.session.add(ContractEvent(contract_id=contract.id, action=action, from_status=from_status,
                                 to_status=contract.status, actor_id=actor.id if actor else None,
                                 comment=comment or ""))


def find_by_key(key: str) -> Contract | None:
    return db.session.scalar(select(Contract).where(Contract.idempotency_key == key))


def create_contract(seller: Organisation, buyer: Organisation | None, actor, data: dict,
                    contract_amount_fen: int, deductions: dict[str, int],
                    idempotency_key: str | None = None, buyer_details: dict | None = None,
                    broker=None) -> Contract:
    """Create a draft filed by the seller side (with its `broker`); a repeated key: see `replay`."""
    if idempotency_key and idempotency_key.startswith("match-") and idempotency_key != f"match-{data.get('match_id')}":
        raise ContractError("该幂等键为系统保留，请换用新的键。", **KEY_REUSED)  # only the match's own draft
    if idempotency_key:
        existing = find_by_key(idempotency_key)
        if existing is not None:
            return replay(existing, actor)
    contract = Contract(status=ContractStatus.DRAFT, created_by_id=actor.id if actor else None,
                        broker_id=broker.id if broker is not None else None,
                        idempotency_key=idempotency_key, **data)
    copy_party(contract, "seller", seller)
    if buyer is not None:
        copy_party(contract, "buyer", buyer)
    else:
        for field in PARTY_FIELDS:
            setattr(contract, f"buyer_{field}", (buyer_details or {})[field])
    apply_amounts(contract, contract_amount_fen, deductions)
    try:
        with db.session.begin_nested():
            db.session.add(contract)
    except IntegrityError:
        existing = find_by_key(idempotency_key) if idempotency_key else None
        if existing is None:
            raise ContractError("合同编号已存在，请核对。") from None
        return replay(existing, actor)
    record_event(contract, "create", actor, None, "创建草稿")
    record_contract_parties(contract, actor)
    return contract


# Keys are guessable (match-<id>, demo-contract-00001): a repeated key is a retry only when it comes
# from the very user who created that contract and who still acts for its seller side (a member of
# the seller organisation, or its broker). Anyone else, colleagues included, gets a 409 and nothing
# is stored; broker_id is set once, at creation, and never re-assigned.
def replay(existing: Contract, actor) -> Contract:
    """The contract a repeated idempotency key names, for its own creator on its seller side; 409 for anyone else."""
    if actor is None or existing.created_by_id != actor.id or not is_seller_side(actor, existing):
        raise ContractError("该幂等键已用于另一份合同申报，请换用新的键。", **KEY_REUSED)
    return existing


def has_mandate(broker, seller_org_id: int | None) -> bool:
    """A broker acts for a seller of its own organisation, or one that accepted the broker's match of its result."""
    if broker is None or seller_org_id is None:
        return False
    if broker.organisation_id == seller_org_id:
        return True
    stmt = (select(Match.id).join(TechResult, Match.result_id == TechResult.id)
            .where(Match.broker_id == broker.id, TechResult.organisation_id == seller_org_id,
                   Match.status.in_(MANDATE_MATCH_STATES)).limit(1))
    return db.session.scalar(stmt) is not None


def needs_seller_confirmation(contract: Contract) -> bool:
    """A broker's draft without a mandate waits for a member of the seller organisation to confirm it."""
    return (contract.broker_id is not None and contract.seller_confirmed_at is None
            and not has_mandate(contract.broker, contract.seller_org_id))


@WORKFLOW.parties
def parties_of(actor, contract: Contract) -> set[str]:
    """The seller side (and whether a member of the seller organisation) and/or the registrar."""
    parties = {SELLER} if is_seller_side(actor, contract) else set()
    if has(actor, "contract.party") and is_member(actor, contract.seller_org_id):
        parties.add(SELLER_MEMBER)
    parties |= {ADMIN} if has(actor, "year.override") else set()
    return parties | ({REGISTRAR} if is_registrar(actor, contract) else set())


@WORKFLOW.before
def _review_rules(step) -> None:
    """The large-contract second review and the statutory refusal reasons, then the step's own fields."""
    contract, name, actor = step.obj, step.action.name, step.actor
    if name == "register" and contract.status == ContractStatus.ACCEPTED and contract.is_large:
        raise ContractError("技术交易额达 500 万元及以上的合同须经初审后由另一名登记人员复核。")
    if name == "first_review" and not contract.is_large:
        raise ContractError("该合同无需复核，可直接登记。")
    if (name == "register" and contract.status == ContractStatus.SECOND_REVIEW
            and contract.first_reviewer_id == actor.id):
        raise ContractError("复核须由初审以外的登记人员完成。")
    if name == "refuse" and step.reason not in REFUSAL_REASONS:
        raise ContractError("不予登记须选择法定理由之一。")
    if name == "file" and SELLER_MEMBER not in parties_of(actor, contract) and needs_seller_confirmation(contract):
        raise ContractError("经纪人未获卖方单位委托：须由卖方单位成员确认合同草稿后才能提交申报。")
    if name == "cancel":
        _cancel_rules(step)
    if name == "amend" and step.options.get("amendment") is None:
        raise ContractError("变更登记须提交变更申请（新的合同内容和理由），经登记机构审核后生效。")
    if name == "confirm" and not needs_seller_confirmation(contract):
        raise ContractError("该合同无需卖方单位确认。")
    today = step.options.get("on") or date.today()
    if name == "confirm":
        contract.seller_confirmed_at, contract.seller_confirmed_by_id = utcnow(), actor.id
    elif name == "file":
        # A filing dated `on` (imports, tests) is stamped at that day's noon, so that its day reads back the same.
        contract.submitted_at = utcnow() if step.options.get("on") is None else utc_of_local_noon(today)
        contract.due_on = review_due(today, contract.tech_amount_fen, WorkCalendar.load())
    elif name == "first_review":
        contract.first_reviewer_id = actor.id
    elif name == "register":
        refuse_if_closed(contract.seller_region, today)
        contract.registration_no = numbering.registration_number(contract.seller_region, today.year)
        contract.registered_on = today
    elif name == "refuse":
        contract.refusal_reason = step.reason
    if step.target not in UNDER_REVIEW:
        contract.due_on = None


def _cancel_rules(step) -> None:
    """Who cancels: the registrar while the year is open, an admin once it is closed."""
    closed = is_closed(step.obj.seller_region, step.obj.registered_on)
    if closed and ADMIN not in step.parties:
        raise ContractError("该合同的登记年度已结账：撤销登记须由平台管理员办理。", status=403, code="forbidden")
    if not closed and REGISTRAR not in step.parties:
        raise ContractError("未结账年度的撤销登记由辖区登记机构办理。", status=403, code="forbidden")


@WORKFLOW.after
def _tell_the_filers(step) -> None:
    """Accepted, returned for correction, registered, refused, cancelled: the seller side and the broker hear of it."""
    from marketplace import notify_events

    notify_events.contract_step(step)


def transition(contract: Contract, action_name: str, actor, comment: str = "", on: date | None = None,
               amendment=None) -> Contract:
    """Move a contract along the workflow table; `on` dates a filing or registration (default today)."""
    return WORKFLOW.apply(contract, action_name, actor, comment, on=on, amendment=amendment)


def update_draft(contract: Contract, actor, data: dict, contract_amount_fen: int, deductions: dict[str, int]):
    """Edit a draft or a contract returned for correction."""
    if contract.status not in EDITABLE:
        raise ContractError("只有草稿或补正中的合同可以修改。")
    if not is_seller_side(actor, contract):
        raise ContractError("您无权修改该合同。")
    record_party_changes(contract, actor, data)
    for key, value in data.items():
        setattr(contract, key, value)
    apply_amounts(contract, contract_amount_fen, deductions)
    comment = "修改合同内容"
    if contract.seller_confirmed_at is not None and not is_member(actor, contract.seller_org_id):
        # The seller confirmed other terms: the broker's changes need confirming again.
        contract.seller_confirmed_at = contract.seller_confirmed_by_id = None
        comment += "（卖方确认已失效，须重新确认）"
    record_event(contract, "edit", actor, contract.status, comment)
    db.session.flush()


def overdue(user, today: date | None = None) -> list[Contract]:
    """Contracts under review in the official's region whose deadline has passed."""
    today = today or date.today()
    stmt = (select(Contract).where(Contract.status.in_(UNDER_REVIEW), Contract.due_on < today)
            .order_by(Contract.due_on))
    return [c for c in db.session.scalars(stmt) if is_registrar(user, c)]


def attachment_path(attachment: ContractAttachment) -> str:
    return files.stored_path(attachment.sha256, "pdf")


def _check_attachments_editable(contract: Contract, actor) -> None:
    if not is_seller_side(actor, contract):
        raise ContractError("您无权修改附件。", status=403, code="forbidden")
    if contract.status not in EDITABLE:
        raise ContractError("只有草稿或补正中的合同可以上传或删除附件。")


def attach_pdf(contract: Contract, actor, filename: str, payload: bytes) -> ContractAttachment:
    """Store the signed contract as a PDF (checked by size and by its header, not its name) while it is editable."""
    _check_attachments_editable(contract, actor)
    if not payload:
        raise ContractError("文件为空。")
    if len(payload) > MAX_ATTACHMENT_BYTES:
        raise ContractError("附件不能超过 10 MB。")
    if not payload.startswith(b"%PDF-"):
        raise ContractError("只接受 PDF 格式的合同文本。")
    digest = files.store(payload, "pdf")
    name = clean_line(os.path.basename(filename))[:200] or "contract.pdf"  # no NUL or other control characters
    attachment = ContractAttachment(contract_id=contract.id, filename=name,
                                    content_type="application/pdf", size_bytes=len(payload), sha256=digest,
                                    uploaded_by_id=actor.id)
    db.session.add(attachment)
    record_event(contract, "attach", actor, contract.status, attachment.filename)
    db.session.flush()
    return attachment


def remove_attachment(contract: Contract, attachment: ContractAttachment, actor) -> None:
    """The seller side removes an attachment while the contract is editable (the stored bytes may be shared)."""
    _check_attachments_editable(contract, actor)
    if attachment.contract_id != contract.id:
        raise ContractError("附件不属于该合同。", status=404, code="not_found")
    record_event(contract, "detach", actor, contract.status, attachment.filename)
    db.session.delete(attachment)
    db.session.flush()


def contracts_for(user, status: str | None = None) -> list[Contract]:
    """Contracts a user works on: an official's region, or the user's side / brokered deals."""
    return db.session.scalars(contracts_select(user, status).limit(500)).all()


def contracts_select(user, status: str | None = None):
    """The query behind contracts_for, newest change first (the API pages through it)."""
    stmt = select(Contract).order_by(Contract.updated_at.desc(), Contract.id.desc())
    if status:
        stmt = stmt.where(Contract.status == status)
    if has(user, "contract.register"):
        stmt = stmt.where(Contract.seller_region.startswith(region_scope_prefix(user) or "-"),
                          Contract.status != ContractStatus.DRAFT)
    elif has(user, "contract.broker"):
        stmt = stmt.where(Contract.broker_id == user.id)
    elif has(user, "contract.party"):
        org = user.organisation_id or -1
        stmt = stmt.where((Contract.seller_org_id == org) | (Contract.buyer_org_id == org))
    else:  # the same rule as can_view_contract: nobody else sees contracts
        stmt = stmt.where(false())
    return stmt


def resolve_parties(user, seller_name: str, buyer_name: str) -> tuple[Organisation, Organisation | None]:
    """The seller is the user's organisation (a broker names it); the buyer is matched by name if registered."""
    if has(user, "contract.broker"):
        seller = db.session.scalar(select(Organisation).where(Organisation.name == (seller_name or "").strip()))
        if seller is None:
            raise ContractError("经纪人代为申报时须填写已在平台注册的卖方单位全称。", **BAD_PARTIES)
    elif has(user, "contract.party") and user.organisation is not None:
        seller = user.organisation
    else:
        raise ContractError("只有卖方单位或其技术经纪人可以申报合同。", **BAD_PARTIES)
    buyer = db.session.scalar(select(Organisation).where(Organisation.name == buyer_name.strip()))
    if buyer is not None and buyer.id == seller.id:
        raise ContractError("买方与卖方不能是同一单位。", **BAD_PARTIES)
    return seller, buyer
