"""JSON API: putting a result or a need up for a deal, scoring proposals, and drafting the deal's contract.

The same forms and services as the pages (marketplace/trading, marketplace/tenders): a result is priced by one of
the four routes (协议定价公示, 挂牌, 拍卖, 密封竞价) in one call whose `route` says which; a need is put out to
tender; the tendering organisation scores the proposals after the opening; a concluded deal becomes a contract
draft that then goes through registration as any other (api/contracts.py). Times are RFC 3339 with their offset;
the forms read them in the site's time, as typed on the pages.
"""
from flask import jsonify, url_for
from flask_login import current_user
from wtforms.validators import ValidationError

from marketplace.api import bp
from marketplace.api.deals import (
    NO_CSRF, _child, _form_body, _owned_tender, _owned_trade, conflicts, proposal_json, tender_json, trade_json,
)
from marketplace.api.inputs import Body, check_body, register_body
from marketplace.api.listings import visible_listing
from marketplace.api.payload import ApiError, Key, check_form, formdata, read_json_object
from marketplace.api.serializers import contract_json
from marketplace.contracts.forms import SIGNING_DATES
from marketplace.permissions import permission_required
from marketplace.tenders import services as tenders
from marketplace.tenders.forms import ScoreForm, TenderForm
from marketplace.trading import services as trading
from marketplace.trading.forms import ContractForm, PublishForm
from models import Tender, TenderProposal, db
from models.trade import ROUTE_LABELS

AUCTIONS = "拍卖、密封竞价"
TRADE_KEYS = {
    "transfer_mode": Key("transfer_mode", required=True),
    "price": Key("price", "yuan_as_wan", required=True,
                 description="价格（元）：协议定价为拟成交价，挂牌为挂牌价，拍卖、密封竞价为起始价"),
    "description": Key("description"),
    "days": Key("days", "int", description="期限（天）：协议定价为公示期（默认 15，不少于规定天数，否则 409），"
                                          "挂牌为挂牌期（默认 20）；拍卖、密封竞价不用"),
    "counterpart_name": Key("counterpart_name", description="拟受让方：协议定价必填（否则 409）"),
    "completers": Key("completers", description="成果完成人：协议定价必填（否则 409）"),
    "objection_contact": Key("objection_contact", description="异议受理方式（协议定价，选填）"),
    "starts_at": Key("starts_at", "datetime", description=f"竞价开始时间（{AUCTIONS}，选填，默认立即开始）"),
    "ends_at": Key("ends_at", "datetime", description=f"竞价截止时间：{AUCTIONS}必填，须晚于现在和开始时间、"
                                                     "竞价期不超过 90 天（否则 409）"),
    "reserve": Key("reserve", "yuan_as_wan", description=f"保留价（元，{AUCTIONS}选填，不公开；不低于起始价，否则 409）"),
    "increment": Key("increment", "yuan_as_wan", description="加价幅度（元）：拍卖必填，不超过起始价（否则 409）"),
    "deposit": Key("deposit", "yuan_as_wan", description=f"保证金（元，{AUCTIONS}选填；不超过起始价，否则 409）"),
    "extend_minutes": Key("extend_minutes", "int", description="延时周期（分钟，拍卖；截止前这段时间内有出价即顺延，默认 5，"
                                                              "0 为不延时）"),
}
TENDER_KEYS = {
    "requirements": Key("requirements"),
    "budget": Key("budget", "yuan_as_wan", description="预算上限（元，选填，公开；投标报价不能超过）"),
    "deadline_at": Key("deadline_at", "datetime", required=True,
                       description="投标截止时间：至少在一小时之后、180 天以内（否则 409）"),
    "opens_at": Key("opens_at", "datetime", description="开标时间（选填，默认截止时开标；不早于截止时间，否则 409）"),
}
SCORE_KEYS = {"score": Key("score", "int", required=True, description="评分（0–100 的整数）"),
              "note": Key("note")}
DRAFT_KEYS = {"signed_on": Key("signed_on", "date", required=True, dates=SIGNING_DATES)}
register_body("TradeInput", Body(PublishForm, TRADE_KEYS, always=("route",), extra={
    "route": {"type": "string", "enum": list(ROUTE_LABELS),
              "description": "定价方式：" + "，".join(f"{code}（{label}）" for code, label in ROUTE_LABELS.items())}}))
