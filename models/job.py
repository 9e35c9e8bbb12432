"""Background jobs: the database row is the record of each job, the queue only carries its id."""
import json
from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models import db
from models.base import utcnow


class JobState(StrEnum):
    QUEUED = "queued"  # waiting for its run_after time or a worker
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"  # every attempt failed: kept with its error until an admin retries it


JOB_STATE_LABELS = {JobState.QUEUED: "排队中", JobState.RUNNING: "运行中", JobState.DONE: "已完成",
                    JobState.FAILED: "已失败"}


# What each kind of job does, as the admins' jobs page names it.
JOB_KIND_LABELS = {"mail.send": "发送邮件", "notify.daily_digest": "每日通知汇总", "notify.deadline_reminders": "登记期限提醒",
                   "jobs.prune": "清理旧任务", "saved_search.check": "订阅检索匹配", "import.file": "数据导入",
                   "export.register": "登记台账导出"}


class Job(db.Model):
    """One piece of background work: what (kind and JSON payload), its state, attempts and progress.

    `key` makes enqueueing idempotent: a second job with the same key is not created.
    """

    __tablename__ = "jobs"
    __table_args__ = (
        CheckConstraint("state IN ('queued', 'running', 'done', 'failed')", name="state_known"),
        CheckConstraint("attempts >= 0 AND max_attempts >= 1", name="attempts_counted"),
        Index("ix_jobs_state_run_after", "state", "run_after"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    payload: Mapped[str] = mapped_column(Text, default="{}")  # JSON
    key: Mapped[str | None] = mapped_column(String(200), unique=True)
    state: Mapped[str] = mapped_column(String(10), default=JobState.QUEUED)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=5)
    run_after: Mapped[datetime] = mapped_column(default=utcnow)
    # When the id was last handed to the queue (the scheduler hands it again only if it waits long after that).
    dispatched_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    last_error: Mapped[str] = mapped_column(Text, default="")
    # Progress a page can show while the job runs (rows done of rows in all, a short note).
    progress_done: Mapped[int] = mapped_column(Integer, default=0)
    progress_total: Mapped[int] = mapped_column(Integer, default=0)
    progress_note: Mapped[str] = mapped_column(String(200), default="")
    result: Mapped[str] = mapped_column(Text, default="")  # JSON the job leaves for its page (counts, a file)

    created_by = relationship("User", foreign_keys=[created_by_id])

    @property
    def payload_data(self) -> dict:
        return json.loads(self.payload or "{}")

    @property
    def result_data(self) -> dict:
        return json.loads(self.result or "{}")

    @property
    def kind_label(self) -> str:
        return JOB_KIND_LABELS.get(self.kind, self.kind)

    @property
    def state_label(self) -> str:
        return JOB_STATE_LABELS.get(self.state, self.state)

    @property
    def percent(self) -> int:
        if self.state == JobState.DONE:
            return 100
        if not self.progress_total:
            return 0
        return min(100, self.progress_done * 100 // self.progress_total)
