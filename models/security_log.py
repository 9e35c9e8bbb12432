"""The security log: who signed in, was let in, changed credentials or contract parties, and when."""
from datetime import datetime

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models import db
from models.base import utcnow


class SecurityLogEntry(db.Model):
    """One security-relevant event; the database refuses UPDATE and DELETE on this table.

    People, organisations and contracts are kept as plain ids plus the username at the time
    (no foreign keys): the entry outlives a rejected applicant's account and never cascades.
    """

    __tablename__ = "security_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor_name: Mapped[str] = mapped_column(String(40), default="")
    subject_user_id: Mapped[int | None] = mapped_column(Integer)
    subject_name: Mapped[str] = mapped_column(String(40), default="")
    organisation_id: Mapped[int | None] = mapped_column(Integer)
    contract_id: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[str] = mapped_column(Text, default="")
    ip: Mapped[str | None] = mapped_column(String(64))
