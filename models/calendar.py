"""The working-day calendar as officials extend it: holidays and 调休 working days the package lacks."""
from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from models import db
from models.base import utcnow


class CalendarDay(db.Model):
    """One day whose status an official set: a holiday (is_workday False) or a working weekend day (True)."""

    __tablename__ = "calendar_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    is_workday: Mapped[bool] = mapped_column(Boolean)
    name: Mapped[str] = mapped_column(String(40), default="")
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    added_at: Mapped[datetime] = mapped_column(default=utcnow)
