"""JSON API: pricing and trading (trades and their bids), tenders, and payments on record.

The same services and rules as the pages (marketplace/trading, tenders, payments): a bid is checked under the
trade's row lock, a payment under the contract's; a retried request (Idempotency-Key) is answered with what the
first one stored. A value each valid by the document that the rules refuse (a bid below the current price, a
payment above what is still unpaid, a receipt that is not a clean PDF) is a 409 rule_conflict.
"""
import base64
import binascii
import secrets
from contextlib import contextmanager

from flask import jsonify, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import StringField

from marketplace.api import MAX_ID, bp
from marketplace.api.inputs import Body, check_body, read_args, register_body, text_param
from marketplace.api.pagination import PAGING, paged_json
from marketplace.api.payload import ApiError, Key, check_form, formdata, idempotency_key, read_json_object
from marketplace.api.serializers import day, utc
from marketplace.contracts.forms import FIRST_DAY, TERM_DATES
from marketplace.errors import DomainError
from marketplace.files import Upload
from marketplace.form_fields import DateRange, clean_line, days_from_today, fixed, max_length, required
from marketplace.money import parse_yuan, yuan_str
from marketplace.payments import services as payments
from marketplace.permissions import LOGGED_IN, permission_required
from marketplace.tenders import services as tenders
from marketplace.trading import services as trading
from marketplace.payments.forms import VoidForm
from marketplace.patterns import NOT_BLANK, YUAN_ABOVE_ZERO
from marketplace.tenders.forms import DecisionForm, ProposalForm
from marketplace.trading.forms import (
    BidForm, DecidePartyForm, MoneyField, ObjectionForm, ReasonForm, RegisterForm, ResolveForm,
)
from models import Contract, Objection, Payment, Tender, TenderProposal, Trade, TradeParty, TradeStatus, db
from models.tender import TENDER_STATUS_LABELS
from models.trade import PARTY_STATUS_LABELS, ROUTE_LABELS

NO_CSRF = {"csrf": False}
KEY_SCHEMA = {"type": "string", "pattern": r"^[A-Za-z0-9_.:\-]{1,64}$",
              "description": "同 Idempotency-Key 请求头；带同一个键重试只记录一次"}
PAID_DATES = DateRange(fixed(FIRST_DAY), days_from_today(0), too_late="{label}不能晚于今天。")
RECEIPT_BASE64_MAX = 700_000  # characters: ~512 KB of PDF inside the API's 1 MB body (larger receipts: the site)


class PaymentApiForm(FlaskForm):
    """What a payment call's JSON feeds (the page's form adds the file upload and the plan choice)."""

    amount = MoneyField("到账金额（元）", parse=parse_yuan)
    paid_on = StringField("到账日期", filters=[clean_line], validators=[required("到账日期")])
    reference = StringField("银行回单号或转账流水号", filters=[clean_line], validators=[max_length("回单号", 64)])

    def validate_paid_on(self, field):
        self.paid_on_date = PAID_DATES.check(field.data, "到账日期")


BID_KEYS = {"amount": Key("amount", "yuan", required=True, description="出价（元）：增价竞价不低于当前价加加价幅度，"
                                                                      "密封竞价不低于起始价（否则 409）")}
PAYMENT_KEYS = {"amount": Key("amount", "yuan", required=True,
                              description="到账金额（元）：累计到账不能超过合同成交额（否则 409）"),
                "paid_on": Key("paid_on", "date", required=True, dates=PAID_DATES,
                               description="到账日期：不早于合同签订日（否则 409）"),
                "reference": Key("reference")}
register_body("BidInput", Body(BidForm, BID_KEYS, extra={"idempotency_key": KEY_SCHEMA}))
register_body("PaymentInput", Body(PaymentApiForm, PAYMENT_KEYS, always=("receipt_pdf",), extra={
    "milestone_id": {"type": ["integer", "null"], "minimum": 1, "maximum": MAX_ID,
                     "description": "对应付款计划的编号（选填；须属于该合同，否则 409）"},
    "receipt_pdf": {"type": "string", "minLength": 1, "maxLength": RECEIPT_BASE64_MAX,
                    "pattern": r"^[A-Za-z0-9+/]+={0,2}$", "contentEncoding": "base64",
                    "contentMediaType": "application/pdf",
                    "description": "付款回单 PDF 的 Base64 编码（不含脚本、内嵌文件；否则 409）"},
    "idempotency_key": KEY_SCHEMA}))



