"""Technology results (科技成果), needs (技术需求), their history and bounty applications."""
from datetime import date, datetime

from sqlalchemy import (
    BigInteger, Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint,
)
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from models import db
from models.base import utcnow
from models.vocab import MATURITY_LEVELS, TECH_FIELDS, split_list, sql_in


class ListingStatus:
    DRAFT = "draft"
    PENDING = "pending"
    PUBLISHED = "published"
    RETURNED = "returned"
    WITHDRAWN = "withdrawn"
    ALL = (DRAFT, PENDING, PUBLISHED, RETURNED, WITHDRAWN)
    # Not stored: a published need whose deadline has passed is shown as expired.
    EXPIRED = "expired"


# What a result and a need are called in messages.
KIND_LABELS = {"result": "成果", "need": "需求"}

STATUS_LABELS = {
    ListingStatus.DRAFT: "草稿",
    ListingStatus.PENDING: "待审核",
    ListingStatus.PUBLISHED: "已发布",
    ListingStatus.RETURNED: "退回修改",
    ListingStatus.WITHDRAWN: "已下架",
    ListingStatus.EXPIRED: "已过期",
}

MAX_AMOUNT_FEN = 10**7 * 10**6  # 1,000 亿元: anything above is a typing error


class ListingMixin:
    """Columns shared by results and needs."""

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    field: Mapped[str] = mapped_column(String(20), index=True)
    keywords: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(12), default=ListingStatus.DRAFT, index=True)
    contact_name: Mapped[str] = mapped_column(String(50), default="")
    contact_phone: Mapped[str] = mapped_column(String(30), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(index=True)

    @declared_attr
    def organisation_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("organisations.id"), index=True)

    @declared_attr
    def created_by_id(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey("users.id"))

    @declared_attr
    def region_code(cls) -> Mapped[str]:
        return mapped_column(ForeignKey("regions.code"), index=True)

    @declared_attr
    def organisation(cls):
        return relationship("Organisation", lazy="joined")

    @declared_attr
    def region(cls):
        return relationship("Region", lazy="joined")

    @classmethod
    def common_checks(cls):
        return (
            CheckConstraint(sql_in("field", TECH_FIELDS), name="field_known"),
            CheckConstraint(sql_in("status", ListingStatus.ALL), name="status_known"),
            CheckConstraint("length(title) > 0", name="title_not_empty"),
        )

    @staticmethod
    def newest_index(table: str) -> Index:
        """Published listings newest first (the browse pages' default order) straight from an index, no sort."""
        return Index(f"ix_{table}_status_newest", "status", "published_at", "id")

    @property
    def keyword_list(self) -> list[str]:
        return split_list(self.keywords)

    @property
    def is_published(self) -> bool:
        return self.status == ListingStatus.PUBLISHED

    @property
    def display_status(self) -> str:
        return self.status

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.display_status]


class TechResult(ListingMixin, db.Model):
    __tablename__ = "tech_results"
    kind = "result"
    kind_label = "科技成果"
    __table_args__ = ListingMixin.common_checks() + (
        ListingMixin.newest_index("tech_results"),
        CheckConstraint(sql_in("maturity", MATURITY_LEVELS), name="maturity_known"),
        CheckConstraint("trl IS NULL OR (trl BETWEEN 1 AND 9)", name="trl_range"),
        CheckConstraint(f"price_fen IS NULL OR (price_fen >= 0 AND price_fen <= {MAX_AMOUNT_FEN})", name="price_range"),
    )

    summary: Mapped[str] = mapped_column(Text, default="")
    maturity: Mapped[str] = mapped_column(String(8))
    trl: Mapped[int | None] = mapped_column(Integer)
    ip_types: Mapped[str] = mapped_column(String(100), default="")
    ip_numbers: Mapped[str] = mapped_column(String(500), default="")
    transfer_modes: Mapped[str] = mapped_column(String(100), default="")
    # NULL means 面议 (price on negotiation).
    price_fen: Mapped[int | None] = mapped_column(BigInteger)

    events = relationship("ListingEvent", back_populates="result", order_by="ListingEvent.id",
                          foreign_keys="ListingEvent.result_id")

    @property
    def transfer_mode_list(self) -> list[str]:
        return split_list(self.transfer_modes)

    @property
    def ip_type_list(self) -> list[str]:
        return split_list(self.ip_types)

    @property
    def body(self) -> str:
        return self.summary


