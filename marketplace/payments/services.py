"""Payments on record (资金结算登记) against a registered contract: its plan (milestones) and each payment received.

Functions flush but never commit; the caller commits once. Every write reads the contract afresh under its row
lock (marketplace.database.locked_row), so two payments recorded at once are checked one after the other and
their sum can never pass the contract amount; a retried request (the same request key) records one payment.
Each write is in the contract's history (who, when, what) and tells the other party.
"""
from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import func, select

from marketplace import files, notify
from marketplace.database import locked_row
from marketplace.errors import DomainError
from marketplace.form_fields import clean_line
from marketplace.money import yuan_text
from marketplace.permissions import has, is_member, is_registrar, is_seller_side
from models import Contract, ContractEvent, ContractStatus, db
from models.base import utcnow
from models.payment import Payment, PaymentMilestone

MAX_MILESTONES = 12
RECEIPT_MAX_BYTES = 10 * 1024 * 1024
MAX_YEARS_AHEAD = 30  # a milestone due later than this is a typing error


class PaymentError(DomainError):
    """A refusal: 409 when the contract's state refuses it, 400 when a field is wrong (it names the field)."""

    def __init__(self, message: str, *, field: str | None = None, status: int | None = None, code: str | None = None):
        if field is not None and status is None:
            status, code = 400, code or "invalid"
        super().__init__(message, field=field, status=status, code=code)


@dataclass(frozen=True)
class MilestoneInput:
    title: str
    due_on: date
    amount_fen: int


def site_today() -> date:
    """Today in the site's time (Beijing by default)."""
    return (utcnow() + timedelta(hours=current_app.config.get("SITE_UTC_OFFSET_HOURS", 8))).date()


# Who may do what

def is_party(user, contract: Contract) -> bool:
    """A member of the seller or the buyer organisation, or the contract's broker: they keep its payment record."""
    return is_seller_side(user, contract) or (has(user, "contract.party") and is_member(user, contract.buyer_org_id))


def can_read(user, contract: Contract) -> bool:
    """The parties, and the registrar of the contract's region."""
    return is_party(user, contract) or is_registrar(user, contract)


def _check_open(contract: Contract) -> None:
    if contract.status != ContractStatus.REGISTERED:
        raise PaymentError("只有已登记的合同才能登记付款计划和到账。", status=409, code="not_registered")


def _locked(contract_id: int, user) -> Contract:
    contract = locked_row(Contract, contract_id)
    if contract is None or not is_party(user, contract):
        raise PaymentError("合同不存在。", status=404, code="not_found")
    _check_open(contract)
    return contract


def _history(contract: Contract, action: str, actor, comment: str) -> None:
    db.session.add(ContractEvent(contract_id=contract.id, action=action, from_status=contract.status,
                                 to_status=contract.status, actor_id=actor.id, comment=comment[:1000]))


def _tell_the_other_side(contract: Contract, actor, subject: str, body: str) -> None:
    """The parties' members other than the actor (the seller's and the buyer's organisations)."""
    link = f"/contracts/{contract.id}/payments"
    for organisation_id in {contract.seller_org_id, contract.buyer_org_id} - {None}:
        notify.notify_organisation(organisation_id, "contract", subject, body, link, sender=actor)


# The plan