class PlanApiForm(FlaskForm):
    """The plan call's body has no form fields of its own: its milestones are checked by the service."""


REGISTER_KEYS = {"terms": Key("terms", description="受让条件 / 报名说明；挂牌交易必填（否则 409）")}
OBJECTION_KEYS = {"body": Key("body")}
PROPOSAL_KEYS = {"price": Key("price", "yuan_as_wan", required=True,
                              description="报价（元）：不超过招标预算上限（否则 409）"),
                 "body": Key("body")}
VOID_KEYS = {"reason": Key("reason")}
DECIDE_KEYS = {"decision": Key("decision", required=True),
               "deposit": Key("deposit", "yuan_as_wan", description="已收保证金（元）：通过时不少于要求的保证金（否则 409）"),
               "note": Key("note", description="说明；不通过时必填（否则 409）")}
ANSWER_KEYS = {"decision": Key("decision", required=True), "resolution": Key("resolution")}
WITHDRAW_KEYS = {"reason": Key("reason")}
TENDER_DECISION_KEYS = {"note": Key("note", description="说明；流标时必填（否则 409）")}
register_body("PartyDecision", Body(DecidePartyForm, DECIDE_KEYS))
register_body("ObjectionAnswer", Body(ResolveForm, ANSWER_KEYS))
register_body("TradeWithdrawal", Body(ReasonForm, WITHDRAW_KEYS))
register_body("TenderDecision", Body(DecisionForm, TENDER_DECISION_KEYS, min_properties=0))
register_body("RegistrationInput", Body(RegisterForm, REGISTER_KEYS, min_properties=0))
register_body("ObjectionInput", Body(ObjectionForm, OBJECTION_KEYS))
register_body("ProposalInput", Body(ProposalForm, PROPOSAL_KEYS, description="投标文件的附件请在网页上传；"
                                                                            "通过接口再次提交会替换此前的报价、方案和附件"))
register_body("PaymentVoid", Body(VoidForm, VOID_KEYS))
MILESTONE_INPUT = {"type": "object", "additionalProperties": False, "required": ["title", "due_on", "amount"],
                   "properties": {
                       "title": {"type": "string", "minLength": 1, "maxLength": 60, "pattern": NOT_BLANK,
                                 "description": "名称，如“首付款”"},
                       "due_on": {"type": "string", "pattern": TERM_DATES.pattern(),
                                  "description": f"应付日期，YYYY-MM-DD，{TERM_DATES.describe()}；不早于合同签订日、"
                                                 "不晚于 30 年后（否则 409）"},
                       "amount": {"type": "string", "pattern": YUAN_ABOVE_ZERO,
                                  "description": "金额（元，十进制字符串，两位小数以内，大于 0）"}}}
register_body("PaymentPlan", Body(PlanApiForm, {}, always=("milestones",), extra={
    "milestones": {"type": "array", "maxItems": payments.MAX_MILESTONES, "items": MILESTONE_INPUT,
                   "description": "全部各期（替换原计划；空数组即清空）；合计不超过合同成交额（否则 409）"}}))

ROUTE = text_param("route", "定价方式", enum=ROUTE_LABELS, code="bad_filter",
                   message=f"未知的定价方式，可用：{', '.join(ROUTE_LABELS)}。")
STATE = text_param("state", "open：进行中（默认）；ended：已结束", enum=("open", "ended"), code="bad_filter",
                   message="state 应为 open 或 ended。")
TRADE_PARAMS = [ROUTE, STATE, *PAGING]
TENDER_PARAMS = [STATE, *PAGING]


def _money(fen):
    return yuan_str(fen) if fen is not None else None


