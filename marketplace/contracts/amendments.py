"""变更登记: an application to change a registered contract, reviewed as a filing is, then applied.

The seller side (or the registrar itself) applies with the new values and a reason; the
registrar approves or refuses. When 技术交易额 before or after the change reaches 500 万元,
a first review and a second review by another official are needed, as for a filing. In a
year an official closed (year-end close) only an admin decides. Approval changes the
contract in one flush: the statistics follow through the rollup, and the contract's
history gets one row with every value before and after.
"""
from datetime import date

from sqlalchemy import select

from marketplace.contracts import services, year_close
from marketplace.contracts.workflow import REGISTRAR, SELLER, ContractError
from marketplace.database import locked_row
from marketplace.money import yuan_text
from marketplace.permissions import has, is_registrar, is_seller_side
from marketplace.state_machine import Action, Workflow
from models import AmendmentStatus as A
from models import Contract, ContractAmendment, ContractStatus, Organisation, db
from models.base import utcnow
from models.contract import DEDUCTION_KINDS, LARGE_CONTRACT_FEN

# What an amendment may change, with the label its history row uses. The seller stays: a contract
# is registered where its seller is, so another seller is a new registration.
FIELD_LABELS = {
    "contract_type": "合同类型", "subtype": "子类型", "title": "项目名称", "contract_no": "合同编号",
    "tech_field": "技术领域", "ip_types": "涉及知识产权", "buyer_name": "买方", "buyer_type": "买方类型",
    "buyer_region": "买方地区", "signed_on": "签订日期", "valid_from": "有效期自", "valid_until": "有效期至",
    "contract_amount_fen": "合同成交额",
    **{f"deduct_{kind}_fen": f"扣除{label}" for kind, label in DEDUCTION_KINDS},
    "tech_amount_fen": "技术交易额",
}
DATE_FIELDS = ("signed_on", "valid_from", "valid_until")
ADMIN = "admin"  # decides the amendments of a closed year

ACTIONS = {
    "first_review": Action("first_review", "变更初审通过（提交复核）", (REGISTRAR, ADMIN)),
    "approve": Action("approve", "准予变更登记", (REGISTRAR, ADMIN)),
    "refuse": Action("refuse", "不予变更", (REGISTRAR, ADMIN), reason_required=True, style="danger"),
    "withdraw": Action("withdraw", "撤回变更申请", (SELLER,), style="secondary"),
}
TRANSITIONS = {
    (A.PENDING, "first_review"): A.SECOND_REVIEW,  # only when 500 万元 is reached before or after
    (A.PENDING, "approve"): A.APPROVED,  # only below it
    (A.SECOND_REVIEW, "approve"): A.APPROVED,  # by another official
    (A.PENDING, "refuse"): A.REFUSED,
    (A.SECOND_REVIEW, "refuse"): A.REFUSED,
    (A.PENDING, "withdraw"): A.WITHDRAWN,
}
AMENDMENT_WORKFLOW = Workflow(ACTIONS, TRANSITIONS, error=ContractError)
# The contract's history row for each step (ContractEvent.action; "amend" itself is the applied change).
EVENT_ACTIONS = {"first_review": "amend_review", "refuse": "amend_refuse", "withdraw": "amend_withdraw"}


def is_large(amendment: ContractAmendment) -> bool:
    """Second review when 技术交易额 reaches 500 万元 before or after the change."""
    before = amendment.before.get("tech_amount_fen", amendment.contract.tech_amount_fen)
    after = amendment.after.get("tech_amount_fen", before)
    return max(before, after) >= LARGE_CONTRACT_FEN


def decided_by_admin(contract: Contract) -> bool:
    """In a closed year the registrar no longer decides: an admin does."""
    return year_close.is_closed(contract.seller_region, contract.registered_on)


@AMENDMENT_WORKFLOW.parties
def parties_of(actor, amendment: ContractAmendment) -> set[str]:
    contract = amendment.contract
    parties = {SELLER} if is_seller_side(actor, contract) else set()
    if decided_by_admin(contract):
        return parties | ({ADMIN} if has(actor, "year.override") else set())
    return parties | ({REGISTRAR} if is_registrar(actor, contract) else set())


@AMENDMENT_WORKFLOW.history
def _record(amendment: ContractAmendment, action: str, actor, from_status, comment: str = "") -> None:
    if action in EVENT_ACTIONS:  # an approval is recorded by the contract's own "amend" step
        contract = amendment.contract
        services.record_event(contract, EVENT_ACTIONS[action], actor, contract.status, comment)


@AMENDMENT_WORKFLOW.before
def _review_rules(step) -> None:
    """The rules of a filing: second review at 500 万元 by another official; then decide."""
    amendment, name, actor = step.obj, step.action.name, step.actor
    large = is_large(amendment)
    if name == "approve" and amendment.status == A.PENDING and large:
        raise ContractError("变更前或变更后技术交易额达 500 万元及以上：须经初审后由另一名登记人员复核。")
    if name == "first_review" and not large:
        raise ContractError("该变更无需复核，可直接准予变更登记。")
    if name == "approve" and amendment.status == A.SECOND_REVIEW and amendment.first_reviewer_id == actor.id:
        raise ContractError("复核须由初审以外的人员完成。")
    if name == "first_review":
        amendment.first_reviewer_id = actor.id
    if name in ("approve", "refuse", "withdraw"):
        amendment.decided_by_id, amendment.decided_at, amendment.decision_comment = actor.id, utcnow(), step.reason


@AMENDMENT_WORKFLOW.after
def _apply_when_approved(step) -> None:
    from marketplace import notify_events

    if step.action.name == "approve":
        apply(step.obj, step.actor)
    notify_events.amendment_step(step)


