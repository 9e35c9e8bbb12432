"""Browse filters: turn GET arguments into validated BrowseParams.

Invalid values never raise: each one is dropped and explained in `messages`. The
filters themselves are read by search_index.parse_filters, as for the API.
"""
from dataclasses import dataclass, field as dc_field

import search_index
from marketplace.api.pagination import MAX_PAGE
from search_index import ListingFilters

MAX_Q_LENGTH = search_index.MAX_QUERY_CHARS  # the index's own cap
SORTS = {
    "result": {"relevance": "相关度", "newest": "最新发布", "price_asc": "价格从低到高", "price_desc": "价格从高到低"},
    "need": {"relevance": "相关度", "newest": "最新发布", "budget_asc": "预算从低到高", "budget_desc": "预算从高到低",
             "deadline": "截止日期最近"},
}
AMOUNT_PARAMS = search_index.AMOUNT_KEYS  # (low, high, label) argument names per kind


@dataclass
class BrowseParams(ListingFilters):
    """Validated filters plus the query, sort and page; anything invalid is dropped and explained in `messages`."""

    q: str = ""
    sort: str = "newest"
    page: int = 1
    messages: list[str] = dc_field(default_factory=list)

    @property
    def has_filters(self) -> bool:
        return bool(self.q or self.field or self.region or self.maturity or self.mode or self.bounty
                     or self.amount_min is not None or self.amount_max is not None)


def _one(args, name: str) -> str:
    # Control characters (NUL in particular, which PostgreSQL rejects) become spaces.
    value = args.get(name, "")
    return search_index.plain_value(value) if isinstance(value, str) else ""


def _page(args, params) -> int:
    text = _one(args, "page")
    if not text:
        return 1
    try:
        page = int(text)
    except ValueError:
        params.messages.append("页码无效，已显示第 1 页。")
        return 1
    if page < 1:
        params.messages.append("页码无效，已显示第 1 页。")
        return 1
    return min(page, MAX_PAGE)


def parse_params(kind: str, args) -> BrowseParams:
    """Turn GET arguments into BrowseParams; bad values become messages, never errors."""
    params = BrowseParams(kind=kind)
    q = " ".join(_one(args, "q").split())
    if len(q) > MAX_Q_LENGTH:
        params.messages.append(f"搜索词过长，只按前 {MAX_Q_LENGTH} 个字搜索。")
        q = q[:MAX_Q_LENGTH].strip()
    params.q = q
    if q:
        params.raw["q"] = q
    search_index.parse_filters(kind, args, into=params)
    params.messages += [f"{error}已忽略该条件。" for error in params.errors]
    # With a query the default order is relevance; without one there is nothing to rank by.
    default = "relevance" if params.q else "newest"
    params.sort = default
    sort = _one(args, "sort")
    if sort and sort not in SORTS[kind]:
        params.messages.append(f"未知的排序方式，已按{SORTS[kind][default]}排序。")
    elif sort and (sort != "relevance" or params.q):
        params.sort = sort
        if sort != default:
            params.raw["sort"] = sort
    params.page = _page(args, params)
    return params