def trade_json(trade: Trade, bids=None) -> dict:
    """A trade as its public page shows it (the reserve only after the close); `bids` as the caller may see them."""
    ended = trade.status != TradeStatus.OPEN
    data = {
        "id": trade.id, "route": trade.route, "route_label": trade.route_label, "status": trade.status,
        "status_label": trade.status_label, "title": trade.title, "result_id": trade.result_id,
        "organisation": trade.organisation.name, "transfer_mode": trade.transfer_mode,
        "price": yuan_str(trade.price_fen), "increment": yuan_str(trade.increment_fen),
        "deposit": yuan_str(trade.deposit_fen), "has_reserve": trade.reserve_fen is not None,
        "reserve": _money(trade.reserve_fen) if ended else None,
        "current_price": _money(trade.current_price_fen) if trade.route == "auction" or ended else None,
        "bid_count": trade.bid_count, "starts_at": utc(trade.starts_at), "ends_at": utc(trade.ends_at),
        "final_price": _money(trade.final_price_fen), "closed_at": utc(trade.closed_at),
    }
    if bids is not None:
        data["bids"] = [bid_json(bid) for bid in bids]
    return data


def bid_json(bid) -> dict:
    return {"id": bid.id, "trade_id": bid.trade_id, "seq": bid.seq, "amount": yuan_str(bid.amount_fen),
            "bidder": bid.party.organisation.name, "placed_at": utc(bid.placed_at)}


def tender_json(tender: Tender) -> dict:
    """A tender as its public page shows it: proposals are counted, never shown, before the opening."""
    return {"id": tender.id, "need_id": tender.need_id, "title": tender.title, "status": tender.status,
            "status_label": TENDER_STATUS_LABELS[tender.status], "organisation": tender.organisation.name,
            "requirements": tender.requirements, "budget": _money(tender.budget_fen),
            "deadline_at": utc(tender.deadline_at), "opens_at": utc(tender.opens_at),
            "proposals": tenders.proposal_count(tender), "decided_at": utc(tender.decided_at)}


def payment_json(payment: Payment) -> dict:
    return {"id": payment.id, "contract_id": payment.contract_id, "amount": yuan_str(payment.amount_fen),
            "paid_on": day(payment.paid_on), "reference": payment.reference,
            "milestone_id": payment.milestone_id, "receipt_name": payment.receipt_name,
            "recorded_by": payment.organisation.name if payment.organisation else None,
            "recorded_at": utc(payment.recorded_at), "voided": payment.voided_at is not None,
            "void_reason": payment.void_reason or None}


def payment_record_json(contract: Contract) -> dict:
    summary = payments.summary(contract)
    paid = payments.paid_by_milestone(contract)
    return {"contract_id": contract.id, "contract_amount": yuan_str(summary.contract_fen),
            "paid_amount": yuan_str(summary.paid_fen), "unpaid_amount": yuan_str(summary.unpaid_fen),
            "planned_amount": yuan_str(summary.planned_fen),
            "milestones": [{"id": m.id, "seq": m.seq, "title": m.title, "due_on": day(m.due_on),
                            "amount": yuan_str(m.amount_fen), "paid_amount": yuan_str(paid.get(m.id, 0)),
                            "overdue": m in summary.overdue} for m in contract.milestones],
            "payments": [payment_json(p) for p in contract.payments]}


@contextmanager
def conflicts():
    """A service's refusal of a value the document allows is a 409 (its field named when it has one); its other
    refusals (403, 404, 409 by state) pass as they are."""
    try:
        yield
    except DomainError as exc:
        if exc.status != 400:
            raise
        field = {"receipt": "receipt_pdf", "milestone": "milestone_id"}.get(exc.field, exc.field or "body")
        raise ApiError(409, "rule_conflict", exc.message, {field: [exc.message]}) from None


# Trades

@bp.route("/trades")
def list_trades():
    """Trades (协议定价公示, 挂牌, 拍卖, 密封竞价), newest first."""
    args = read_args(TRADE_PARAMS)
    stmt = select(Trade).order_by(Trade.created_at.desc(), Trade.id.desc())
    stmt = stmt.where(Trade.status != TradeStatus.OPEN) if args["state"] == "ended" else \
        stmt.where(Trade.status == TradeStatus.OPEN)
    if args["route"]:
        stmt = stmt.where(Trade.route == args["route"])
    return jsonify(paged_json(stmt, trade_json))


def _trade(trade_id: int) -> Trade:
    trade = db.session.get(Trade, trade_id)
    if trade is None:
        raise ApiError(404, "not_found", "交易项目不存在。")
    return trade


