"""Payments on record (资金结算登记) against a registered contract: the payment plan (milestones) and each payment
received, with its PDF receipt. No money moves through the site; amounts are integer fen.

A payment is never deleted: a mistaken entry is voided (作废) with a reason and stops counting. The contract's
`paid_fen` is the sum of its payments that count, kept under the contract's row lock, and never exceeds its
contract amount. `stats_paid_daily` holds 到账金额 by payment date, side, region and category, kept equal to a
recount by marketplace.stats.paid_rollup.
"""
from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from models import db
from models.base import utcnow


class PaymentMilestone(db.Model):
    """One instalment of the payment plan: what is due, by when."""

    __tablename__ = "payment_milestones"
    __table_args__ = (CheckConstraint("amount_fen > 0", name="amount_positive"),
                      UniqueConstraint("contract_id", "seq", name="one_seq_per_contract"))

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(60))
    due_on: Mapped[date] = mapped_column(Date)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    contract = relationship("Contract", backref=backref("milestones", order_by="PaymentMilestone.seq",
                                                        cascade="all, delete-orphan", passive_deletes=True))


class Payment(db.Model):
    """One payment received, as recorded by a party, with the receipt (回单) it was recorded from."""

    __tablename__ = "payments"
    __table_args__ = (CheckConstraint("amount_fen > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id", ondelete="CASCADE"), index=True)
    milestone_id: Mapped[int | None] = mapped_column(ForeignKey("payment_milestones.id", ondelete="SET NULL"))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    paid_on: Mapped[date] = mapped_column(Date, index=True)
    reference: Mapped[str] = mapped_column(String(64), default="")  # the bank's voucher or transfer number
    receipt_name: Mapped[str] = mapped_column(String(200))
    receipt_sha256: Mapped[str] = mapped_column(String(64))
    receipt_bytes: Mapped[int] = mapped_column(Integer)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))  # the recording party
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    voided_at: Mapped[datetime | None]
    voided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    void_reason: Mapped[str] = mapped_column(String(200), default="")
    # A retried request (API Idempotency-Key, or the form's hidden key) records one payment.
    request_key: Mapped[str | None] = mapped_column(String(80), unique=True)

    contract = relationship("Contract", backref=backref("payments", order_by="Payment.paid_on, Payment.id",
                                                        cascade="all, delete-orphan", passive_deletes=True))
    milestone = relationship(PaymentMilestone)
    recorded_by = relationship("User", foreign_keys=[recorded_by_id])
    voided_by = relationship("User", foreign_keys=[voided_by_id])
    organisation = relationship("Organisation")

    @property
    def counts(self) -> bool:
        """Whether it counts towards the paid amount (not voided)."""
        return self.voided_at is None


PAID_DIMS = ("all", "type", "field")


class StatsPaidDaily(db.Model):
    """到账金额 per payment day, side ('seller' 技术输出 / 'buyer' 技术吸纳), region and category of the contract
    (dim 'all' totals, 'type' contract type, 'field' 技术领域), for payments of registered contracts."""

    __tablename__ = "stats_paid_daily"
    __table_args__ = (CheckConstraint("side IN ('seller', 'buyer')", name="side_known"),)

    side: Mapped[str] = mapped_column(String(6), primary_key=True)
    dim: Mapped[str] = mapped_column(String(12), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    region_code: Mapped[str] = mapped_column(String(6), primary_key=True)
    category: Mapped[str] = mapped_column(String(20), primary_key=True)
    payments: Mapped[int] = mapped_column(Integer, default=0)
    paid_fen: Mapped[int] = mapped_column(BigInteger, default=0)
