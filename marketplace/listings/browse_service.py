"""Browsing published listings: build the filtered query, one page, facet counts.

`browse(kind, params)` is the single entry point. The free-text part lives in
`text_match()` only, so a search engine can later supply ranked ids and
highlights there without touching the filters, facets or pages.
"""
from dataclasses import dataclass, field as dc_field
from datetime import date

from sqlalchemy import case, false, func, literal, or_, select

import search_index

from marketplace.listings.browse_params import BrowseParams
from models import ListingStatus, Region, TechNeed, TechResult, db
from models.vocab import MATURITY_LEVELS, TECH_FIELDS, TRANSFER_MODES

MODELS = {"result": TechResult, "need": TechNeed}
PER_PAGE = 20


@dataclass
class TextMatch:
    """What the text search contributes: a SQL condition, optional rank order, highlights."""

    condition: object
    ranked_ids: list[int] | None = None
    units: list[str] = dc_field(default_factory=list)


@dataclass
class BrowsePage:
    """One page of listings (model objects, in order) with the total and facet counts."""

    items: list
    total: int
    page: int
    per_page: int
    facets: dict[str, list[tuple[str, int]]]
    highlights: dict[int, str] = dc_field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def first_index(self) -> int:
        return (self.page - 1) * self.per_page + 1 if self.total else 0

    @property
    def last_index(self) -> int:
        return min(self.total, self.page * self.per_page)


def text_match(kind: str, q: str, messages: list[str]) -> TextMatch:
    """The q-path: the search index ranks the listings matching `q` (best first).

    Filters, facets, counts and pages then run in the database over those ids, so
    the browse pages behave the same with and without a query. A query the index
    refuses (too long, too slow) is explained in `messages` and matches nothing.
    """
    model = MODELS[kind]
    try:
        ids, units, notice = search_index.ranked_ids(kind, q)
    except search_index.SearchError as exc:
        messages.append(str(exc))
        return TextMatch(condition=false(), ranked_ids=[])
    if notice:
        messages.append(notice)
    return TextMatch(condition=model.id.in_(ids) if ids else false(), ranked_ids=ids, units=units)


def _delimited(column):
    return literal(";") + column + literal(";")


def _conditions(params: BrowseParams, text: TextMatch | None, skip: str | None = None) -> list:
    """SQL conditions for the filter set; `skip` leaves one facet's own filter out."""
    model = MODELS[params.kind]
    conds = [model.status == ListingStatus.PUBLISHED]
    if text is not None:
        conds.append(text.condition)
    if params.field and skip != "field":
        conds.append(model.field == params.field)
    if params.region is not None and skip != "region":
        if params.region.is_province:
            conds.append(model.region_code.in_(
                select(Region.code).where(Region.province_code == params.region.code)))
        else:
            conds.append(model.region_code == params.region.code)
    amount = model.price_fen if model is TechResult else model.budget_fen
    if params.amount_min is not None:
        conds.append(amount >= params.amount_min)
    if params.amount_max is not None:
        conds.append(amount <= params.amount_max)
    if model is TechResult:
        if params.maturity and skip != "maturity":
            conds.append(model.maturity == params.maturity)
        if params.mode and skip != "mode":
            conds.append(_delimited(model.transfer_modes).like(f"%;{params.mode};%"))
    else:
        if params.bounty and skip != "bounty":
            conds.append(model.is_bounty.is_(True))
        if not params.show_expired:
            conds.append(or_(model.deadline.is_(None), model.deadline >= date.today()))
    return conds


def _order(params: BrowseParams, text: TextMatch | None) -> list:
    model = MODELS[params.kind]
    amount = model.price_fen if model is TechResult else model.budget_fen
    newest = [model.published_at.desc(), model.id.desc()]
    if params.sort.endswith("_asc"):
        return [amount.is_(None), amount.asc(), *newest]  # 面议 last
    if params.sort.endswith("_desc"):
        return [amount.is_(None), amount.desc(), *newest]
    if params.sort == "deadline":
        return [model.deadline.is_(None), model.deadline.asc(), *newest]
    return newest


