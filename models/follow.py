"""Listings people follow and searches they saved, to hear of what changes or appears."""
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models import db
from models.base import utcnow


class Follow(db.Model):
    """One person following one listing (关注): they hear when it is revised, taken down or withdrawn."""

    __tablename__ = "follows"
    __table_args__ = (
        UniqueConstraint("user_id", "kind", "listing_id", name="one_follow_per_listing"),
        CheckConstraint("kind IN ('result', 'need')", name="kind_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    listing_id: Mapped[int] = mapped_column(Integer, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SavedSearch(db.Model):
    """A browse page's query and filters saved by one person (订阅检索): new listings that match are sent
    at once or in the daily digest, found by the browse page's own search code."""

    __tablename__ = "saved_searches"
    __table_args__ = (
        CheckConstraint("kind IN ('result', 'need')", name="kind_known"),
        CheckConstraint("frequency IN ('instant', 'daily')", name="frequency_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(60))
    # The browse page's own arguments (q, field, region, …) as a query string, as the page itself reads them.
    query_string: Mapped[str] = mapped_column(String(1000))
    frequency: Mapped[str] = mapped_column(String(10), default="instant")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The newest published listing id already looked at for this search (nothing older is sent again).
    seen_upto_id: Mapped[int] = mapped_column(Integer, default=0)
