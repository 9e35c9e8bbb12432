"""The durable change log (outbox) the search index follows."""
from datetime import datetime

from sqlalchemy import CheckConstraint, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models import db
from models.base import utcnow


class SearchChange(db.Model):
    """A listing that changed; written in the same transaction as the change itself."""

    __tablename__ = "search_changes"
    __table_args__ = (CheckConstraint("kind IN ('result', 'need')", name="kind_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))
    listing_id: Mapped[int] = mapped_column(Integer)
    # Indexed for `flask search prune`, which deletes the old end of the log.
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
