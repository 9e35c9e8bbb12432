"""Pricing and trading a result (促进科技成果转化法 art. 18): an agreed price under public notice (协议定价 公示),
listed trading (挂牌交易), auctions (拍卖, ascending or one sealed round) — the parties, bids, objections and the
history of each. Amounts are integer fen."""
from datetime import datetime

from sqlalchemy import BigInteger, Boolean, CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from models import db
from models.base import utcnow
from models.vocab import sql_in

ROUTE_LABELS = {
    "agreed": "协议定价（公示）",
    "listed": "挂牌交易",
    "auction": "拍卖（增价竞价）",
    "sealed": "密封竞价（一次报价）",
}
# What the open state is called on each route.
OPEN_LABELS = {"agreed": "公示中", "listed": "挂牌中", "auction": "竞价中", "sealed": "竞价中"}


class TradeStatus:
    OPEN = "open"  # 公示中 / 挂牌中 / 竞价中 (the label depends on the route)
    DEAL = "deal"  # 成交: the counterpart and the price are fixed
    CONTRACTED = "contracted"  # a contract draft was opened from the deal
    CONVERTED = "converted"  # 挂牌 with several intended buyers: continued as a 竞价 among them
    FAILED = "failed"  # 流拍 / 未成交 / objection upheld
    WITHDRAWN = "withdrawn"  # 撤回 by the owner before the end
    ALL = (OPEN, DEAL, CONTRACTED, CONVERTED, FAILED, WITHDRAWN)
    ENDED = (DEAL, CONTRACTED, CONVERTED, FAILED, WITHDRAWN)


TRADE_STATUS_LABELS = {
    TradeStatus.OPEN: "进行中", TradeStatus.DEAL: "已成交", TradeStatus.CONTRACTED: "已起草合同",
    TradeStatus.CONVERTED: "已转为竞价", TradeStatus.FAILED: "未成交", TradeStatus.WITHDRAWN: "已撤回",
}
TRANSFER_MODES = ("转让", "许可", "作价投资")


