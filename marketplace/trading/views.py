"""Trading pages: the public list and each trade's page (the notice, the listing, the auction), publishing one,
registering, bidding, objecting, and the owner's desk (bidders, objections, withdrawal, the contract draft)."""
import uuid
from datetime import date

from flask import abort, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload
from wtforms.validators import ValidationError

from marketplace.listings.views import load_visible
from marketplace.permissions import LOGGED_IN, has, permission_required
from marketplace.trading import bp, services
from marketplace.trading.forms import (
    BidForm, ContractForm, DecidePartyForm, ObjectionForm, PublishForm, ReasonForm, RegisterForm, ResolveForm,
)
from marketplace.web import committing, contract_draft_answer, flash_errors
from models import Objection, Trade, TradeParty, TradeStatus, db
from models.trade import OPEN_LABELS, ROUTE_LABELS, TRADE_STATUS_LABELS

ROUTE_HELP = {
    "agreed": "与已确定的受让方协商定价后，在本站公示成果名称、完成人和拟交易价格；公示期满无异议（或异议不成立）后方可签约。",
    "listed": "按挂牌价公开征集意向受让方。挂牌期满只有一家时按挂牌价成交；多于一家时自动转为竞价。",
    "auction": "公开增价竞价：竞买人报名并经审核（登记保证金）后出价，价高者得；截止前出价会自动延时，未达保留价则流拍。",
    "sealed": "一次性密封报价：竞买人在截止前各报一次价，截止后公开，价高者得（同价先报者得）。",
}


# Steps anyone may read; who registered or bid (and the owner's decisions on them) stays with the owner until the
# close, when the outcome and the bid history are published.
PUBLIC_ACTIONS = ("publish", "extend", "close", "contract", "object", "resolve")


def _load(trade_id: int) -> Trade:
    return db.get_or_404(Trade, trade_id)


def _owned(trade_id: int) -> Trade:
    trade = _load(trade_id)
    if not services.is_owner(current_user, trade):
        abort(404)
    return trade


@bp.route("/")
def index():
    """Trades under way (or ended), newest first, by route."""
    route = request.args.get("route", "")
    state = request.args.get("state", "open")
    stmt = (select(Trade).options(joinedload(Trade.organisation), selectinload(Trade.leading_bid))
            .order_by(Trade.created_at.desc(), Trade.id.desc()))
    if route in ROUTE_LABELS:
        stmt = stmt.where(Trade.route == route)
    stmt = stmt.where(Trade.status == TradeStatus.OPEN) if state != "ended" else \
        stmt.where(Trade.status != TradeStatus.OPEN)
    page = db.paginate(stmt, per_page=20, error_out=False)
    return render_template("trading/index.html", page=page, route=route, state=state, routes=ROUTE_LABELS)


@bp.route("/<int:trade_id>")
def show(trade_id: int):
    trade = _load(trade_id)
    return _render_show(trade)


def _render_show(trade: Trade, status: int = 200, **forms):
    party = services.party_of(current_user, trade) if current_user.is_authenticated else None
    objections = db.session.scalars(select(Objection).where(Objection.trade_id == trade.id)
                                    .order_by(Objection.id)).all() if trade.route == "agreed" else []
    parties = db.session.scalars(select(TradeParty).where(TradeParty.trade_id == trade.id)
                                 .order_by(TradeParty.id)).all()
    child = db.session.scalar(select(Trade).where(Trade.parent_id == trade.id)) if trade.status == "converted" else None
    can_take_part = (has(current_user, "trade.take_part") and current_user.organisation_id not in (None, trade.organisation_id)
                     and trade.route != "agreed" and trade.status == TradeStatus.OPEN and party is None)
    bid_form = forms.get("bid_form") or BidForm(formdata=None, request_key=uuid.uuid4().hex)
    response = make_response(render_template(
        "trading/show.html", trade=trade, party=party, objections=objections, parties=parties, child=child,
        bids=services.bids_visible_to(current_user, trade), minimum=services.minimum_bid(trade),
        is_owner=services.is_owner(current_user, trade), can_take_part=can_take_part,
        register_form=forms.get("register_form") or RegisterForm(formdata=None),
        objection_form=forms.get("objection_form") or ObjectionForm(formdata=None), bid_form=bid_form,
        route_help=ROUTE_HELP[trade.route], open_labels=OPEN_LABELS, public_actions=PUBLIC_ACTIONS), status)
    response.headers["Cache-Control"] = "private, no-store"  # a live price
    return response


@bp.route("/new/<int:result_id>", methods=["GET", "POST"])
@permission_required("trade.manage")
def publish(result_id: int):
    """Price one's organisation's published result: an agreed price, a listing or an auction."""
    result = load_visible("result", result_id)
    if result.organisation_id != current_user.organisation_id:
        abort(403)
    route = request.values.get("route", "agreed")
    if route not in ROUTE_LABELS:
        route = "agreed"
    form = PublishForm()
    if request.method == "GET":
        form.days.data = {"agreed": current_app.config["TRADE_NOTICE_DAYS"],
                          "listed": current_app.config["TRADE_LISTING_DAYS"]}.get(route)
    saved = committing("已发布。", form=form)
    if form.validate_on_submit():
        with saved:
            try:
                data = form.data_for(route)
            except ValidationError as exc:
                raise services.TradeError(str(exc), field="ends_at") from None
            trade = services.publish(current_user._get_current_object(), result, route, data)
        if saved.ok:
            return redirect(url_for("trading.show", trade_id=trade.id))
    elif request.method == "POST":
        flash_errors(form)
    existing = services.active_trade(result)
    status = 400 if request.method == "POST" else 200
    return render_template("trading/publish.html", form=form, result=result, route=route, routes=ROUTE_LABELS,
                           route_help=ROUTE_HELP, existing=existing), status


