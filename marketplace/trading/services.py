"""Pricing and trading a result: publish an agreed price, a listing or an auction; take part; bid; object; close;
and draft the contract of the deal. Functions flush but never commit; the caller commits once.

Races: every write that reads a trade's state and then changes it (a bid, a registration, the close) first takes
the trade's row lock — SELECT … FOR UPDATE on PostgreSQL; on SQLite every writing transaction already holds the
one write lock from its BEGIN IMMEDIATE (marketplace.database) — and reads the row afresh under it. So of two
bids at once one is checked against the other; a bid checked after the close time is refused, whether or not the
close job has run; and a bid retried with the same request key is found, not stored twice (a unique key backs it).
"""
import math
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select

from marketplace import jobs, notify
from marketplace.money import yuan_text
from marketplace.database import locked_row
from marketplace.errors import DomainError
from marketplace.form_fields import clean_line, clean_text
from marketplace.jobs import every_tick, handler
from marketplace.matching import inbox
from marketplace.permissions import has, is_member
from models import ListingStatus, db
from models.base import utcnow
from models.trade import (
    ROUTE_LABELS, TRANSFER_MODES, Bid, Objection, Trade, TradeEvent, TradeParty, TradeStatus,
)

AUCTIONS = ("auction", "sealed")
MAX_PRICE_FEN = 10**15  # 100 亿元: more is a typing error, not a price
CONTRACT_TYPES = {"转让": "技术转让", "许可": "技术许可", "作价投资": "技术转让"}


class TradeError(DomainError):
    """A refusal: 409 when the trade's state refuses it, 400 when a field is wrong (it names the field)."""

    def __init__(self, message: str, *, field: str | None = None, status: int | None = None, code: str | None = None):
        if field is not None and status is None:
            status, code = 400, code or "invalid"
        super().__init__(message, field=field, status=status, code=code)


def trade_link(trade: Trade) -> str:
    return f"/trades/{trade.id}"


def record(trade: Trade, action: str, actor, from_status: str | None, note: str = "") -> TradeEvent:
    event = TradeEvent(trade_id=trade.id, action=action, from_status=from_status, to_status=trade.status,
                       actor_id=actor.id if actor is not None else None, note=(note or "")[:1000])
    db.session.add(event)
    return event


def locked(trade_id: int) -> Trade:
    """The trade read afresh under its row lock (see the module's note)."""
    trade = locked_row(Trade, trade_id)
    if trade is None:
        raise TradeError("交易项目不存在。", status=404, code="not_found")
    return trade


# Who may do what

def is_owner(user, trade: Trade) -> bool:
    return has(user, "trade.manage") and is_member(user, trade.organisation_id)


def party_of(user, trade: Trade) -> TradeParty | None:
    if not user.is_authenticated or user.organisation_id is None:
        return None
    return db.session.scalar(select(TradeParty).where(TradeParty.trade_id == trade.id,
                                                      TradeParty.organisation_id == user.organisation_id))


def active_trade(result) -> Trade | None:
    """The result's trade that is under way or ended in a deal (one at a time)."""
    return db.session.scalar(select(Trade).where(Trade.result_id == result.id, Trade.status.in_(
        (TradeStatus.OPEN, TradeStatus.DEAL, TradeStatus.CONVERTED))).order_by(Trade.id.desc()).limit(1))


# Publishing

def _price(value, label: str, field: str, required: bool = True) -> int | None:
    if value is None:
        if required:
            raise TradeError(f"请填写{label}。", field=field)
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0 or value > MAX_PRICE_FEN:
        raise TradeError(f"{label}必须大于 0 且不超过 100 亿元。", field=field)
    return value


