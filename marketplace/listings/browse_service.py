"""Browsing published listings: one page, facet counts and highlights for the browse pages.

`browse(kind, params)` is the single entry point. The index ranks the listings
matching the text (`text_match`); filters, counts, pages and facets are
search_index's database side, the same the search API uses.
"""
from dataclasses import dataclass, field as dc_field

import search_index

from marketplace.listings.browse_params import BrowseParams

PER_PAGE = 20


@dataclass
class TextMatch:
    """What the text search contributes: the matching ids best first, and the words to highlight."""

    ranked_ids: list[int]
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
    try:
        ids, units, notice = search_index.ranked_ids(kind, q)
    except search_index.SearchError as exc:
        messages.append(str(exc))
        return TextMatch(ranked_ids=[])
    if notice:
        messages.append(notice)
    return TextMatch(ranked_ids=ids, units=units)


def page_facets(kind: str, facets: dict) -> dict[str, list[tuple[str, int]]]:
    """The facets the browse pages show: provinces as `region`, 揭榜挂帅 as bounty=1."""
    shown = {"field": facets["field"], "region": facets["province"]}
    if kind == "result":
        shown.update(maturity=facets["maturity"], mode=facets["mode"])
    else:
        shown["bounty"] = [("1", n) for value, n in facets["bounty"] if value == "yes"]
    return shown


def browse(kind: str, params: BrowseParams) -> BrowsePage:
    """One page of published listings matching `params`, with facet counts and highlights."""
    text = text_match(kind, params.q, params.messages) if params.q else None
    ids = text.ranked_ids if text else None
    total, page, items = search_index.listing_page(params, ids, params.sort, params.page, PER_PAGE, clamp=True)
    highlights = {item.id: search_index.highlight(item.body, text.units) for item in items} if text else {}
    return BrowsePage(items=items, total=total, page=page, per_page=PER_PAGE,
                      facets=page_facets(kind, search_index.facet_counts(params, ids)), highlights=highlights)

