"""Year-end close (年度结账) of a region: its published totals, frozen beside the live ones."""
from datetime import datetime

from sqlalchemy import JSON, BigInteger, CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models import db
from models.base import utcnow


class YearClose(db.Model):
    """A closed (region, year): registrations dated in it are refused, amendments need an admin."""

    __tablename__ = "year_closes"
    __table_args__ = (UniqueConstraint("region_code", "year", name="one_close_per_region_year"),
                      CheckConstraint("year >= 1985 AND year <= 2200", name="year_range"))

    id: Mapped[int] = mapped_column(primary_key=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The frozen figures (seller side, 技术输出): the region's totals, and per region directly under it.
    contracts: Mapped[int] = mapped_column(Integer)
    contract_amount_fen: Mapped[int] = mapped_column(BigInteger)
    tech_amount_fen: Mapped[int] = mapped_column(BigInteger)
    children: Mapped[dict] = mapped_column(JSON, default=dict)

    closed_by = relationship("User")
