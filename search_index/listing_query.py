"""Published listings in the database: filters, order, pages and facet counts.

The one implementation behind the browse pages, the API lists and the search API.
The index only ranks (`ids`, best first, when there is a query); the database, the
source of truth, filters, counts and pages, so every surface answers alike.
"""
from datetime import date

from sqlalchemy import case, false, func, literal, or_, select

from models import ListingStatus, Region, TechNeed, TechResult, db
from models.vocab import COOPERATION_MODES, MATURITY_LEVELS, TECH_FIELDS, TRANSFER_MODES
from search_index.filters import ListingFilters

MODELS = {"result": TechResult, "need": TechNeed}
FACET_NAMES = ("field", "province", "city", "maturity", "mode", "bounty")


def _delimited(column):
    return literal(";") + column + literal(";")


def _amount(model):
    return model.price_fen if model is TechResult else model.budget_fen


def conditions(filters: ListingFilters, ids: list[int] | None = None, skip: str | None = None) -> list:
    """SQL conditions for the filters (and the ids a query matched); `skip` leaves one facet's own filter out."""
    model = MODELS[filters.kind]
    conds = [model.status == ListingStatus.PUBLISHED]
    if ids is not None:
        conds.append(model.id.in_(ids) if ids else false())
    if filters.field and skip != "field":
        conds.append(model.field == filters.field)
    if filters.region is not None and skip != "region":
        if filters.region.is_province:
            conds.append(model.region_code.in_(
                select(Region.code).where(Region.province_code == filters.region.code)))
        else:
            conds.append(model.region_code == filters.region.code)
    if filters.amount_min is not None:
        conds.append(_amount(model) >= filters.amount_min)
    if filters.amount_max is not None:
        conds.append(_amount(model) <= filters.amount_max)
    if model is TechResult:
        if filters.maturity and skip != "maturity":
            conds.append(model.maturity == filters.maturity)
        if filters.mode and skip != "mode":
            conds.append(_delimited(model.transfer_modes).like(f"%;{filters.mode};%"))
    else:
        if filters.bounty and skip != "bounty":
            conds.append(model.is_bounty.is_(True))
        if not filters.show_expired:
            conds.append(or_(model.deadline.is_(None), model.deadline >= date.today()))
    return conds


def order(kind: str, sort: str) -> list:
    """ORDER BY for a sort name: newest (also relevance without ranks), *_asc/price, *_desc, deadline."""
    model = MODELS[kind]
    newest = [model.published_at.desc(), model.id.desc()]
    if sort == "price" or sort.endswith("_asc"):
        return [_amount(model).is_(None), _amount(model).asc(), *newest]  # 面议 last
    if sort.endswith("_desc"):
        return [_amount(model).is_(None), _amount(model).desc(), *newest]
    if sort == "deadline" and model is TechNeed:
        return [model.deadline.is_(None), model.deadline.asc(), *newest]
    return newest


def select_listings(filters: ListingFilters, sort: str = "newest"):
    """Published listings matching `filters` (no text query), in `sort` order."""
    model = MODELS[filters.kind]
    return select(model).where(*conditions(filters)).order_by(*order(filters.kind, sort))


def listing_page(filters: ListingFilters, ids: list[int] | None, sort: str, page: int, per_page: int,
                 clamp: bool = False) -> tuple[int, int, list]:
    """(total, page, listings of that page): in rank order for `relevance` with ids, else in `sort` order.

    With `clamp`, a page past the end shows the last one.
    """
    model = MODELS[filters.kind]
    conds = conditions(filters, ids)
    ranked = ids is not None and sort == "relevance"
    matching = set(db.session.scalars(select(model.id).where(*conds))) if ranked else None
    total = len(matching) if ranked else db.session.scalar(select(func.count()).select_from(model).where(*conds))
    if clamp:
        page = min(page, max(1, -(-total // per_page)))
    offset = (page - 1) * per_page
    if ranked:
        chosen = [i for i in ids if i in matching][offset:offset + per_page]
        rows = {row.id: row for row in db.session.scalars(select(model).where(model.id.in_(chosen))).unique()}
        return total, page, [rows[i] for i in chosen if i in rows]
    stmt = select(model).where(*conds).order_by(*order(filters.kind, sort)).limit(per_page).offset(offset)
    return total, page, db.session.scalars(stmt).unique().all()


def _in_order(counts: dict, values) -> list[tuple[str, int]]:
    return [(value, counts[value]) for value in values if counts.get(value)]


def _by_count(counts: dict) -> list[tuple[str, int]]:
    return sorted(((value, n) for value, n in counts.items() if n), key=lambda kv: (-kv[1], kv[0]))


def _mode_counts(model, column, modes, conds) -> list[tuple[str, int]]:
    sums = db.session.execute(select(*[func.sum(case((_delimited(column).like(f"%;{m};%"), 1), else_=0))
                                       for m in modes]).where(*conds)).one()
    return [(m, int(n)) for m, n in zip(modes, sums) if n]


def facet_counts(filters: ListingFilters, ids: list[int] | None = None) -> dict[str, list[tuple[str, int]]]:
    """Counts per facet value; each facet ignores its own filter, so the alternatives stay visible.

    field, maturity and mode in vocabulary order; province and city most frequent first;
    bounty as yes/no. Facets a kind does not have are empty.
    """
    model = MODELS[filters.kind]
    facets = {name: [] for name in FACET_NAMES}
    counts = dict(db.session.execute(select(model.field, func.count()).where(*conditions(filters, ids, "field"))
                                     .group_by(model.field)).all())
    facets["field"] = _in_order(counts, TECH_FIELDS)
    rows = db.session.execute(
        select(Region.province_code, model.region_code, func.count(model.id))
        .join(Region, model.region_code == Region.code)
        .where(*conditions(filters, ids, "region")).group_by(Region.province_code, model.region_code)).all()
    provinces: dict[str, int] = {}
    for province, _city, n in rows:
        provinces[province] = provinces.get(province, 0) + n
    facets["province"] = _by_count(provinces)
    facets["city"] = _by_count({city: n for _province, city, n in rows})
    if model is TechResult:
        counts = dict(db.session.execute(select(model.maturity, func.count())
                                         .where(*conditions(filters, ids, "maturity")).group_by(model.maturity)).all())
        facets["maturity"] = _in_order(counts, MATURITY_LEVELS)
        facets["mode"] = _mode_counts(model, model.transfer_modes, TRANSFER_MODES, conditions(filters, ids, "mode"))
    else:
        facets["mode"] = _mode_counts(model, model.cooperation_modes, COOPERATION_MODES, conditions(filters, ids))
        counts = dict(db.session.execute(select(model.is_bounty, func.count())
                                         .where(*conditions(filters, ids, "bounty")).group_by(model.is_bounty)).all())
        facets["bounty"] = [(value, counts[flag]) for value, flag in (("yes", True), ("no", False))
                            if counts.get(flag)]
    return facets