def publish(user, result, route: str, data: dict, now: datetime | None = None) -> Trade:
    """Publish a way of pricing a published result of one's organisation. `data` holds amounts in fen."""
    now = now or utcnow()
    if route not in ROUTE_LABELS:
        raise TradeError("未知的交易方式。")
    if not (has(user, "trade.manage") and is_member(user, result.organisation_id)):
        raise TradeError("只有成果所属单位的成员可以发布交易。", status=403, code="forbidden")
    if result.status != ListingStatus.PUBLISHED:
        raise TradeError("只有已发布的成果可以定价交易。")
    if active_trade(result) is not None:
        raise TradeError("该成果已有进行中或已成交的交易。")
    mode = data.get("transfer_mode")
    if mode not in TRANSFER_MODES:
        raise TradeError("请选择转化方式（转让、许可或作价投资）。", field="transfer_mode")
    price = _price(data.get("price_fen"), "价格", "price")
    trade = Trade(route=route, status=TradeStatus.OPEN, result_id=result.id, organisation_id=result.organisation_id,
                  title=result.title, transfer_mode=mode, description=clean_text(data.get("description") or "")[:5000],
                  price_fen=price, created_by_id=user.id, starts_at=now)
    if route == "agreed":
        _agreed(trade, data, now)
    elif route == "listed":
        days = _days(data.get("days"), current_app.config["TRADE_LISTING_DAYS"], "挂牌期")
        trade.ends_at = now + timedelta(days=days)
    else:
        _auction(trade, data, now)
    db.session.add(trade)
    db.session.flush()
    record(trade, "publish", user, None, f"{ROUTE_LABELS[route]}，{yuan_text(price)}")
    schedule_close(trade)
    db.session.flush()
    return trade


def _days(value, default: int, label: str) -> int:
    days = default if value in (None, "") else value
    if not isinstance(days, int) or not 1 <= days <= 90:
        raise TradeError(f"{label}应为 1 至 90 天。", field="days")
    return days


def _agreed(trade: Trade, data: dict, now: datetime) -> None:
    name = clean_line(data.get("counterpart_name") or "")[:200]
    if not name:
        raise TradeError("请填写拟受让方（协议定价的对方）。", field="counterpart_name")
    days = _days(data.get("days"), current_app.config["TRADE_NOTICE_DAYS"], "公示期")
    if days < current_app.config["TRADE_NOTICE_MIN_DAYS"]:
        raise TradeError(f"公示期不少于 {current_app.config['TRADE_NOTICE_MIN_DAYS']} 天。", field="days")
    trade.counterpart_name, trade.counterpart_org_id = name, data.get("counterpart_org_id")
    trade.completers = clean_line(data.get("completers") or "")[:500]
    trade.objection_contact = clean_line(data.get("objection_contact") or "")[:300]
    if not trade.completers:
        raise TradeError("请填写成果完成人。", field="completers")
    trade.ends_at = now + timedelta(days=days)


def _auction(trade: Trade, data: dict, now: datetime) -> None:
    starts, ends = data.get("starts_at") or now, data.get("ends_at")
    if ends is None:
        raise TradeError("请填写竞价截止时间。", field="ends_at")
    if ends <= now:
        raise TradeError("竞价截止时间必须晚于现在。", field="ends_at")
    if ends <= starts:
        raise TradeError("竞价截止时间必须晚于开始时间。", field="ends_at")
    if ends - starts > timedelta(days=90):
        raise TradeError("竞价期不能超过 90 天。", field="ends_at")
    trade.starts_at, trade.ends_at = starts, ends
    trade.reserve_fen = _price(data.get("reserve_fen"), "保留价", "reserve", required=False)
    if trade.reserve_fen is not None and trade.reserve_fen < trade.price_fen:
        raise TradeError("保留价不能低于起拍价。", field="reserve")
    trade.deposit_fen = data.get("deposit_fen") or 0
    if not isinstance(trade.deposit_fen, int) or not 0 <= trade.deposit_fen <= trade.price_fen:
        raise TradeError("保证金不能为负，也不能超过起拍价。", field="deposit")
    if trade.route == "auction":
        trade.increment_fen = _price(data.get("increment_fen"), "加价幅度", "increment")
        if trade.increment_fen > trade.price_fen:
            raise TradeError("加价幅度不能超过起拍价。", field="increment")
        trade.extend_minutes = data.get("extend_minutes", 5)
        if not isinstance(trade.extend_minutes, int) or not 0 <= trade.extend_minutes <= 60:
            raise TradeError("延时周期应为 0 至 60 分钟。", field="extend_minutes")


def schedule_close(trade: Trade) -> None:
    """A job at the trade's close time (a later close, after an extension, is a job of its own)."""
    jobs.enqueue("trade.close", {"trade_id": trade.id}, key=f"trade-close:{trade.id}:{trade.ends_at.isoformat()}",
                 run_after=trade.ends_at)


# Taking part