def set_plan(user, contract_id: int, milestones: list[MilestoneInput]) -> list[PaymentMilestone]:
    """Replace the payment plan: at most MAX_MILESTONES instalments whose sum is at most the contract amount."""
    contract = _locked(contract_id, user)
    if len(milestones) > MAX_MILESTONES:
        raise PaymentError(f"付款计划最多 {MAX_MILESTONES} 期。", field="milestones")
    latest = site_today().replace(year=site_today().year + MAX_YEARS_AHEAD)
    for n, item in enumerate(milestones, start=1):
        if not item.title:
            raise PaymentError(f"第 {n} 期：请填写名称。", field="milestones")
        if item.amount_fen <= 0:
            raise PaymentError(f"第 {n} 期：金额应大于 0。", field="milestones")
        if not contract.signed_on <= item.due_on <= latest:
            raise PaymentError(f"第 {n} 期：应付日期应在合同签订日（{contract.signed_on}）之后、"
                               f"{MAX_YEARS_AHEAD} 年以内。", field="milestones")
    total = sum(item.amount_fen for item in milestones)
    if total > contract.contract_amount_fen:
        raise PaymentError(f"付款计划合计 {yuan_text(total)} 超过合同成交额 {yuan_text(contract.contract_amount_fen)}。",
                           field="milestones")
    kept = {m.seq: m for m in contract.milestones}
    plan = []
    for seq, item in enumerate(milestones, start=1):
        milestone = kept.pop(seq, None) or PaymentMilestone(contract_id=contract.id, seq=seq, created_by_id=user.id)
        milestone.title, milestone.due_on, milestone.amount_fen = item.title[:60], item.due_on, item.amount_fen
        db.session.add(milestone)
        plan.append(milestone)
    for milestone in kept.values():  # payments against a removed instalment stay, without it
        db.session.execute(Payment.__table__.update().where(Payment.milestone_id == milestone.id)
                           .values(milestone_id=None))
        db.session.delete(milestone)
    db.session.flush()
    summary = "；".join(f"{m.title} {m.due_on} {yuan_text(m.amount_fen)}" for m in plan) or "（已清空）"
    _history(contract, "payment_plan", user, f"付款计划：{summary}")
    _tell_the_other_side(contract, user, f"合同“{contract.title[:40]}”的付款计划已更新", summary)
    return plan


def parse_plan(rows: list[tuple[str, str, int | None]]) -> list[MilestoneInput]:
    """(title, due date text, amount fen) rows → MilestoneInput; empty rows are skipped; a bad date is a field error."""
    plan = []
    for n, (title, due_text, amount_fen) in enumerate(rows, start=1):
        title = clean_line(title or "")
        if not title and not due_text and amount_fen is None:
            continue
        try:
            due_on = date.fromisoformat((due_text or "").strip())
        except ValueError:
            raise PaymentError(f"第 {n} 期：应付日期格式应为 YYYY-MM-DD。", field="milestones") from None
        if amount_fen is None:
            raise PaymentError(f"第 {n} 期：请填写金额。", field="milestones")
        plan.append(MilestoneInput(title, due_on, amount_fen))
    return plan


# Payments

def find_by_key(request_key: str) -> Payment | None:
    return db.session.scalar(select(Payment).where(Payment.request_key == request_key))


def record_payment(user, contract_id: int, amount_fen: int, paid_on: date, receipt: files.Upload,
                   reference: str = "", milestone_id: int | None = None,
                   request_key: str | None = None) -> tuple[Payment, bool]:
    """Record one payment received; (payment, created). The same request key from the same user → the first one."""
    if request_key:
        request_key = f"{user.id}:{request_key}"[:80]
        existing = find_by_key(request_key)
        if existing is not None:
            if existing.contract_id != contract_id:
                raise PaymentError("该请求键已用于另一份合同的到账登记，请换用新的键。", status=409, code="key_reused")
            return existing, False
    contract = _locked(contract_id, user)
    if request_key:  # looked up again under the lock: a retry that raced the first request finds it now
        existing = find_by_key(request_key)
        if existing is not None:
            return existing, False
    if not isinstance(amount_fen, int) or amount_fen <= 0:
        raise PaymentError("到账金额应大于 0。", field="amount")
    if not contract.signed_on <= paid_on <= site_today():
        raise PaymentError(f"到账日期应在合同签订日（{contract.signed_on}）至今天之间。", field="paid_on")
    left = contract.contract_amount_fen - contract.paid_fen
    if amount_fen > left:
        raise PaymentError(f"到账金额 {yuan_text(amount_fen)} 超过合同尚未到账的 {yuan_text(left)}"
                           f"（合同成交额 {yuan_text(contract.contract_amount_fen)}，已到账 {yuan_text(contract.paid_fen)}）。",
                           field="amount")
    if milestone_id is not None and not any(m.id == milestone_id for m in contract.milestones):
        raise PaymentError("所选付款计划不属于该合同。", field="milestone")
    accepted = _receipt(receipt)
    digest = files.store(accepted.payload, accepted.ext)
    payment = Payment(contract_id=contract.id, milestone_id=milestone_id, amount_fen=amount_fen, paid_on=paid_on,
                      reference=clean_line(reference or "")[:64], receipt_name=accepted.filename,
                      receipt_sha256=digest, receipt_bytes=len(accepted.payload),
                      organisation_id=user.organisation_id, recorded_by_id=user.id, request_key=request_key)
    db.session.add(payment)
    contract.paid_fen += amount_fen
    db.session.flush()
    text = f"到账 {yuan_text(amount_fen)}（{paid_on}），累计 {yuan_text(contract.paid_fen)}"
    _history(contract, "payment", user, f"登记{text}；回单 {accepted.filename}")
    _tell_the_other_side(contract, user, f"合同“{contract.title[:40]}”登记了{text}", payment.reference)
    return payment, True


