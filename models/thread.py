"""Threads between parties about a listing (咨询留言): posts, attachments, blocks and reports to an admin."""
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models import db
from models.base import utcnow
from models.vocab import sql_in


class Thread(db.Model):
    """One organisation asking about another's published result or need.

    Readable and answerable by the members of both organisations and by the broker of a deal that pairs
    them on this listing (`broker_id`, set when the thread starts or when such a match is made).
    """

    __tablename__ = "threads"
    __table_args__ = (
        CheckConstraint("(result_id IS NULL) <> (need_id IS NULL)", name="one_listing"),
        CheckConstraint("asker_org_id <> owner_org_id", name="two_organisations"),
        UniqueConstraint("result_id", "asker_org_id", name="one_thread_per_result_and_asker"),
        UniqueConstraint("need_id", "asker_org_id", name="one_thread_per_need_and_asker"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    result_id: Mapped[int | None] = mapped_column(ForeignKey("tech_results.id"), index=True)
    need_id: Mapped[int | None] = mapped_column(ForeignKey("tech_needs.id"), index=True)
    owner_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    asker_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    broker_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    subject: Mapped[str] = mapped_column(String(200))
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_post_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    post_count: Mapped[int] = mapped_column(Integer, default=0)

    result = relationship("TechResult", lazy="joined")
    need = relationship("TechNeed", lazy="joined")
    owner_org = relationship("Organisation", foreign_keys=[owner_org_id], lazy="joined")
    asker_org = relationship("Organisation", foreign_keys=[asker_org_id], lazy="joined")
    broker = relationship("User", foreign_keys=[broker_id])

    @property
    def kind(self) -> str:
        return "result" if self.result_id is not None else "need"

    @property
    def listing(self):
        return self.result if self.result_id is not None else self.need


class ThreadPost(db.Model):
    """One message in a thread; an admin may hide it after a report (the text stays stored, unread)."""

    __tablename__ = "thread_posts"

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # The author's organisation when posting (a broker's agency; kept if the author moves on).
    author_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    hidden_at: Mapped[datetime | None] = mapped_column()
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    hidden_reason: Mapped[str] = mapped_column(String(500), default="")

    author = relationship("User", foreign_keys=[author_id], lazy="joined")
    attachments = relationship("ThreadAttachment", order_by="ThreadAttachment.id", lazy="selectin",
                               cascade="all, delete-orphan")


class ThreadAttachment(db.Model):
    """A PDF or image on a post, checked by its content; the bytes live in the instance folder, named by hash."""

    __tablename__ = "thread_attachments"
    __table_args__ = (CheckConstraint("size_bytes > 0", name="size_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("thread_posts.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(60))
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))


class ThreadBlock(db.Model):
    """An organisation no longer hears from one person: no new thread on its listings, no post where it is a party."""

    __tablename__ = "thread_blocks"
    __table_args__ = (UniqueConstraint("organisation_id", "blocked_user_id", name="one_block_per_person"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    blocked_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    blocked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    blocked_user = relationship("User", foreign_keys=[blocked_user_id], lazy="joined")
    blocked_by = relationship("User", foreign_keys=[blocked_by_id], lazy="joined")


REPORT_REASONS = {
    "spam": "垃圾信息或广告",
    "abuse": "辱骂、骚扰或威胁",
    "fraud": "诈骗或虚假信息",
    "malware": "可疑附件",
    "other": "其他",
}
REPORT_STATUS_LABELS = {"open": "待处理", "hidden": "已隐藏留言", "dismissed": "已驳回"}


class ThreadReport(db.Model):
    """A participant's report of a post to the admins, and the admin's decision (who, when, why)."""

    __tablename__ = "thread_reports"
    __table_args__ = (
        UniqueConstraint("post_id", "reporter_id", name="one_report_per_post_and_reporter"),
        CheckConstraint(sql_in("reason", tuple(REPORT_REASONS)), name="reason_known"),
        CheckConstraint(sql_in("status", tuple(REPORT_STATUS_LABELS)), name="status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("thread_posts.id", ondelete="CASCADE"), index=True)
    reporter_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    reason: Mapped[str] = mapped_column(String(20))
    details: Mapped[str] = mapped_column(String(1000), default="")
    status: Mapped[str] = mapped_column(String(20), default="open", index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column()
    decision_note: Mapped[str] = mapped_column(String(500), default="")

    post = relationship("ThreadPost", lazy="joined")
    reporter = relationship("User", foreign_keys=[reporter_id], lazy="joined")
    decided_by = relationship("User", foreign_keys=[decided_by_id])

    @property
    def reason_label(self) -> str:
        return REPORT_REASONS[self.reason]

    @property
    def status_label(self) -> str:
        return REPORT_STATUS_LABELS[self.status]