@bp.route("/trades/<id:trade_id>")
def get_trade(trade_id: int):
    """One trade; the whole bid history after the close, a bidder's own bids before it."""
    trade = _trade(trade_id)
    return jsonify(trade_json(trade, trading.bids_visible_to(current_user, trade)))


@bp.route("/trades/<id:trade_id>/bids", methods=["POST"])
@permission_required("trade.take_part")
def place_bid(trade_id: int):
    """Bid for one's organisation (approved as a bidder); the same key again answers the first bid (200)."""
    _trade(trade_id)
    body = read_json_object()
    check_body("BidInput", body, explain=lambda flat: BidForm(formdata=formdata(flat, BID_KEYS), meta=NO_CSRF))
    key = idempotency_key(body)
    form = BidForm(formdata=formdata({"amount": body["amount"]}, BID_KEYS), meta=NO_CSRF)
    form.request_key.data = key or f"api-{secrets.token_urlsafe(16)}"  # the form's own key (the page's hidden field)
    check_form(form, BID_KEYS)
    with conflicts():
        bid, created = trading.place_bid(current_user, trade_id, form.amount.fen, form.request_key.data)
    db.session.commit()
    location = url_for("api.get_trade", trade_id=trade_id)
    return jsonify(bid_json(bid)), (201 if created else 200), {"Location": location}


def party_json(party) -> dict:
    return {"id": party.id, "trade_id": party.trade_id, "organisation": party.organisation.name,
            "status": party.status, "status_label": PARTY_STATUS_LABELS[party.status], "terms": party.terms,
            "deposit": yuan_str(party.deposit_fen), "created_at": utc(party.created_at)}


def objection_json(objection) -> dict:
    return {"id": objection.id, "trade_id": objection.trade_id, "body": objection.body, "status": objection.status,
            "resolution": objection.resolution or None, "created_at": utc(objection.created_at)}


def _form_body(name: str, form_class, keys: dict):
    """The call's JSON checked by the document and then by the page's own form (409 for its rules)."""
    body = read_json_object()
    check_body(name, body, explain=lambda flat: form_class(formdata=formdata(flat, keys), meta=NO_CSRF))
    form = form_class(formdata=formdata(body, keys), meta=NO_CSRF)
    check_form(form, keys)
    return form


@bp.route("/trades/<id:trade_id>/registrations", methods=["POST"])
@permission_required("trade.take_part")
def register_for_trade(trade_id: int):
    """Register one's organisation as an intended buyer (挂牌: accepted at once) or a bidder (the owner approves)."""
    trade = _trade(trade_id)
    form = _form_body("RegistrationInput", RegisterForm, REGISTER_KEYS)
    with conflicts():
        party = trading.register(current_user, trade, form.terms.data)
    db.session.commit()
    return jsonify(party_json(party)), 201, {"Location": url_for("api.get_trade", trade_id=trade_id)}


@bp.route("/trades/<id:trade_id>/objections", methods=["POST"])
@permission_required(LOGGED_IN)
def object_to_trade(trade_id: int):
    """Object to an agreed price during its notice period (three objections a person)."""
    trade = _trade(trade_id)
    form = _form_body("ObjectionInput", ObjectionForm, OBJECTION_KEYS)
    with conflicts():
        objection = trading.object_to(current_user, trade, form.body.data)
    db.session.commit()
    return jsonify(objection_json(objection)), 201, {"Location": url_for("api.get_trade", trade_id=trade_id)}


def _child(model, child_id: int, parent: str, parent_id: int, label: str):
    """A row named in the path that must belong to the trade or tender before it (404 otherwise)."""
    child = db.session.get(model, child_id)
    if child is None or getattr(child, parent) != parent_id:
        raise ApiError(404, "not_found", f"{label}不存在。")
    return child


def _owned_trade(trade_id: int) -> Trade:
    """The trade, for its owner's members only (404 for anyone else: a stranger learns nothing)."""
    trade = _trade(trade_id)
    if not trading.is_owner(current_user, trade):
        raise ApiError(404, "not_found", "交易项目不存在或您不是发布单位成员。")
    return trade


