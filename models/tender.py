"""招标 for a need: an enterprise's tender with a deadline and an opening time, institutes' sealed proposals (price,
text, attachments), scores and the award; every step on record. Amounts are integer fen."""
from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models import db
from models.base import utcnow
from models.vocab import sql_in

TENDER_STATUS_LABELS = {"open": "招标中", "awarded": "已定标", "failed": "流标", "withdrawn": "已撤回"}
PROPOSAL_STATUS_LABELS = {"submitted": "已投标", "awarded": "中标", "not_awarded": "未中标"}


class Tender(db.Model):
    """A need put out to tender: proposals until `deadline_at`, unreadable by anyone until `opens_at`."""

    __tablename__ = "tenders"
    __table_args__ = (
        CheckConstraint(sql_in("status", tuple(TENDER_STATUS_LABELS)), name="status_known"),
        CheckConstraint("opens_at >= deadline_at", name="opens_after_deadline"),
        CheckConstraint("budget_fen IS NULL OR budget_fen > 0", name="budget_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("tech_needs.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    requirements: Mapped[str] = mapped_column(Text, default="")
    budget_fen: Mapped[int | None] = mapped_column(BigInteger)  # a ceiling, shown to bidders when given
    deadline_at: Mapped[datetime] = mapped_column(index=True)
    opens_at: Mapped[datetime] = mapped_column()
    status: Mapped[str] = mapped_column(String(10), default="open", index=True)
    awarded_proposal_id: Mapped[int | None] = mapped_column(Integer)  # (a plain id: proposals point back here)
    decision_note: Mapped[str] = mapped_column(String(1000), default="")
    decided_at: Mapped[datetime | None] = mapped_column()
    contract_id: Mapped[int | None] = mapped_column(ForeignKey("contracts.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    need = relationship("TechNeed")
    organisation = relationship("Organisation")
    events = relationship("TenderEvent", order_by="TenderEvent.id", cascade="all, delete-orphan")

    @property
    def status_label(self) -> str:
        return TENDER_STATUS_LABELS[self.status]


class TenderProposal(db.Model):
    """One institute's sealed proposal; a second submission before the deadline replaces the first."""

    __tablename__ = "tender_proposals"
    __table_args__ = (
        UniqueConstraint("tender_id", "organisation_id", name="one_proposal_per_organisation"),
        CheckConstraint("price_fen > 0", name="price_positive"),
        CheckConstraint("score IS NULL OR score BETWEEN 0 AND 100", name="score_in_range"),
        CheckConstraint(sql_in("status", tuple(PROPOSAL_STATUS_LABELS)), name="status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tenders.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    price_fen: Mapped[int] = mapped_column(BigInteger)
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default="submitted")
    score: Mapped[int | None] = mapped_column(Integer)
    score_note: Mapped[str] = mapped_column(String(500), default="")
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)

    organisation = relationship("Organisation")
    files = relationship("TenderFile", order_by="TenderFile.id", cascade="all, delete-orphan")

    @property
    def status_label(self) -> str:
        return PROPOSAL_STATUS_LABELS[self.status]


class TenderFile(db.Model):
    """An attachment of a proposal (PDF or image, checked by its content)."""

    __tablename__ = "tender_files"
    __table_args__ = (CheckConstraint("size_bytes > 0", name="size_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("tender_proposals.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(60))
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))


class TenderEvent(db.Model):
    """One step of a tender: who, when, what."""

    __tablename__ = "tender_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tenders.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str] = mapped_column(String(1000), default="")
    at: Mapped[datetime] = mapped_column(default=utcnow)

    actor = relationship("User")
