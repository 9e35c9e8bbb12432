"""Synonym groups admins add to the shipped thesaurus (data/thesaurus.txt)."""
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from models import db
from models.base import utcnow


class SynonymGroup(db.Model):
    """Words that name the same thing (space-separated, the preferred term first), in one 技术领域 or none."""

    __tablename__ = "synonym_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    words: Mapped[str] = mapped_column(String(400))
    tech_field: Mapped[str] = mapped_column(String(20), default="")
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    added_at: Mapped[datetime] = mapped_column(default=utcnow)