register_body("TenderInput", Body(TenderForm, TENDER_KEYS))
register_body("ProposalScore", Body(ScoreForm, SCORE_KEYS))
register_body("ContractDraftInput", Body(ContractForm, DRAFT_KEYS))


def _times(read, field: str) -> dict:
    """The form's data, its times read in the site's time: a time the document allows that is no time in the
    site's calendar (2000-01-01T00:00+14:00 falls in 1999) is refused like the other rules (409)."""
    try:
        return read()
    except ValidationError as exc:
        raise trading.TradeError(str(exc), field=field) from None


@bp.route("/results/<id:result_id>/trades", methods=["POST"])
@permission_required("trade.manage")
def publish_trade(result_id: int):
    """Price one's organisation's published result: an agreed price with its notice, a listing or an auction."""
    result = visible_listing("result", result_id)
    body = read_json_object()
    check_body("TradeInput", body, explain=lambda flat: PublishForm(formdata=formdata(flat, TRADE_KEYS), meta=NO_CSRF))
    route = body.pop("route")
    form = PublishForm(formdata=formdata(body, TRADE_KEYS), meta=NO_CSRF)
    check_form(form, TRADE_KEYS)
    with conflicts():
        trade = trading.publish(current_user, result, route, _times(lambda: form.data_for(route), "ends_at"))
    db.session.commit()
    return jsonify(trade_json(trade, [])), 201, {"Location": url_for("api.get_trade", trade_id=trade.id)}


@bp.route("/needs/<id:need_id>/tenders", methods=["POST"])
@permission_required("tender.manage")
def publish_tender(need_id: int):
    """Put one's organisation's published need out to tender: requirements, a public budget ceiling, the deadline
    and the opening time."""
    need = visible_listing("need", need_id)
    form = _form_body("TenderInput", TenderForm, TENDER_KEYS)
    with conflicts():
        tender = tenders.publish(current_user, need, _times(form.data, "deadline_at"))
    db.session.commit()
    return jsonify(tender_json(tender)), 201, {"Location": url_for("api.get_tender", tender_id=tender.id)}


@bp.route("/tenders/<id:tender_id>/proposals/<id:proposal_id>/score", methods=["POST"])
@permission_required("tender.manage")
def score_proposal(tender_id: int, proposal_id: int):
    """The tendering organisation scores a proposal (0–100, with a note) after the opening; a new score replaces
    the last, and each is in the tender's history."""
    tender = _owned_tender(tender_id)
    proposal = _child(TenderProposal, proposal_id, "tender_id", tender.id, "投标")
    form = _form_body("ProposalScore", ScoreForm, SCORE_KEYS)
    with conflicts():
        tenders.score(current_user, tender, proposal, form.score.data, form.note.data)
    db.session.commit()
    return jsonify(proposal_json(proposal))


def _draft_answer(make, made_before: bool):
    """The deal's contract draft: 201 when made now, 200 for the one made before (a second call makes none)."""
    form = _form_body("ContractDraftInput", ContractForm, DRAFT_KEYS)
    with conflicts():
        contract = make(form.signed_on_date)
    db.session.commit()
    location = url_for("api.contract", contract_id=contract.id)
    return jsonify(contract_json(contract, with_events=True)), (200 if made_before else 201), {"Location": location}


@bp.route("/trades/<id:trade_id>/contract", methods=["POST"])
@permission_required("trade.manage")
def trade_contract(trade_id: int):
    """The result's organisation turns a concluded trade (成交) into a contract draft prefilled with the parties, the
    price and the route; it then goes through registration as usual."""
    trade = _owned_trade(trade_id)
    made_before = trade.contract_id is not None
    return _draft_answer(lambda signed_on: trading.open_contract(current_user, trade, signed_on), made_before)


@bp.route("/tenders/<id:tender_id>/contract", methods=["POST"])
@permission_required("contract.party")
def tender_contract(tender_id: int):
    """The winning organisation turns an awarded tender into a contract draft (技术开发 at its proposal's price)."""
    tender = db.session.get(Tender, tender_id)
    if tender is None or not (tenders.is_owner(current_user, tender) or tenders.own_proposal(current_user, tender)):
        raise ApiError(404, "not_found", "招标项目不存在或贵单位未参与。")
    made_before = tender.contract_id is not None
    return _draft_answer(lambda signed_on: tenders.open_contract(current_user, tender.id, signed_on), made_before)