def register(user, trade: Trade, terms: str, now: datetime | None = None) -> TradeParty:
    """An organisation registers as an intended buyer (挂牌, approved at once) or a bidder (approved by the owner)."""
    now = now or utcnow()
    if trade.route == "agreed":
        raise TradeError("协议定价的受让方已确定，无需报名；如有异议请在公示期内提出。")
    if not has(user, "trade.take_part") or user.organisation_id is None:
        raise TradeError("请以单位成员身份报名。", status=403, code="forbidden")
    trade = locked(trade.id)
    if user.organisation_id == trade.organisation_id:
        raise TradeError("不能参与本单位的交易。", status=403, code="forbidden")
    if trade.status != TradeStatus.OPEN or now >= trade.ends_at:
        raise TradeError("报名已截止。")
    if party_of(user, trade) is not None:
        raise TradeError("贵单位已报名。")
    terms = clean_text(terms or "")[:3000]
    if trade.route == "listed" and not terms:
        raise TradeError("请填写受让条件（付款方式、实施计划等）。", field="terms")
    party = TradeParty(trade_id=trade.id, organisation_id=user.organisation_id, user_id=user.id, terms=terms,
                       status="approved" if trade.route == "listed" else "pending")
    db.session.add(party)
    db.session.flush()
    word = "意向受让方" if trade.route == "listed" else "竞买人"
    record(trade, "register", user, trade.status, f"{user.organisation.name} 报名为{word}")
    notify.notify_organisation(trade.organisation_id, "trade", f"{user.organisation.name}报名参与“{trade.title}”",
                               terms[:300], trade_link(trade), sender=user)
    return party


def decide_party(user, trade: Trade, party: TradeParty, approve: bool, deposit_fen: int = 0, note: str = "") -> None:
    """The owner approves a bidder (recording the deposit received) or turns the registration down."""
    if not is_owner(user, trade) or party.trade_id != trade.id:
        raise TradeError("只有发布单位可以审核报名。", status=403, code="forbidden")
    trade = locked(trade.id)
    if trade.status != TradeStatus.OPEN or party.status != "pending":
        raise TradeError("该报名已处理或交易已结束。")
    note = clean_line(note or "")[:300]
    if approve:
        if not isinstance(deposit_fen, int) or deposit_fen < trade.deposit_fen or deposit_fen > MAX_PRICE_FEN:
            raise TradeError(f"登记的保证金不能少于要求的 {yuan_text(trade.deposit_fen)}。", field="deposit")
        party.deposit_fen, party.deposit_note = deposit_fen, note
    elif not note:
        raise TradeError("不通过时请写明原因。", field="note")
    party.status, party.decided_by_id, party.decided_at = ("approved" if approve else "rejected"), user.id, utcnow()
    what = f"通过 {party.organisation.name} 的竞买报名，保证金 {yuan_text(party.deposit_fen)}" if approve else \
        f"未通过 {party.organisation.name} 的竞买报名：{note}"
    record(trade, "approve" if approve else "reject", user, trade.status, what)
    subject = f"您在“{trade.title}”的竞买报名{'已通过，可以出价' if approve else '未通过'}"
    notify.notify(inbox.organisation_members(party.organisation_id), "trade", subject, note, trade_link(trade),
                  sender=user)
    db.session.flush()


# Bidding

def minimum_bid(trade: Trade) -> int:
    """The lowest bid the ascending auction takes now (the starting price, then the leading bid + increment)."""
    if trade.route == "auction" and trade.leading_bid is not None:
        return trade.leading_bid.amount_fen + trade.increment_fen
    return trade.price_fen