@bp.route("/<int:trade_id>/register", methods=["POST"])
@permission_required("trade.take_part")
def register(trade_id: int):
    trade = _load(trade_id)
    form = RegisterForm()
    if form.validate_on_submit():
        word = "意向受让方登记成功。" if trade.route == "listed" else "已报名，待发布单位审核并登记保证金后即可出价。"
        with committing(word, form=form) as saved:
            services.register(current_user._get_current_object(), trade, form.terms.data)
        if saved.ok:
            return redirect(url_for("trading.show", trade_id=trade.id))
        status = saved.error.status
    else:
        flash_errors(form)
        status = 400
    return _render_show(trade, status, register_form=form)


@bp.route("/<int:trade_id>/bids", methods=["POST"])
@permission_required("trade.take_part")
def bid(trade_id: int):
    """Place a bid; the hidden request key makes a resent form one bid."""
    trade = _load(trade_id)
    form = BidForm()
    if form.validate_on_submit():
        with committing(form=form) as saved:
            placed, new = services.place_bid(current_user._get_current_object(), trade.id, form.amount.fen,
                                             form.request_key.data)
        if saved.ok:
            flash("出价成功。" if new else "该出价已提交过，未重复计入。", "success" if new else "info")
            return redirect(url_for("trading.show", trade_id=trade.id) + "#bid")
        status = saved.error.status
    else:
        flash_errors(form)
        status = 400
    db.session.expire_all()
    return _render_show(db.session.get(Trade, trade_id), status, bid_form=form)


@bp.route("/<int:trade_id>/objections", methods=["POST"])
@permission_required(LOGGED_IN)
def object_to(trade_id: int):
    trade = _load(trade_id)
    form = ObjectionForm()
    if form.validate_on_submit():
        with committing("异议已提交，发布单位须在公示结束前答复。", form=form) as saved:
            services.object_to(current_user._get_current_object(), trade, form.body.data)
        if saved.ok:
            return redirect(url_for("trading.show", trade_id=trade.id))
    else:
        flash_errors(form)
    return _render_show(trade, 400, objection_form=form)


@bp.route("/<int:trade_id>/manage")
@permission_required("trade.manage")
def manage(trade_id: int):
    """The owner's desk: registrations to decide, objections to answer, withdrawal and the contract draft."""
    trade = _owned(trade_id)
    parties = db.session.scalars(select(TradeParty).where(TradeParty.trade_id == trade.id).order_by(TradeParty.id)).all()
    objections = db.session.scalars(select(Objection).where(Objection.trade_id == trade.id).order_by(Objection.id)).all()
    return render_template("trading/manage.html", trade=trade, parties=parties, objections=objections,
                           decide_form=DecidePartyForm(formdata=None), resolve_form=ResolveForm(formdata=None),
                           reason_form=ReasonForm(formdata=None),
                           contract_form=ContractForm(formdata=None, signed_on=date.today().isoformat()),
                           statuses=TRADE_STATUS_LABELS)


@bp.route("/<int:trade_id>/parties/<int:party_id>", methods=["POST"])
@permission_required("trade.manage")
def decide_party(trade_id: int, party_id: int):
    trade = _owned(trade_id)
    party = db.get_or_404(TradeParty, party_id)
    if party.trade_id != trade.id:
        abort(404)
    form = DecidePartyForm()
    if form.validate_on_submit():
        with committing("已审核。"):
            services.decide_party(current_user._get_current_object(), trade, party, form.decision.data == "approve",
                                  form.deposit.fen or 0, form.note.data)
    else:
        flash_errors(form)
    return redirect(url_for("trading.manage", trade_id=trade.id))


@bp.route("/<int:trade_id>/objections/<int:objection_id>", methods=["POST"])
@permission_required("trade.manage")
def resolve(trade_id: int, objection_id: int):
    trade = _owned(trade_id)
    objection = db.get_or_404(Objection, objection_id)
    if objection.trade_id != trade.id:
        abort(404)
    form = ResolveForm()
    if form.validate_on_submit():
        with committing("已答复。"):
            services.resolve_objection(current_user._get_current_object(), trade, objection,
                                       form.decision.data == "uphold", form.resolution.data)
    else:
        flash_errors(form)
    return redirect(url_for("trading.manage", trade_id=trade.id))


@bp.route("/<int:trade_id>/withdraw", methods=["POST"])
@permission_required("trade.manage")
def withdraw(trade_id: int):
    trade = _owned(trade_id)
    form = ReasonForm()
    if form.validate_on_submit():
        with committing("已撤回。"):
            services.withdraw(current_user._get_current_object(), trade, form.reason.data)
    else:
        flash_errors(form)
    return redirect(url_for("trading.manage", trade_id=trade.id))


@bp.route("/<int:trade_id>/contract", methods=["POST"])
@permission_required("trade.manage")
def open_contract(trade_id: int):
    """A contract draft prefilled with the parties, the price and the route; then registration as usual."""
    trade = _owned(trade_id)
    return contract_draft_answer(ContractForm(), url_for("trading.manage", trade_id=trade.id),
                                 lambda signed_on: services.open_contract(current_user._get_current_object(), trade,
                                                                          signed_on))
