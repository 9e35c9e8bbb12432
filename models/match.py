"""Brokers (技术经纪人), matches of a need with a result, their history, and the in-site inbox."""
from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models import db
from models.base import utcnow
from models.vocab import split_list, sql_in

BROKER_LEVELS = {"junior": "初级", "intermediate": "中级", "senior": "高级"}


class MatchStatus:
    """States of the deal pipeline (labels in MATCH_STATUS_LABELS)."""

    PROPOSED = "proposed"
    INTRODUCED = "introduced"
    NEGOTIATING = "negotiating"
    SIGNED = "signed"
    FAILED = "failed"
    ALL = (PROPOSED, INTRODUCED, NEGOTIATING, SIGNED, FAILED)
    OPEN = (PROPOSED, INTRODUCED, NEGOTIATING)


MATCH_STATUS_LABELS = {
    MatchStatus.PROPOSED: "已推荐",
    MatchStatus.INTRODUCED: "已对接",
    MatchStatus.NEGOTIATING: "洽谈中",
    MatchStatus.SIGNED: "已签约",
    MatchStatus.FAILED: "未成交",
}


class BrokerProfile(db.Model):
    """A broker's public profile; the agency is the broker's own organisation."""

    __tablename__ = "broker_profiles"
    __table_args__ = (CheckConstraint(sql_in("level", tuple(BROKER_LEVELS)), name="level_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    level: Mapped[str] = mapped_column(String(16), default="junior")
    certificate_no: Mapped[str] = mapped_column(String(40), default="")
    specialty_fields: Mapped[str] = mapped_column(String(300), default="")
    # ';'-separated six-digit region codes the broker serves.
    service_regions: Mapped[str] = mapped_column(String(300), default="")
    bio: Mapped[str] = mapped_column(Text, default="")
    is_listed: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    user = relationship("User", lazy="joined")

    @property
    def level_label(self) -> str:
        return BROKER_LEVELS[self.level]

    @property
    def field_list(self) -> list[str]:
        return split_list(self.specialty_fields)

    @property
    def region_list(self) -> list[str]:
        return split_list(self.service_regions)


class Match(db.Model):
    """A need linked to a result, by a broker or by the result's institute answering directly."""

    __tablename__ = "matches"
    __table_args__ = (
        UniqueConstraint("need_id", "result_id", name="one_per_pair"),
        CheckConstraint(sql_in("status", MatchStatus.ALL), name="status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("tech_needs.id"), index=True)
    result_id: Mapped[int] = mapped_column(ForeignKey("tech_results.id"), index=True)
    # NULL when an institute answered the need directly.
    broker_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(12), default=MatchStatus.PROPOSED, index=True)
    score: Mapped[int | None] = mapped_column()  # engine score ×100 at proposal time
    reasons: Mapped[str] = mapped_column(Text, default="")
    pitch: Mapped[str] = mapped_column(Text, default="")
    # Seen only by the match's broker.
    broker_notes: Mapped[str] = mapped_column(Text, default="")
    need_accepted_at: Mapped[datetime | None]
    result_accepted_at: Mapped[datetime | None]
    outcome_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    need = relationship("TechNeed", lazy="joined")
    result = relationship("TechResult", lazy="joined")
    broker = relationship("User", foreign_keys=[broker_id], lazy="joined")
    steps = relationship("MatchStep", back_populates="match", order_by="MatchStep.id")

    @property
    def status_label(self) -> str:
        return MATCH_STATUS_LABELS[self.status]

    @property
    def reason_list(self) -> list[str]:
        return [r for r in self.reasons.split("\n") if r]


class MatchStep(db.Model):
    """History of a match: one row per step (who, when, note)."""

    __tablename__ = "match_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    match_id: Mapped[int] = mapped_column(ForeignKey("matches.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(20))
    from_status: Mapped[str | None] = mapped_column(String(12))
    to_status: Mapped[str] = mapped_column(String(12))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(default=utcnow)

    match = relationship("Match", back_populates="steps")
    actor = relationship("User", lazy="joined")


class Message(db.Model):
    """One in-site message to one user (introductions, replies, contact requests)."""

    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    sender_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    match_id: Mapped[int | None] = mapped_column(ForeignKey("matches.id", ondelete="SET NULL"), index=True)
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    read_at: Mapped[datetime | None]
    # The kind of event (models.notification.NOTIFY_CATEGORIES; "" for a plain message) and the page it is about.
    category: Mapped[str] = mapped_column(String(20), default="", index=True)
    link: Mapped[str] = mapped_column(String(300), default="")
    # Set when a daily digest e-mail included this notice (each notice is mailed at most once).
    digested_at: Mapped[datetime | None]

    sender = relationship("User", foreign_keys=[sender_id], lazy="joined")
    recipient = relationship("User", foreign_keys=[recipient_id])