def place_bid(user, trade_id: int, amount_fen, request_key: str, now: datetime | None = None) -> tuple[Bid, bool]:
    """Place a bid; (bid, True) when stored, (the earlier bid, False) when the same request was sent before."""
    if not has(user, "trade.take_part") or user.organisation_id is None:
        raise TradeError("请以单位成员身份出价。", status=403, code="forbidden")
    request_key = clean_line(request_key or "")[:64]
    if not request_key:
        raise TradeError("出价请求缺少编号，请刷新页面后重试。")
    trade = locked(trade_id)
    now = now or utcnow()
    party = party_of(user, trade)
    if party is None or party.status != "approved":
        raise TradeError("贵单位尚未获准参与本次竞价。", status=403, code="forbidden")
    repeated = db.session.scalar(select(Bid).where(Bid.trade_id == trade.id, Bid.party_id == party.id,
                                                   Bid.request_key == request_key))
    if repeated is not None:
        return repeated, False
    if trade.route not in AUCTIONS or trade.status != TradeStatus.OPEN:
        raise TradeError("该交易当前不接受出价。")
    if now < trade.starts_at:
        raise TradeError("竞价尚未开始。")
    if now >= trade.ends_at:
        raise TradeError("竞价已截止，出价未被接受。")
    if not isinstance(amount_fen, int) or isinstance(amount_fen, bool) or amount_fen <= 0 or amount_fen > MAX_PRICE_FEN:
        raise TradeError("出价必须大于 0 且不超过 100 亿元。", field="amount")
    if trade.route == "sealed":
        if db.session.scalar(select(Bid.id).where(Bid.trade_id == trade.id, Bid.party_id == party.id)):
            raise TradeError("密封竞价每家只能报价一次。")
        if amount_fen < trade.price_fen:
            raise TradeError(f"报价不能低于起始价 {yuan_text(trade.price_fen)}。")
    else:
        if trade.leading_bid is not None and trade.leading_bid.party_id == party.id:
            raise TradeError("贵单位已是最高出价，无需再次加价。")
        least = minimum_bid(trade)
        if amount_fen < least:  # the increment is a floor, not a grid: any amount from it up is taken
            raise TradeError(f"出价不能低于 {yuan_text(least)}（当前价加加价幅度）。")
    outbid = trade.leading_bid if trade.route == "auction" else None
    bid = Bid(trade_id=trade.id, party_id=party.id, seq=trade.bid_count + 1, amount_fen=amount_fen,
              request_key=request_key, placed_at=now, placed_by_id=user.id)
    db.session.add(bid)
    db.session.flush()
    trade.bid_count = bid.seq
    if trade.route == "auction":
        trade.leading_bid_id = bid.id
        _extend_if_late(trade, now)
        if outbid is not None:
            notify.notify(inbox.organisation_members(outbid.party.organisation_id), "trade",
                          f"您在“{trade.title}”的出价已被超过：当前价 {yuan_text(amount_fen)}", "",
                          trade_link(trade))
    db.session.flush()
    return bid, True


def _extend_if_late(trade: Trade, now: datetime) -> None:
    """Anti-sniping: a bid in the last `extend_minutes` pushes the close to `extend_minutes` after it."""
    if not trade.extend_minutes:
        return
    window = timedelta(minutes=trade.extend_minutes)
    if trade.ends_at - now < window:
        trade.ends_at = now + window
        record(trade, "extend", None, trade.status, f"截止前出价，延时至 {trade.ends_at.isoformat(' ', 'seconds')}（UTC）")
        schedule_close(trade)


def bids_visible_to(user, trade: Trade) -> list[Bid]:
    """The whole history after the close; before it, a bidder's own bids only (the leading price is public)."""
    stmt = select(Bid).where(Bid.trade_id == trade.id).order_by(Bid.seq.desc())
    if trade.status == TradeStatus.OPEN:
        party = party_of(user, trade)
        if party is None:
            return []
        stmt = stmt.where(Bid.party_id == party.id)
    return list(db.session.scalars(stmt))


# Objections to an agreed price

def object_to(user, trade: Trade, body: str, now: datetime | None = None) -> Objection:
    now = now or utcnow()
    if trade.route != "agreed" or trade.status != TradeStatus.OPEN or now >= trade.ends_at:
        raise TradeError("只能在公示期内对协议定价提出异议。")
    body = clean_text(body or "")
    if not body:
        raise TradeError("请写明异议的内容和理由。", field="body")
    if len(body) > 3000:
        raise TradeError("异议不能超过 3000 字。", field="body")
    if db.session.scalar(select(func.count(Objection.id)).where(Objection.trade_id == trade.id,
                                                               Objection.user_id == user.id)) >= 3:
        raise TradeError("每人对同一公示最多提出 3 条异议。")
    objection = Objection(trade_id=trade.id, user_id=user.id, body=body)
    db.session.add(objection)
    db.session.flush()
    record(trade, "object", user, trade.status, f"异议 #{objection.id}")
    notify.notify_organisation(trade.organisation_id, "trade", f"“{trade.title}”的协议定价公示收到异议", body[:300],
                               trade_link(trade), sender=user)
    return objection


def resolve_objection(user, trade: Trade, objection: Objection, upheld: bool, resolution: str) -> None:
    """The owner answers an objection; once the period is over and none is open, the deal stands (or falls)."""
    if not is_owner(user, trade) or objection.trade_id != trade.id:
        raise TradeError("只有发布单位可以答复异议。", status=403, code="forbidden")
    trade = locked(trade.id)
    if objection.status != "open" or trade.status != TradeStatus.OPEN:
        raise TradeError("该异议已答复或公示已结束。")
    resolution = clean_text(resolution or "")[:1000]
    if not resolution:
        raise TradeError("请写明答复意见。", field="resolution")
    objection.status = "upheld" if upheld else "dismissed"
    objection.resolution, objection.resolved_by_id, objection.resolved_at = resolution, user.id, utcnow()
    record(trade, "resolve", user, trade.status, f"异议 #{objection.id}{'成立' if upheld else '不成立'}：{resolution}")
    notify.notify([objection.user], "trade", f"您对“{trade.title}”的异议已答复：{objection.status_label}", resolution,
                  trade_link(trade), sender=user)
    db.session.flush()
    close(trade.id, actor=user)