@bp.route("/trades/<id:trade_id>/registrations/<id:party_id>/decision", methods=["POST"])
@permission_required("trade.manage")
def decide_registration(trade_id: int, party_id: int):
    """The owner approves a bidder (recording the deposit received, in 元) or turns the registration down."""
    trade = _owned_trade(trade_id)
    party = _child(TradeParty, party_id, "trade_id", trade.id, "报名")
    form = _form_body("PartyDecision", DecidePartyForm, DECIDE_KEYS)
    with conflicts():
        trading.decide_party(current_user, trade, party, form.decision.data == "approve", form.deposit.fen or 0,
                             form.note.data)
    db.session.commit()
    return jsonify(party_json(party))


@bp.route("/trades/<id:trade_id>/objections/<id:objection_id>/answer", methods=["POST"])
@permission_required("trade.manage")
def answer_objection(trade_id: int, objection_id: int):
    """The owner answers an objection to its agreed price: dismiss (不成立) or uphold (成立: no deal)."""
    trade = _owned_trade(trade_id)
    objection = _child(Objection, objection_id, "trade_id", trade.id, "异议")
    form = _form_body("ObjectionAnswer", ResolveForm, ANSWER_KEYS)
    with conflicts():
        trading.resolve_objection(current_user, trade, objection, form.decision.data == "uphold",
                                  form.resolution.data)
    db.session.commit()
    return jsonify(objection_json(objection))


@bp.route("/trades/<id:trade_id>/withdraw", methods=["POST"])
@permission_required("trade.manage")
def withdraw_trade(trade_id: int):
    """The owner withdraws an open trade, with the reason (everyone taking part is told)."""
    trade = _owned_trade(trade_id)
    form = _form_body("TradeWithdrawal", ReasonForm, WITHDRAW_KEYS)
    with conflicts():
        trading.withdraw(current_user, trade, form.reason.data)
    db.session.commit()
    return jsonify(trade_json(trade, trading.bids_visible_to(current_user, trade)))


# Tenders

@bp.route("/tenders")
def list_tenders():
    """Tenders for needs (招标), newest first."""
    args = read_args(TENDER_PARAMS)
    stmt = select(Tender).order_by(Tender.created_at.desc(), Tender.id.desc())
    stmt = stmt.where(Tender.status != "open") if args["state"] == "ended" else stmt.where(Tender.status == "open")
    return jsonify(paged_json(stmt, tender_json))


@bp.route("/tenders/<id:tender_id>")
def get_tender(tender_id: int):
    """One tender: requirements, budget ceiling, deadline, opening time and how many proposals (never their content)."""
    tender = db.session.get(Tender, tender_id)
    if tender is None:
        raise ApiError(404, "not_found", "招标项目不存在。")
    return jsonify(tender_json(tender))


@bp.route("/tenders/<id:tender_id>/proposals", methods=["POST"])
@permission_required("tender.bid")
def submit_proposal(tender_id: int):
    """Submit (or replace) one's organisation's sealed proposal before the deadline; nobody reads it before the
    opening."""
    if db.session.get(Tender, tender_id) is None:
        raise ApiError(404, "not_found", "招标项目不存在。")
    form = _form_body("ProposalInput", ProposalForm, PROPOSAL_KEYS)
    with conflicts():
        proposal = tenders.submit(current_user, tender_id, form.price.fen, form.body.data)
    db.session.commit()
    return jsonify(proposal_json(proposal)), 201, {"Location": url_for("api.get_tender", tender_id=tender_id)}


def proposal_json(proposal: TenderProposal) -> dict:
    """A proposal as its own organisation (or, after the opening, the tendering one) sees it."""
    return {"id": proposal.id, "tender_id": proposal.tender_id, "price": yuan_str(proposal.price_fen),
            "status": proposal.status, "submitted_at": utc(proposal.submitted_at), "score": proposal.score,
            "score_note": proposal.score_note or None}


def _owned_tender(tender_id: int) -> Tender:
    tender = db.session.get(Tender, tender_id)
    if tender is None or not tenders.is_owner(current_user, tender):
        raise ApiError(404, "not_found", "招标项目不存在或您不是招标单位成员。")
    return tender