def _count(model, conds) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*conds))


def facet_counts(params: BrowseParams, text: TextMatch | None) -> dict[str, list[tuple[str, int]]]:
    """Counts per facet value; each facet ignores its own filter so alternatives stay visible."""
    model = MODELS[params.kind]
    facets = {}
    rows = db.session.execute(select(model.field, func.count()).where(*_conditions(params, text, "field"))
                              .group_by(model.field)).all()
    counts = dict(rows)
    facets["field"] = [(f, counts[f]) for f in TECH_FIELDS if counts.get(f)]
    rows = db.session.execute(
        select(Region.province_code, func.count(model.id)).join(Region, model.region_code == Region.code)
        .where(*_conditions(params, text, "region")).group_by(Region.province_code)
        .order_by(func.count(model.id).desc(), Region.province_code)).all()
    facets["region"] = [(code, n) for code, n in rows]
    if model is TechResult:
        counts = dict(db.session.execute(select(model.maturity, func.count())
                                         .where(*_conditions(params, text, "maturity"))
                                         .group_by(model.maturity)).all())
        facets["maturity"] = [(m, counts[m]) for m in MATURITY_LEVELS if counts.get(m)]
        columns = [func.sum(case((_delimited(model.transfer_modes).like(f"%;{m};%"), 1), else_=0))
                   for m in TRANSFER_MODES]
        sums = db.session.execute(select(*columns).where(*_conditions(params, text, "mode"))).one()
        facets["mode"] = [(m, int(n or 0)) for m, n in zip(TRANSFER_MODES, sums) if n]
    else:
        counts = dict(db.session.execute(select(model.is_bounty, func.count())
                                         .where(*_conditions(params, text, "bounty"))
                                         .group_by(model.is_bounty)).all())
        facets["bounty"] = [("1", counts[True])] if counts.get(True) else []
    return facets


def _page_items(model, params: BrowseParams, text: TextMatch | None, conds: list, total: int):
    """The listings of the requested page, in relevance order when there is a query and no other sort."""
    pages = max(1, -(-total // PER_PAGE))
    page = min(params.page, pages)
    offset = (page - 1) * PER_PAGE
    if text is not None and params.sort == "relevance":
        matching = set(db.session.scalars(select(model.id).where(*conds)))
        ordered = [i for i in text.ranked_ids if i in matching][offset:offset + PER_PAGE]
        rows = {row.id: row for row in db.session.scalars(select(model).where(model.id.in_(ordered))).unique()}
        return page, [rows[i] for i in ordered if i in rows]
    stmt = select(model).where(*conds).order_by(*_order(params, text)).limit(PER_PAGE).offset(offset)
    return page, db.session.scalars(stmt).unique().all()


def browse(kind: str, params: BrowseParams) -> BrowsePage:
    """One page of published listings matching `params`, with facet counts and highlights."""
    model = MODELS[kind]
    text = text_match(kind, params.q, params.messages) if params.q else None
    conds = _conditions(params, text)
    total = _count(model, conds)
    page, items = _page_items(model, params, text, conds, total)
    highlights = {item.id: search_index.highlight(item.body, text.units) for item in items} if text else {}
    return BrowsePage(items=items, total=total, page=page, per_page=PER_PAGE,
                      facets=facet_counts(params, text), highlights=highlights)


def filtered_select(params: BrowseParams):
    """Published listings matching the filters of `params` (no text query), in its order: for the API's lists."""
    model = MODELS[params.kind]
    return select(model).where(*_conditions(params, None)).order_by(*_order(params, None))


def province_names() -> dict[str, str]:
    """Province code → name, for facet labels."""
    rows = db.session.execute(select(Region.code, Region.name).where(Region.code == Region.province_code))
    return dict(rows.all())
