"""Year-end close (年度结账): a region's year is closed and its published totals frozen.

After an official closes a year for the region of their bureau (or an admin for any
region): registrations dated in that year are refused there, amendments of its contracts
are decided by an admin, and the totals as published at the close are kept beside the
live ones. A province's close covers its cities; a city's close covers its own code.
"""
from datetime import date

from sqlalchemy import select

from marketplace.errors import DomainError
from marketplace.permissions import has, region_scope_prefix
from models import Region, YearClose, db


class YearCloseError(DomainError):
    """A refused close; the message is shown to the user."""


def scope_prefix(region_code: str) -> str:
    """The region codes a close of `region_code` covers: a province its cities, a city itself."""
    if region_code.endswith("0000"):
        return region_code[:2]
    return region_code[:4] if region_code.endswith("00") else region_code


def closing_of(region_code: str | None, day: date | None) -> YearClose | None:
    """The close that covers a contract of `region_code` dated `day`, if any."""
    if not region_code or day is None:
        return None
    closes = db.session.scalars(select(YearClose).where(YearClose.year == day.year)).all()
    return next((c for c in closes if region_code.startswith(scope_prefix(c.region_code))), None)


def closed_years() -> list[tuple[str, int]]:
    """(code prefix covered, year) of every close, read once for a whole import."""
    return [(scope_prefix(code), year) for code, year in db.session.execute(
        select(YearClose.region_code, YearClose.year))]


def covered(closed: list[tuple[str, int]], region_code: str, day: date) -> bool:
    return any(day.year == year and region_code.startswith(prefix) for prefix, year in closed)


def is_closed(region_code: str | None, day: date | None) -> bool:
    return closing_of(region_code, day) is not None


def refuse_if_closed(region_code: str, day: date) -> None:
    """Registrations dated in a closed year are refused."""
    close = closing_of(region_code, day)
    if close is not None:
        raise YearCloseError(f"{close.year} 年度已于 {close.closed_at:%Y-%m-%d} 结账，不能再登记该年度的合同。")


def can_close(user, region: Region) -> bool:
    """An official closes the region of their bureau; an admin any region."""
    prefix = region_scope_prefix(user)
    return has(user, "year.close") and prefix is not None and region.code.startswith(prefix) and (
        prefix == "" or scope_prefix(region.code) == prefix)


def close_year(user, region: Region, year: int, today: date | None = None) -> YearClose:
    """Close `year` for `region`, freezing the seller-side totals as published now."""
    today = today or date.today()
    if not can_close(user, region):
        raise YearCloseError("您无权为该地区结账。", status=403, code="forbidden")
    if year >= today.year:
        raise YearCloseError("只能对已结束的年度结账。")
    if db.session.scalar(select(YearClose).where(YearClose.region_code == region.code, YearClose.year == year)):
        raise YearCloseError(f"{region.name} {year} 年度已经结账。", status=409, code="already_closed")
    table = _year_table(region, year)
    children = {row.code: [row.figures.contracts, row.figures.contract_fen, row.figures.tech_fen]
                for row in table.rows}
    close = YearClose(region_code=region.code, year=year, closed_by_id=user.id, contracts=table.total.contracts,
                      contract_amount_fen=table.total.contract_fen, tech_amount_fen=table.total.tech_fen,
                      children=children)
    db.session.add(close)
    db.session.flush()
    return close


def frozen_for(region_code: str | None, start: date, end: date) -> YearClose | None:
    """The close whose frozen figures a whole-year period of exactly this region quotes."""
    if region_code is None or (start, end) != (date(start.year, 1, 1), date(start.year, 12, 31)):
        return None
    return db.session.scalar(select(YearClose).where(YearClose.region_code == region_code,
                                                     YearClose.year == start.year))


def closes_of(user) -> list[YearClose]:
    """The closes in the user's scope, newest year first."""
    prefix = region_scope_prefix(user)
    if prefix is None:
        return []
    stmt = select(YearClose).order_by(YearClose.year.desc(), YearClose.region_code)
    return [c for c in db.session.scalars(stmt) if c.region_code.startswith(prefix)]


def _year_table(region: Region, year: int):
    """The seller-side statistics of `region` for the whole of `year` (the figures a close freezes)."""
    from marketplace.stats.periods import Period  # the statistics read this module: imported when used
    from marketplace.stats.services import region_table

    return region_table(region, Period(date(year, 1, 1), date(year, 12, 31)), "seller")


def live_figures(close: YearClose):
    """The region's figures for the closed year as they stand now (amendments and cancellations included)."""
    return _year_table(db.session.get(Region, close.region_code), close.year).total
