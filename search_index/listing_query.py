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
GROUPED = ("field", "region", "maturity", "bounty")  # facets with one value per listing


def _delimited(column):
    return literal(";") + column + literal(";")


def _amount(model):
    return model.price_fen if model is TechResult else model.budget_fen


def conditions(filters: ListingFilters, ids: list[int] | None = None, skip=()) -> list:
    """SQL conditions for the filters (and the ids a query matched), leaving out the facet filters in `skip`."""
    model = MODELS[filters.kind]
    conds = [model.status == ListingStatus.PUBLISHED]
    if ids is not None:
        conds.append(model.id.in_(ids) if ids else false())
    if filters.field and "field" not in skip:
        conds.append(model.field == filters.field)
    if filters.region is not None and "region" not in skip:
        if filters.region.is_province:
            conds.append(model.region_code.in_(
                select(Region.code).where(Region.province_code == filters.region.code)))
        else:
            conds.append(model.region_code == filters.region.code)
    if filters.amount_min is not None:
        conds.append(_amount(model) >= filters.amount_min)
    if filters.amount_max is not None:
        conds.append(_amount(model) <= filters.amount_max)
    if filters.mode and "mode" not in skip:
        modes = model.transfer_modes if model is TechResult else model.cooperation_modes
        conds.append(_delimited(modes).like(f"%;{filters.mode};%"))
    if model is TechResult:
        if filters.maturity and "maturity" not in skip:
            conds.append(model.maturity == filters.maturity)
    else:
        if filters.bounty and "bounty" not in skip:
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


def use_memo(memo) -> None:
    """Keep the counts and facets of a filter set with `memo(key, compute)` (the app's cache); default: none.

    The key holds the kind, every filter, the ids a query matched and today's date; the
    memo must drop a value once any listing, organisation or region was written.
    """
    _memo["fn"] = memo


_memo = {"fn": lambda _key, compute: compute()}


def _figures(filters: ListingFilters, ids: list[int] | None) -> tuple[int, list[int] | None, dict]:
    """(total, the matched ids passing the filters in rank order or None, facet counts), kept by the memo."""
    region = filters.region.code if filters.region is not None else None
    key = (filters.kind, filters.field, region, filters.maturity, filters.mode, filters.amount_min,
           filters.amount_max, filters.bounty, filters.show_expired, tuple(ids) if ids is not None else None,
           date.today())

    def compute():
        model = MODELS[filters.kind]
        conds = conditions(filters, ids)
        if ids is not None:
            passing = set(db.session.scalars(select(model.id).where(*conds)))
            matching = [i for i in ids if i in passing]
            total = len(matching)
        else:
            matching, total = None, db.session.scalar(select(func.count()).select_from(model).where(*conds))
        return total, matching, _facet_counts(filters, ids)

    return _memo["fn"](key, compute)