@bp.route("/tenders/<id:tender_id>/proposals/<id:proposal_id>/award", methods=["POST"])
@permission_required("tender.manage")
def award_tender(tender_id: int, proposal_id: int):
    """The tendering organisation awards one proposal after the opening; every bidder is told."""
    tender = _owned_tender(tender_id)
    proposal = _child(TenderProposal, proposal_id, "tender_id", tender.id, "投标")
    form = _form_body("TenderDecision", DecisionForm, TENDER_DECISION_KEYS)
    with conflicts():
        tender = tenders.award(current_user, tender.id, proposal.id, form.note.data)
    db.session.commit()
    return jsonify(tender_json(tender))


@bp.route("/tenders/<id:tender_id>/fail", methods=["POST"])
@permission_required("tender.manage")
def fail_tender(tender_id: int):
    """流标 after the opening (撤回 before it), with the reason; every bidder is told."""
    tender = _owned_tender(tender_id)
    form = _form_body("TenderDecision", DecisionForm, TENDER_DECISION_KEYS)
    with conflicts():
        tender = tenders.fail(current_user, tender.id, form.note.data)
    db.session.commit()
    return jsonify(tender_json(tender))


# Payments on record

def _payment_contract(contract_id: int) -> Contract:
    contract = db.session.get(Contract, contract_id)
    if contract is None or not payments.can_read(current_user, contract):
        raise ApiError(404, "not_found", "未找到该合同。")
    return contract


@bp.route("/contracts/<id:contract_id>/payments")
@permission_required(LOGGED_IN)
def contract_payments(contract_id: int):
    """The payment plan and the payments of a contract: its parties and the registrar of its region."""
    return jsonify(payment_record_json(_payment_contract(contract_id)))


@bp.route("/contracts/<id:contract_id>/payments", methods=["POST"])
@permission_required("payment.record")
def record_payment(contract_id: int):
    """Record a payment received, with its PDF receipt; the same key again answers the first payment (200)."""
    contract = _payment_contract(contract_id)
    body = read_json_object()
    check_body("PaymentInput", body,
               explain=lambda flat: PaymentApiForm(formdata=formdata(flat, PAYMENT_KEYS), meta=NO_CSRF))
    key = idempotency_key(body)
    fields = {name: body[name] for name in PAYMENT_KEYS if name in body}
    form = PaymentApiForm(formdata=formdata(fields, PAYMENT_KEYS), meta=NO_CSRF)
    check_form(form, PAYMENT_KEYS)
    try:
        receipt = base64.b64decode(body["receipt_pdf"], validate=True)
    except (binascii.Error, ValueError):
        raise ApiError(409, "rule_conflict", "receipt_pdf 不是有效的 Base64 编码。",
                       {"receipt_pdf": ["不是有效的 Base64 编码。"]}) from None
    with conflicts():
        payment, created = payments.record_payment(
            current_user, contract.id, form.amount.fen, form.paid_on_date, Upload("回单.pdf", receipt),
            form.reference.data, body.get("milestone_id"), key)
    db.session.commit()
    location = url_for("api.contract_payments", contract_id=contract.id)
    return jsonify(payment_json(payment)), (201 if created else 200), {"Location": location}


@bp.route("/contracts/<id:contract_id>/payment-plan", methods=["PUT"])
@permission_required("payment.record")
def set_payment_plan(contract_id: int):
    """Replace the payment plan of a registered contract (its parties)."""
    contract = _payment_contract(contract_id)
    body = read_json_object()
    check_body("PaymentPlan", body)
    rows = [(item["title"], item["due_on"], parse_yuan(item["amount"])) for item in body["milestones"]]
    with conflicts():
        payments.set_plan(current_user, contract.id, payments.parse_plan(rows))
    db.session.commit()
    db.session.expire_all()
    return jsonify(payment_record_json(db.session.get(Contract, contract.id)))


@bp.route("/contracts/<id:contract_id>/payments/<id:payment_id>/void", methods=["POST"])
@permission_required("payment.record")
def void_payment(contract_id: int, payment_id: int):
    """Void a mistaken entry one's organisation recorded, with the reason (it stays on record, not counted)."""
    contract = _payment_contract(contract_id)
    form = _form_body("PaymentVoid", VoidForm, VOID_KEYS)
    with conflicts():
        payment = payments.void_payment(current_user, contract.id, payment_id, form.reason.data)
    db.session.commit()
    return jsonify(payment_json(payment))
