"""变更登记: a proposed change to a registered contract, reviewed like a filing before it applies."""
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, JSON, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models import db
from models.base import utcnow
from models.vocab import sql_in


class AmendmentStatus:
    PENDING = "pending"
    SECOND_REVIEW = "second_review"
    APPROVED = "approved"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"
    OPEN = (PENDING, SECOND_REVIEW)
    ALL = (PENDING, SECOND_REVIEW, APPROVED, REFUSED, WITHDRAWN)


AMENDMENT_STATUS_LABELS = {
    AmendmentStatus.PENDING: "待审核",
    AmendmentStatus.SECOND_REVIEW: "待复核",
    AmendmentStatus.APPROVED: "已变更",
    AmendmentStatus.REFUSED: "不予变更",
    AmendmentStatus.WITHDRAWN: "已撤回",
}


class ContractAmendment(db.Model):
    """One application for 变更登记: the values before and the values asked for, and its review."""

    __tablename__ = "contract_amendments"
    __table_args__ = (
        CheckConstraint(sql_in("status", AmendmentStatus.ALL), name="status_known"),
        # At most one open application per contract: a second one would be reviewed against stale values.
        Index("ix_contract_amendments_one_open", "contract_id", unique=True,
              sqlite_where=text("status IN ('pending', 'second_review')"),
              postgresql_where=text("status IN ('pending', 'second_review')")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16), default=AmendmentStatus.PENDING)
    reason: Mapped[str] = mapped_column(Text)
    # Column → value, as JSON (dates ISO, amounts in fen): only the columns that change.
    before: Mapped[dict] = mapped_column(JSON)
    after: Mapped[dict] = mapped_column(JSON)
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    proposed_at: Mapped[datetime] = mapped_column(default=utcnow)
    first_reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(index=True)
    decision_comment: Mapped[str] = mapped_column(Text, default="")

    contract = relationship("Contract", back_populates="amendments")
    proposed_by = relationship("User", foreign_keys=[proposed_by_id])

    @property
    def status_label(self) -> str:
        return AMENDMENT_STATUS_LABELS[self.status]

    @property
    def is_open(self) -> bool:
        return self.status in AmendmentStatus.OPEN