class Trade(db.Model):
    """One way of pricing one result, from its publication to the deal (and the contract drafted from it)."""

    __tablename__ = "trades"
    __table_args__ = (
        CheckConstraint(sql_in("route", tuple(ROUTE_LABELS)), name="route_known"),
        CheckConstraint(sql_in("status", TradeStatus.ALL), name="status_known"),
        CheckConstraint("price_fen > 0", name="price_positive"),
        CheckConstraint("reserve_fen IS NULL OR reserve_fen > 0", name="reserve_positive"),
        CheckConstraint("increment_fen >= 0 AND deposit_fen >= 0", name="amounts_not_negative"),
        CheckConstraint("ends_at > starts_at", name="period_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    route: Mapped[str] = mapped_column(String(10), index=True)
    status: Mapped[str] = mapped_column(String(12), default=TradeStatus.OPEN, index=True)
    result_id: Mapped[int] = mapped_column(ForeignKey("tech_results.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    transfer_mode: Mapped[str] = mapped_column(String(10))
    description: Mapped[str] = mapped_column(Text, default="")
    # agreed: the proposed price; listed: the listed price; auctions: the starting price
    price_fen: Mapped[int] = mapped_column(BigInteger)
    reserve_fen: Mapped[int | None] = mapped_column(BigInteger)  # auctions only; never shown before the close
    increment_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    deposit_fen: Mapped[int] = mapped_column(BigInteger, default=0)  # 保证金 asked of bidders (recorded, not moved)
    extend_minutes: Mapped[int] = mapped_column(Integer, default=0)  # anti-sniping: a late bid extends the close
    starts_at: Mapped[datetime] = mapped_column(default=utcnow)
    ends_at: Mapped[datetime] = mapped_column(index=True)
    # agreed: the counterpart named by the owner (协议定价 is with a known party)
    counterpart_name: Mapped[str] = mapped_column(String(200), default="")
    counterpart_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    completers: Mapped[str] = mapped_column(String(500), default="")  # 完成人, shown on the notice
    objection_contact: Mapped[str] = mapped_column(String(300), default="")  # how else to object (address, phone)
    # the running auction: the leading bid and the price it stands at
    # (plain ids, not foreign keys: bids and parties point back at the trade, and the pair would need ALTER TABLE)
    leading_bid_id: Mapped[int | None] = mapped_column(Integer)
    bid_count: Mapped[int] = mapped_column(Integer, default=0)
    # the outcome
    winner_party_id: Mapped[int | None] = mapped_column(Integer)
    final_price_fen: Mapped[int | None] = mapped_column(BigInteger)
    outcome_note: Mapped[str] = mapped_column(String(500), default="")
    closed_at: Mapped[datetime | None] = mapped_column()
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("trades.id"), index=True)  # 挂牌 → its 竞价
    contract_id: Mapped[int | None] = mapped_column(ForeignKey("contracts.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    # loaded when asked for: a bid reads the trade under its lock many times a second and needs none of them
    result = relationship("TechResult")
    organisation = relationship("Organisation", foreign_keys=[organisation_id])
    counterpart_org = relationship("Organisation", foreign_keys=[counterpart_org_id])
    leading_bid = relationship("Bid", primaryjoin="foreign(Trade.leading_bid_id) == Bid.id", viewonly=True)
    winner = relationship("TradeParty", primaryjoin="foreign(Trade.winner_party_id) == TradeParty.id", viewonly=True)
    # the contract drafted from the deal; `contract.trade` leads back (the contract page and its certificate)
    contract = relationship("Contract", backref=backref("trade", uselist=False))
    events = relationship("TradeEvent", order_by="TradeEvent.id", cascade="all, delete-orphan")

    @property
    def route_label(self) -> str:
        return ROUTE_LABELS[self.route]

    @property
    def status_label(self) -> str:
        return OPEN_LABELS[self.route] if self.status == TradeStatus.OPEN else TRADE_STATUS_LABELS[self.status]

    @property
    def is_auction(self) -> bool:
        return self.route in ("auction", "sealed")

    @property
    def current_price_fen(self) -> int | None:
        return self.leading_bid.amount_fen if self.leading_bid is not None else None


class TradeEvent(db.Model):
    """One step of a trade: who, when, what and why."""

    __tablename__ = "trade_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    trade_id: Mapped[int] = mapped_column(ForeignKey("trades.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(30))
    from_status: Mapped[str | None] = mapped_column(String(12))
    to_status: Mapped[str] = mapped_column(String(12))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str] = mapped_column(String(1000), default="")
    at: Mapped[datetime] = mapped_column(default=utcnow)

    actor = relationship("User", lazy="joined")


PARTY_STATUS_LABELS = {"pending": "待审核", "approved": "已通过", "rejected": "未通过", "withdrawn": "已退出"}


class TradeParty(db.Model):
    """An organisation taking part: an intended buyer (意向受让方) of a listing, or a registered bidder (竞买人)."""

    __tablename__ = "trade_parties"
    __table_args__ = (
        UniqueConstraint("trade_id", "organisation_id", name="one_party_per_organisation"),
        CheckConstraint(sql_in("status", tuple(PARTY_STATUS_LABELS)), name="status_known"),
        CheckConstraint("deposit_fen >= 0", name="deposit_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    trade_id: Mapped[int] = mapped_column(ForeignKey("trades.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(10), default="pending")
    terms: Mapped[str] = mapped_column(Text, default="")  # 意向受让条件 / the bidder's statement
    deposit_fen: Mapped[int] = mapped_column(BigInteger, default=0)  # 保证金 the owner recorded as received
    deposit_note: Mapped[str] = mapped_column(String(300), default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    organisation = relationship("Organisation")
    user = relationship("User", foreign_keys=[user_id])

    @property
    def status_label(self) -> str:
        return PARTY_STATUS_LABELS[self.status]


class Bid(db.Model):
    """One accepted bid. `request_key` is the bidder's own key for the attempt: the same bid sent twice is one."""

    __tablename__ = "bids"
    __table_args__ = (
        UniqueConstraint("trade_id", "party_id", "request_key", name="one_bid_per_request"),
        UniqueConstraint("trade_id", "seq", name="one_bid_per_sequence"),
        CheckConstraint("amount_fen > 0", name="amount_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    trade_id: Mapped[int] = mapped_column(ForeignKey("trades.id", ondelete="CASCADE"), index=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("trade_parties.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)  # 1, 2, 3 … within the trade, in the order accepted
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    request_key: Mapped[str] = mapped_column(String(64))
    placed_at: Mapped[datetime] = mapped_column(default=utcnow)
    placed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    party = relationship("TradeParty")


OBJECTION_STATUS_LABELS = {"open": "待答复", "dismissed": "异议不成立", "upheld": "异议成立"}


class Objection(db.Model):
    """An objection to an agreed-price notice (公示异议) and how the owner resolved it."""

    __tablename__ = "trade_objections"
    __table_args__ = (CheckConstraint(sql_in("status", tuple(OBJECTION_STATUS_LABELS)), name="status_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    trade_id: Mapped[int] = mapped_column(ForeignKey("trades.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="open")
    resolution: Mapped[str] = mapped_column(String(1000), default="")
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    resolved_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user = relationship("User", foreign_keys=[user_id], lazy="joined")

    @property
    def status_label(self) -> str:
        return OBJECTION_STATUS_LABELS[self.status]
