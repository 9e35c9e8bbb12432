"""Review deadlines in statutory working days: holidays and 调休 working weekends count.

Which days are working days, in this order:
1. days officials entered (`calendar_days`: a year the package does not know yet, or a correction);
2. the State Council arrangements shipped in the `chinese-calendar` package (2004 to PACKAGE_LAST_YEAR);
3. past the package's last year, with nothing entered for that year: Monday to Friday.

A deadline that reaches a year known from neither source is *provisional*: the page says so,
and entering that year's arrangement recomputes the deadlines under review (`recompute_due`).
"""
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

from chinese_calendar import constants as package_days
from sqlalchemy import select

from models import CalendarDay, db
from models.contract import LARGE_CONTRACT_FEN

STANDARD_WORKING_DAYS = 15
LARGE_WORKING_DAYS = 30
PACKAGE_HOLIDAYS = frozenset(package_days.holidays)
PACKAGE_WORKDAYS = frozenset(package_days.workdays)  # 调休: weekend days that are working days
PACKAGE_FIRST_YEAR = min(d.year for d in PACKAGE_HOLIDAYS)
PACKAGE_LAST_YEAR = max(d.year for d in PACKAGE_HOLIDAYS)


@dataclass
class WorkCalendar:
    """Working days from the officials' entries, then the package, then the weekday rule."""

    entered: dict[date, bool] = field(default_factory=dict)

    @classmethod
    def load(cls) -> "WorkCalendar":
        """The calendar with every day officials entered (a few dozen rows a year)."""
        rows = db.session.execute(select(CalendarDay.day, CalendarDay.is_workday)).all()
        return cls({day: is_workday for day, is_workday in rows})

    def knows(self, year: int) -> bool:
        """Whether the year's holiday arrangement is known (shipped, or entered by officials)."""
        return PACKAGE_FIRST_YEAR <= year <= PACKAGE_LAST_YEAR or any(d.year == year for d in self.entered)

    def is_working_day(self, day: date) -> bool:
        if day in self.entered:
            return self.entered[day]
        if day in PACKAGE_WORKDAYS:
            return True
        if day in PACKAGE_HOLIDAYS:
            return False
        return day.weekday() < 5

    def add_working_days(self, start: date, days: int) -> date:
        """The date `days` working days after `start`."""
        current, remaining = start, days
        while remaining > 0:
            current += timedelta(days=1)
            if self.is_working_day(current):
                remaining -= 1
        return current

    def provisional(self, start: date, due: date) -> bool:
        """Whether the span start..due crosses a year whose arrangement nobody has entered yet."""
        return not all(self.knows(year) for year in range(start.year, due.year + 1))


def filing_day(submitted_at: datetime) -> date:
    """The day a filing was made, as the filing counted it (the server's local date; submitted_at is UTC)."""
    return submitted_at.replace(tzinfo=timezone.utc).astimezone().date()


def utc_of_local_noon(day: date) -> datetime:
    """Noon of a local day as naive UTC (a filing dated `day`)."""
    return datetime.combine(day, time(12)).astimezone().astimezone(timezone.utc).replace(tzinfo=None)


def add_working_days(start: date, days: int, calendar: WorkCalendar | None = None) -> date:
    """The date `days` working days after `start` (statutory holidays and 调休 taken into account)."""
    return (calendar or WorkCalendar()).add_working_days(start, days)


def working_days_for(tech_amount_fen: int) -> int:
    """15 working days, or 30 for contracts with 技术交易额 ≥ 500 万元."""
    return LARGE_WORKING_DAYS if tech_amount_fen >= LARGE_CONTRACT_FEN else STANDARD_WORKING_DAYS


def review_due(submitted: date, tech_amount_fen: int, calendar: WorkCalendar | None = None) -> date:
    """The last day of the review of a filing submitted on `submitted`."""
    return add_working_days(submitted, working_days_for(tech_amount_fen), calendar)


def enter_day(actor, day: date, is_workday: bool, name: str) -> CalendarDay:
    """Enter (or correct) one day of the statutory calendar; the deadlines under review follow."""
    entry = db.session.get(CalendarDay, day) or CalendarDay(day=day)
    entry.is_workday, entry.name, entry.added_by_id = is_workday, name, actor.id
    db.session.add(entry)
    db.session.flush()
    return entry


def remove_day(day: date) -> None:
    """Take an entered day out again (the package or the weekday rule decides it once more)."""
    entry = db.session.get(CalendarDay, day)
    if entry is not None:
        db.session.delete(entry)
        db.session.flush()


def recompute_due(actor) -> int:
    """Recount the deadline of every filing under review from its submission; returns how many moved."""
    from marketplace.contracts.services import record_event
    from marketplace.contracts.workflow import UNDER_REVIEW
    from models import Contract

    calendar, moved = WorkCalendar.load(), 0
    for contract in db.session.scalars(select(Contract).where(Contract.status.in_(UNDER_REVIEW),
                                                              Contract.submitted_at.is_not(None))):
        due = review_due(filing_day(contract.submitted_at), contract.tech_amount_fen, calendar)
        if due != contract.due_on:
            record_event(contract, "deadline", actor, contract.status,
                         f"节假日安排更新：办结期限 {contract.due_on} → {due}")
            contract.due_on, moved = due, moved + 1
    db.session.flush()
    return moved