def _receipt(receipt: files.Upload | None) -> files.Accepted:
    if receipt is None or not receipt.payload:
        raise PaymentError("请上传付款回单（PDF）。", field="receipt")
    try:
        accepted = files.accept([receipt], max_files=1, max_bytes=RECEIPT_MAX_BYTES)[0]
    except files.FileRefused as exc:
        raise PaymentError(exc.message, field="receipt") from None
    if accepted.content_type != "application/pdf":
        raise PaymentError("付款回单应为 PDF 文件。", field="receipt")
    return accepted


def may_void(user, payment: Payment) -> bool:
    """Whether `user` may void `payment`: whoever recorded it, or a member of the recording organisation."""
    return payment.recorded_by_id == user.id or (payment.organisation_id is not None
                                                 and is_member(user, payment.organisation_id))


def void_payment(user, contract_id: int, payment_id: int, reason: str) -> Payment:
    """Void a mistaken entry (it stays on record and stops counting): the recording organisation, with a reason."""
    contract = _locked(contract_id, user)
    payment = db.session.get(Payment, payment_id)
    if payment is None or payment.contract_id != contract.id:
        raise PaymentError("到账记录不存在。", status=404, code="not_found")
    if not may_void(user, payment):
        raise PaymentError("只有登记该笔到账的单位才能作废它。", status=403, code="forbidden")
    if payment.voided_at is not None:
        raise PaymentError("该笔到账已作废。", status=409, code="already_voided")
    reason = clean_line(reason or "")
    if not reason:
        raise PaymentError("请说明作废原因。", field="reason")
    payment.voided_at, payment.voided_by_id, payment.void_reason = utcnow(), user.id, reason[:200]
    contract.paid_fen -= payment.amount_fen
    db.session.flush()
    _history(contract, "payment_void", user,
             f"作废到账 {yuan_text(payment.amount_fen)}（{payment.paid_on}）：{reason[:200]}")
    _tell_the_other_side(contract, user, f"合同“{contract.title[:40]}”的一笔到账已作废",
                         f"{yuan_text(payment.amount_fen)}（{payment.paid_on}）：{reason[:200]}")
    return payment


def receipt_path(payment: Payment) -> str:
    return files.stored_path(payment.receipt_sha256, "pdf")


# Reading

@dataclass
class Summary:
    contract_fen: int
    planned_fen: int
    paid_fen: int
    overdue: list  # milestones past due and not covered by the payments made against the plan in order

    @property
    def unpaid_fen(self) -> int:
        return self.contract_fen - self.paid_fen

    @property
    def percent(self) -> str:
        """Paid as a share of the contract amount, one decimal, rounded down (100.0% only when fully paid)."""
        if not self.contract_fen:
            return "—"
        tenths = self.paid_fen * 1000 // self.contract_fen
        return f"{tenths // 10}.{tenths % 10}%"


def summary(contract: Contract) -> Summary:
    """The figures of the payment page: contract, planned and paid amounts, and the instalments overdue."""
    planned = sum(m.amount_fen for m in contract.milestones)
    covered, overdue, today = contract.paid_fen, [], site_today()
    for milestone in contract.milestones:  # payments cover the instalments in their order
        covered -= milestone.amount_fen
        if covered < 0 and milestone.due_on < today:
            overdue.append(milestone)
    return Summary(contract.contract_amount_fen, planned, contract.paid_fen, overdue)


def paid_by_milestone(contract: Contract) -> dict[int, int]:
    """Fen paid against each instalment (payments that count)."""
    rows = db.session.execute(select(Payment.milestone_id, func.sum(Payment.amount_fen))
                              .where(Payment.contract_id == contract.id, Payment.voided_at.is_(None),
                                     Payment.milestone_id.is_not(None)).group_by(Payment.milestone_id))
    return {milestone_id: int(fen) for milestone_id, fen in rows}