# Closing

def close(trade_id: int, now: datetime | None = None, actor=None) -> bool:
    """End a trade whose time is up (idempotent: False when it is not due or already ended)."""
    now = now or utcnow()
    trade = locked(trade_id)
    if trade.status != TradeStatus.OPEN or now < trade.ends_at:
        return False
    if trade.route == "agreed":
        done = _close_agreed(trade, actor)
    elif trade.route == "listed":
        done = _close_listing(trade, now)
    else:
        done = _close_auction(trade)
    if done:
        trade.closed_at = now
        _tell_everyone(trade)
    db.session.flush()
    return done


def _close_agreed(trade: Trade, actor) -> bool:
    states = set(db.session.scalars(select(Objection.status).where(Objection.trade_id == trade.id)))
    if "open" in states:
        return False  # the period is over, but the owner must answer every objection first
    if "upheld" in states:
        _end(trade, TradeStatus.FAILED, actor, "公示期内的异议成立，不能按此价格签约。")
        return True
    trade.final_price_fen = trade.price_fen
    _end(trade, TradeStatus.DEAL, actor, f"公示期满无异议（或异议不成立），可按 {yuan_text(trade.price_fen)} 签约。")
    return True


def _close_listing(trade: Trade, now: datetime) -> bool:
    buyers = list(db.session.scalars(select(TradeParty).where(TradeParty.trade_id == trade.id,
                                                              TradeParty.status == "approved").order_by(TradeParty.id)))
    if not buyers:
        _end(trade, TradeStatus.FAILED, None, "挂牌期满，无意向受让方。")
    elif len(buyers) == 1:
        trade.winner_party_id, trade.final_price_fen = buyers[0].id, trade.price_fen
        _end(trade, TradeStatus.DEAL, None, f"挂牌期满，仅 {buyers[0].organisation.name} 一家意向受让方，按挂牌价成交。")
    else:
        auction = _auction_among(trade, buyers, now)
        _end(trade, TradeStatus.CONVERTED, None, f"挂牌期满，{len(buyers)} 家意向受让方，转为竞价（交易 #{auction.id}）。")
    return True


def _auction_among(listing: Trade, buyers: list[TradeParty], now: datetime) -> Trade:
    """The ascending auction among a listing's intended buyers, from the listed price."""
    config = current_app.config
    increment = max(100, math.ceil(listing.price_fen * config["TRADE_LISTING_INCREMENT_PERCENT"] / 100))
    auction = Trade(route="auction", status=TradeStatus.OPEN, result_id=listing.result_id,
                    organisation_id=listing.organisation_id, title=listing.title, transfer_mode=listing.transfer_mode,
                    description=listing.description, price_fen=listing.price_fen, increment_fen=increment,
                    extend_minutes=5, starts_at=now, ends_at=now + timedelta(hours=config["TRADE_LISTING_AUCTION_HOURS"]),
                    parent_id=listing.id, created_by_id=listing.created_by_id)
    db.session.add(auction)
    db.session.flush()
    for buyer in buyers:
        db.session.add(TradeParty(trade_id=auction.id, organisation_id=buyer.organisation_id, user_id=buyer.user_id,
                                  status="approved", terms=buyer.terms, decided_at=now))
    record(auction, "publish", None, None, f"由挂牌交易 #{listing.id} 转入，{len(buyers)} 家意向受让方参与竞价")
    schedule_close(auction)
    return auction


def _close_auction(trade: Trade) -> bool:
    if trade.route == "sealed":
        best = db.session.scalar(select(Bid).where(Bid.trade_id == trade.id)
                                 .order_by(Bid.amount_fen.desc(), Bid.seq).limit(1))
        if best is not None:
            trade.leading_bid_id = best.id
    else:
        best = trade.leading_bid
    if best is None:
        _end(trade, TradeStatus.FAILED, None, "竞价截止，无人出价，流拍。")
    elif trade.reserve_fen is not None and best.amount_fen < trade.reserve_fen:
        _end(trade, TradeStatus.FAILED, None, f"竞价截止，最高出价 {yuan_text(best.amount_fen)} 未达保留价，流拍。")
    else:
        trade.winner_party_id, trade.final_price_fen = best.party_id, best.amount_fen
        _end(trade, TradeStatus.DEAL, None, f"竞价截止，{best.party.organisation.name} 以 {yuan_text(best.amount_fen)} 竞得。")
    return True


