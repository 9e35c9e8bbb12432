"""Figures and lists for the home page (read-only queries)."""
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, or_, select

from marketplace.cache import Cache
from models import ApplicationStatus, BountyApplication, ListingStatus, Organisation, TechNeed, TechResult, db
from models.vocab import TECH_FIELDS

HOME_LIST_SIZE = 6


@dataclass
class HomeCounts:
    """The four figures at the top of the home page."""

    results: int
    needs: int
    open_bounties: int
    organisations: int


def _not_expired():
    return or_(TechNeed.deadline.is_(None), TechNeed.deadline >= date.today())


def _open_bounty_conditions() -> list:
    """Published, not past the deadline and no applicant selected yet."""
    selected = select(BountyApplication.id).where(
        BountyApplication.need_id == TechNeed.id, BountyApplication.status == ApplicationStatus.SELECTED)
    return [TechNeed.status == ListingStatus.PUBLISHED, TechNeed.is_bounty.is_(True), _not_expired(),
            ~selected.exists()]


def _count(model, *conds) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*conds))


# The figures change only when a listing, organisation or application is written (and at midnight).
_FIGURES = Cache("home figures", ("listings",), max_entries=2)


def home_counts() -> HomeCounts:
    """Published results and needs, open 揭榜挂帅 bounties and organisations."""
    return _FIGURES.get(("counts", date.today()), _home_counts)


def _home_counts() -> HomeCounts:
    return HomeCounts(
        results=_count(TechResult, TechResult.status == ListingStatus.PUBLISHED),
        needs=_count(TechNeed, TechNeed.status == ListingStatus.PUBLISHED),
        open_bounties=_count(TechNeed, *_open_bounty_conditions()),
        organisations=_count(Organisation),
    )


def newest_results(limit: int = HOME_LIST_SIZE) -> list[TechResult]:
    """The most recently published results."""
    stmt = (select(TechResult).where(TechResult.status == ListingStatus.PUBLISHED)
            .order_by(TechResult.published_at.desc(), TechResult.id.desc()).limit(limit))
    return db.session.scalars(stmt).all()


def newest_needs(limit: int = HOME_LIST_SIZE) -> list[TechNeed]:
    """The most recently published needs that are still open."""
    stmt = (select(TechNeed).where(TechNeed.status == ListingStatus.PUBLISHED, _not_expired())
            .order_by(TechNeed.published_at.desc(), TechNeed.id.desc()).limit(limit))
    return db.session.scalars(stmt).all()


def open_bounties(limit: int = HOME_LIST_SIZE) -> list[TechNeed]:
    """Open 揭榜挂帅 needs, the nearest deadline first."""
    stmt = (select(TechNeed).where(*_open_bounty_conditions())
            .order_by(TechNeed.deadline.asc(), TechNeed.id.desc()).limit(limit))
    return db.session.scalars(stmt).all()


def field_counts() -> list[tuple[str, int, int]]:
    """(field, published results, open published needs) for each of the 11 fields, in order."""
    return _FIGURES.get(("fields", date.today()), _field_counts)


def _field_counts() -> list[tuple[str, int, int]]:
    results = dict(db.session.execute(select(TechResult.field, func.count())
                                      .where(TechResult.status == ListingStatus.PUBLISHED)
                                      .group_by(TechResult.field)).all())
    needs = dict(db.session.execute(select(TechNeed.field, func.count())
                                    .where(TechNeed.status == ListingStatus.PUBLISHED, _not_expired())
                                    .group_by(TechNeed.field)).all())
    return [(name, results.get(name, 0), needs.get(name, 0)) for name in TECH_FIELDS]