def _stored(value):
    return value.isoformat() if isinstance(value, date) else value


def _loaded(name: str, value):
    return date.fromisoformat(value) if name in DATE_FIELDS and value else value


def current_values(contract: Contract) -> dict:
    return {name: _stored(getattr(contract, name)) for name in FIELD_LABELS}


CONTENT_FIELDS = ("contract_type", "subtype", "title", "contract_no", "tech_field", "ip_types", "signed_on",
                  "valid_from", "valid_until")


def content_of(contract: Contract) -> tuple[dict, dict]:
    """(content, buyer) as registered: what `apply_for` takes, for a caller that changes only some of it."""
    buyer = {"name": contract.buyer_name, "type": contract.buyer_type, "region": contract.buyer_region}
    return {name: getattr(contract, name) for name in CONTENT_FIELDS}, buyer


def apply_for(contract: Contract, actor, reason: str, data: dict, contract_amount_fen: int,
              deductions: dict[str, int], buyer: dict) -> ContractAmendment:
    """Apply for 变更登记 with the contract's new content (the same fields as a filing, the seller fixed)."""
    if contract.status != ContractStatus.REGISTERED:
        raise ContractError("只有已登记的合同可以申请变更登记。")
    if not (is_seller_side(actor, contract) or is_registrar(actor, contract)):
        raise ContractError("只有卖方单位、其经纪人或登记机构可以申请变更登记。", status=403, code="forbidden")
    if open_amendment(contract) is not None:
        raise ContractError("该合同已有待审核的变更申请，请待其办结后再申请。", status=409, code="amendment_open")
    reason = (reason or "").strip()
    if not reason:
        raise ContractError("申请变更登记必须填写变更理由。")
    wanted = {**data, "buyer_name": buyer["name"], "buyer_type": buyer["type"], "buyer_region": buyer["region"],
              "contract_amount_fen": contract_amount_fen,
              "tech_amount_fen": services.tech_amount(contract_amount_fen, deductions),
              **{f"deduct_{kind}_fen": deductions.get(kind, 0) for kind, _ in DEDUCTION_KINDS}}
    now = current_values(contract)
    after = {name: _stored(wanted[name]) for name in FIELD_LABELS if name in wanted}
    changed = {name: value for name, value in after.items() if value != now[name]}
    if not changed:
        raise ContractError("变更内容与现登记内容相同，没有需要变更的项目。")
    _check_paid(contract, contract_amount_fen)
    before = {name: now[name] for name in changed}
    if "tech_amount_fen" not in changed:  # the review rule reads it
        before["tech_amount_fen"] = changed["tech_amount_fen"] = now["tech_amount_fen"]
    amendment = ContractAmendment(contract=contract, reason=reason, before=before, after=changed,
                                  proposed_by_id=actor.id, status=A.PENDING)
    db.session.add(amendment)
    services.record_event(contract, "amend_apply", actor, contract.status, f"{reason}（{describe(amendment)}）")
    db.session.flush()
    return amendment


def decide(amendment: ContractAmendment, action_name: str, actor, comment: str = "") -> ContractAmendment:
    """One review step of an application (first_review, approve, refuse, withdraw)."""
    return AMENDMENT_WORKFLOW.apply(amendment, action_name, actor, comment)


def _check_paid(contract: Contract, contract_amount_fen: int) -> None:
    if contract_amount_fen < contract.paid_fen:
        raise ContractError(f"变更后的合同成交额不得低于已登记到账的 {yuan_text(contract.paid_fen)}"
                            "（如有误登记的到账，请先作废）。", status=409, code="below_paid")


def apply(amendment: ContractAmendment, actor) -> None:
    """Write the approved values on the contract and record before and after in its history.

    The contract is read afresh under its row lock: a payment recorded meanwhile is counted in the check that the
    new amount is not below what has been paid."""
    contract = locked_row(Contract, amendment.contract_id)
    if "contract_amount_fen" in amendment.after:
        _check_paid(contract, int(amendment.after["contract_amount_fen"]))
    for name, value in amendment.after.items():
        if name != "tech_amount_fen":
            setattr(contract, name, _loaded(name, value))
    services.apply_amounts(contract, contract.contract_amount_fen, contract.deductions)
    if "buyer_name" in amendment.after:
        buyer = db.session.scalar(select(Organisation).where(Organisation.name == contract.buyer_name))
        contract.buyer_org_id = buyer.id if buyer is not None and buyer.id != contract.seller_org_id else None
    services.transition(contract, "amend", actor, f"{amendment.reason}（{describe(amendment)}）", amendment=amendment)


def shown_value(name: str, value) -> str:
    """A stored value as the history and the page show it."""
    if value is None or value == "":
        return "（空）"
    return yuan_text(value) if name.endswith("_fen") else str(value)


def describe(amendment: ContractAmendment) -> str:
    """'合同成交额 100.00 元→120.00 元；技术领域 农业→电子信息' for every value that changes."""
    parts = [f"{FIELD_LABELS[name]} {shown_value(name, amendment.before.get(name))}→{shown_value(name, value)}"
             for name, value in amendment.after.items() if amendment.before.get(name) != value]
    return "；".join(parts)


def open_amendment(contract: Contract) -> ContractAmendment | None:
    return db.session.scalar(select(ContractAmendment).where(
        ContractAmendment.contract_id == contract.id, ContractAmendment.status.in_(A.OPEN)))


def actions_for(actor, amendment: ContractAmendment) -> list[Action]:
    """The review buttons `actor` sees on an open application (first review or approval, as its size says)."""
    skip = "approve" if amendment.status == A.PENDING and is_large(amendment) else "first_review"
    return [a for a in AMENDMENT_WORKFLOW.available(amendment.status, parties_of(actor, amendment)) if a.name != skip]