def _end(trade: Trade, status: str, actor, note: str) -> None:
    source = trade.status
    trade.status, trade.outcome_note = status, note[:500]
    record(trade, "close", actor, source, note)


def _tell_everyone(trade: Trade) -> None:
    subject = f"“{trade.title}”{trade.route_label}结束：{trade.status_label}"
    notify.notify_organisation(trade.organisation_id, "trade", subject, trade.outcome_note, trade_link(trade))
    parties = db.session.scalars(select(TradeParty).where(TradeParty.trade_id == trade.id)).all()
    for party in parties:
        won = party.id == trade.winner_party_id
        notify.notify(inbox.organisation_members(party.organisation_id), "trade",
                      f"“{trade.title}”：{'贵单位成交' if won else trade.status_label}", trade.outcome_note,
                      trade_link(trade))


def close_due(now: datetime | None = None) -> int:
    """Close every open trade whose time is up (the scheduler's safety net and `flask trades close`); commits."""
    now = now or utcnow()
    ids = db.session.scalars(select(Trade.id).where(Trade.status == TradeStatus.OPEN, Trade.ends_at <= now)
                             .order_by(Trade.ends_at)).all()
    db.session.commit()
    closed = 0
    for trade_id in ids:
        closed += close(trade_id, now)
        db.session.commit()
    return closed


@every_tick
def _close_overdue(now: datetime) -> None:
    """The safety net: a trade whose close job was lost (or whose time was moved) still closes on the next tick."""
    close_due(now)


@handler("trade.close")
def _close_job(job, payload) -> None:
    close(int(payload["trade_id"]))


# Withdrawing, and the contract of the deal

def withdraw(user, trade: Trade, reason: str) -> None:
    if not is_owner(user, trade):
        raise TradeError("只有发布单位可以撤回。", status=403, code="forbidden")
    trade = locked(trade.id)
    if trade.status != TradeStatus.OPEN:
        raise TradeError("只能撤回进行中的交易。")
    if trade.bid_count:
        raise TradeError("已有出价的竞价不能撤回。")
    reason = clean_line(reason or "")[:500]
    if not reason:
        raise TradeError("请写明撤回原因。", field="reason")
    _end(trade, TradeStatus.WITHDRAWN, user, f"撤回：{reason}")
    trade.closed_at = utcnow()
    _tell_everyone(trade)
    db.session.flush()


def buyer_of(trade: Trade):
    """The buyer organisation of a deal (the winner, or the agreed counterpart when it is on the site), or None."""
    if trade.winner_party_id is not None:
        return trade.winner.organisation
    return trade.counterpart_org


def open_contract(user, trade: Trade, signed_on) -> object:
    """A contract draft prefilled from the deal (seller = the result's organisation); once per trade."""
    from marketplace.contracts.services import ContractError, create_contract
    from models import Contract

    if not is_owner(user, trade):
        raise TradeError("合同草稿由成果所属单位生成。", status=403, code="forbidden")
    trade = locked(trade.id)
    if trade.contract_id is not None:
        return db.session.get(Contract, trade.contract_id)
    if trade.status != TradeStatus.DEAL:
        raise TradeError("只有已成交的交易可以生成合同草稿。")
    result, buyer = trade.result, buyer_of(trade)
    data = {"contract_type": CONTRACT_TYPES[trade.transfer_mode], "title": result.title, "tech_field": result.field,
            "ip_types": result.ip_types, "signed_on": signed_on, "result_id": result.id}
    details = None
    if buyer is None:
        details = {"name": trade.counterpart_name, "type": "企业", "region": result.organisation.region_code}
    try:
        contract = create_contract(result.organisation, buyer, user, data, trade.final_price_fen, {},
                                   idempotency_key=f"trade-{trade.id}", buyer_details=details)
    except ContractError as exc:
        raise TradeError(exc.message, status=exc.status, code=exc.code) from None
    trade.contract_id = contract.id
    trade.status = TradeStatus.CONTRACTED
    record(trade, "contract", user, TradeStatus.DEAL, f"生成合同草稿 #{contract.id}")
    db.session.flush()
    return contract