def listing_page(filters: ListingFilters, ids: list[int] | None, sort: str, page: int, per_page: int,
                 clamp: bool = False) -> tuple[int, int, list]:
    """(total, page, listings of that page): in rank order for `relevance` with ids, else in `sort` order.

    With `clamp`, a page past the end shows the last one.
    """
    model = MODELS[filters.kind]
    total, matching, _facets = _figures(filters, ids)
    if clamp:
        page = min(page, max(1, -(-total // per_page)))
    offset = (page - 1) * per_page
    if matching is not None and sort == "relevance":
        chosen = matching[offset:offset + per_page]
        rows = {row.id: row for row in db.session.scalars(select(model).where(model.id.in_(chosen))).unique()}
        return total, page, [rows[i] for i in chosen if i in rows]
    stmt = (select(model).where(*conditions(filters, ids)).order_by(*order(filters.kind, sort))
            .limit(per_page).offset(offset))
    return total, page, db.session.scalars(stmt).unique().all()


def _in_order(counts: dict, values) -> list[tuple[str, int]]:
    return [(value, counts[value]) for value in values if counts.get(value)]


def _by_count(counts: dict) -> list[tuple[str, int]]:
    return sorted(((value, n) for value, n in counts.items() if value and n), key=lambda kv: (-kv[1], kv[0]))


class _Group:
    """One combination of facet values among the matching listings, and how many listings have it."""

    __slots__ = ("field", "province", "city", "maturity", "bounty", "count")

    def __init__(self, row, is_result: bool):
        self.field, self.province, self.city, extra, self.count = row
        self.maturity, self.bounty = (extra, None) if is_result else (None, bool(extra))

    def passes(self, filters: ListingFilters, but: str) -> bool:
        """Whether the group passes every facet filter except `but`'s own."""
        if filters.field and but != "field" and self.field != filters.field:
            return False
        if filters.region is not None and but != "region":
            code = filters.region.code
            if (self.province if filters.region.is_province else self.city) != code:
                return False
        if filters.kind == "result":
            if filters.maturity and but != "maturity" and self.maturity != filters.maturity:
                return False
        elif filters.bounty and but != "bounty" and not self.bounty:
            return False
        return True


def _groups(filters: ListingFilters, ids: list[int] | None) -> list[_Group]:
    """The matching listings grouped by their single-valued facets, those facets' filters left out."""
    model = MODELS[filters.kind]
    is_result = model is TechResult
    columns = [model.field, Region.province_code, model.region_code, model.maturity if is_result else model.is_bounty]
    stmt = (select(*columns, func.count(model.id)).outerjoin(Region, model.region_code == Region.code)
            .where(*conditions(filters, ids, skip=GROUPED)).group_by(*columns))
    return [_Group(row, is_result) for row in db.session.execute(stmt)]


def _mode_counts(filters: ListingFilters, ids: list[int] | None) -> list[tuple[str, int]]:
    """Listings per mode (a listing has several), without the mode filter."""
    model = MODELS[filters.kind]
    column, modes = ((model.transfer_modes, TRANSFER_MODES) if model is TechResult
                     else (model.cooperation_modes, COOPERATION_MODES))
    sums = db.session.execute(select(*[func.sum(case((_delimited(column).like(f"%;{m};%"), 1), else_=0))
                                       for m in modes]).where(*conditions(filters, ids, skip=("mode",)))).one()
    return [(m, int(n)) for m, n in zip(modes, sums) if n]


def _sums(groups, filters: ListingFilters, facet: str, value_of) -> dict:
    counts: dict = {}
    for group in groups:
        if group.passes(filters, facet):
            value = value_of(group)
            counts[value] = counts.get(value, 0) + group.count
    return counts


def facet_counts(filters: ListingFilters, ids: list[int] | None = None) -> dict[str, list[tuple[str, int]]]:
    """Counts per facet value (see `_facet_counts`), kept by the memo."""
    return _figures(filters, ids)[2]


def _facet_counts(filters: ListingFilters, ids: list[int] | None) -> dict[str, list[tuple[str, int]]]:
    """Counts per facet value; each facet ignores its own filter, so the alternatives stay visible.

    field, maturity and mode in vocabulary order; province and city most frequent first;
    bounty as yes/no. Facets a kind does not have are empty. Two queries: listings grouped
    by their single-valued facets (counted here, each without its own filter), and the modes.
    """
    groups = _groups(filters, ids)
    facets = {name: [] for name in FACET_NAMES}
    facets["field"] = _in_order(_sums(groups, filters, "field", lambda g: g.field), TECH_FIELDS)
    facets["province"] = _by_count(_sums(groups, filters, "region", lambda g: g.province))
    facets["city"] = _by_count(_sums(groups, filters, "region", lambda g: g.city))
    facets["mode"] = _mode_counts(filters, ids)
    if filters.kind == "result":
        facets["maturity"] = _in_order(_sums(groups, filters, "maturity", lambda g: g.maturity), MATURITY_LEVELS)
    else:
        bounty = _sums(groups, filters, "bounty", lambda g: g.bounty)
        facets["bounty"] = [(value, bounty[flag]) for value, flag in (("yes", True), ("no", False))
                            if bounty.get(flag)]
    return facets
