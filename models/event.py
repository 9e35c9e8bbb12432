"""Matchmaking events (科技入滇 / 科技入楚 对接会): the needs pushed and the deals signed there."""
from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models import db
from models.base import utcnow
from models.listing import MAX_AMOUNT_FEN


class MatchEvent(db.Model):
    __tablename__ = "match_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    held_on: Mapped[date] = mapped_column(Date, index=True)
    venue: Mapped[str] = mapped_column(String(120), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    region = relationship("Region", lazy="joined")
    needs = relationship("EventNeed", back_populates="event", order_by="EventNeed.id", cascade="all, delete-orphan")
    deals = relationship("EventDeal", back_populates="event", order_by="EventDeal.id", cascade="all, delete-orphan")


class EventNeed(db.Model):
    """A published technology need pushed (推介) at the event."""

    __tablename__ = "event_needs"
    __table_args__ = (UniqueConstraint("event_id", "need_id", name="need_once_per_event"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("match_events.id", ondelete="CASCADE"), index=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("tech_needs.id"), index=True)
    added_at: Mapped[datetime] = mapped_column(default=utcnow)

    event = relationship("MatchEvent", back_populates="needs")
    need = relationship("TechNeed", lazy="joined")


class EventDeal(db.Model):
    """A project signed (签约) at the event, optionally linked to its registered contract."""

    __tablename__ = "event_deals"
    __table_args__ = (CheckConstraint(f"amount_fen >= 0 AND amount_fen <= {MAX_AMOUNT_FEN}", name="amount_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("match_events.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    seller_name: Mapped[str] = mapped_column(String(100))
    buyer_name: Mapped[str] = mapped_column(String(100))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    contract_id: Mapped[int | None] = mapped_column(ForeignKey("contracts.id"))
    added_at: Mapped[datetime] = mapped_column(default=utcnow)

    event = relationship("MatchEvent", back_populates="deals")
    contract = relationship("Contract")