class TechNeed(ListingMixin, db.Model):
    __tablename__ = "tech_needs"
    kind = "need"
    kind_label = "技术需求"
    __table_args__ = ListingMixin.common_checks() + (
        ListingMixin.newest_index("tech_needs"),
        CheckConstraint(f"budget_fen IS NULL OR (budget_fen >= 0 AND budget_fen <= {MAX_AMOUNT_FEN})",
                        name="budget_range"),
        CheckConstraint(f"bounty_fen IS NULL OR (bounty_fen > 0 AND bounty_fen <= {MAX_AMOUNT_FEN})",
                        name="bounty_range"),
        CheckConstraint("NOT is_bounty OR (bounty_fen IS NOT NULL AND deadline IS NOT NULL)",
                        name="bounty_complete"),
    )

    description: Mapped[str] = mapped_column(Text, default="")
    # NULL means 面议.
    budget_fen: Mapped[int | None] = mapped_column(BigInteger)
    deadline: Mapped[date | None] = mapped_column(Date, index=True)
    cooperation_modes: Mapped[str] = mapped_column(String(100), default="")
    is_bounty: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    bounty_fen: Mapped[int | None] = mapped_column(BigInteger)
    bounty_goals: Mapped[str] = mapped_column(Text, default="")
    bounty_conditions: Mapped[str] = mapped_column(Text, default="")

    events = relationship("ListingEvent", back_populates="need", order_by="ListingEvent.id",
                          foreign_keys="ListingEvent.need_id")
    applications = relationship("BountyApplication", back_populates="need", order_by="BountyApplication.id")

    @property
    def is_expired(self) -> bool:
        return (self.status == ListingStatus.PUBLISHED and self.deadline is not None
                and self.deadline < date.today())

    @property
    def display_status(self) -> str:
        return ListingStatus.EXPIRED if self.is_expired else self.status

    @property
    def cooperation_mode_list(self) -> list[str]:
        return split_list(self.cooperation_modes)

    @property
    def body(self) -> str:
        return self.description

    @property
    def selected_application(self):
        return next((a for a in self.applications if a.status == ApplicationStatus.SELECTED), None)


class ListingEvent(db.Model):
    """One row per change of a listing's state: who, when, what and why."""

    __tablename__ = "listing_events"
    __table_args__ = (
        CheckConstraint("(result_id IS NULL) <> (need_id IS NULL)", name="exactly_one_listing"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    result_id: Mapped[int | None] = mapped_column(ForeignKey("tech_results.id", ondelete="CASCADE"), index=True)
    need_id: Mapped[int | None] = mapped_column(ForeignKey("tech_needs.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(20))
    from_status: Mapped[str | None] = mapped_column(String(12))
    to_status: Mapped[str] = mapped_column(String(12))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    comment: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(default=utcnow)

    actor = relationship("User", lazy="joined")
    result = relationship("TechResult", back_populates="events", foreign_keys=[result_id])
    need = relationship("TechNeed", back_populates="events", foreign_keys=[need_id])


class ApplicationStatus:
    SUBMITTED = "submitted"
    SELECTED = "selected"
    NOT_SELECTED = "not_selected"
    WITHDRAWN = "withdrawn"
    ALL = (SUBMITTED, SELECTED, NOT_SELECTED, WITHDRAWN)


APPLICATION_LABELS = {
    ApplicationStatus.SUBMITTED: "已揭榜",
    ApplicationStatus.SELECTED: "已选定",
    ApplicationStatus.NOT_SELECTED: "未选中",
    ApplicationStatus.WITHDRAWN: "已撤回",
}


class BountyApplication(db.Model):
    """An institute's application (揭榜) to a 揭榜挂帅 need."""

    __tablename__ = "bounty_applications"
    __table_args__ = (
        UniqueConstraint("need_id", "organisation_id", name="one_per_org"),
        CheckConstraint(sql_in("status", ApplicationStatus.ALL), name="status_known"),
        CheckConstraint("length(proposal) > 0", name="proposal_not_empty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("tech_needs.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    applicant_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    proposal: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=ApplicationStatus.SUBMITTED)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    need = relationship("TechNeed", back_populates="applications")
    organisation = relationship("Organisation", lazy="joined")
    applicant = relationship("User", foreign_keys=[applicant_id])

    @property
    def status_label(self) -> str:
        return APPLICATION_LABELS[self.status]
