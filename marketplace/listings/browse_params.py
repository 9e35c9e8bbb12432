"""Browse filters: turn GET arguments into validated BrowseParams.

Invalid values never raise: each one is dropped and explained in `messages`.
"""
from dataclasses import dataclass, field as dc_field

from marketplace.money import MoneyError, parse_wan
from models import Region, db
from models.vocab import MATURITY_LEVELS, TECH_FIELDS, TRANSFER_MODES
from search_index.query import MAX_QUERY_CHARS as MAX_Q_LENGTH  # the index's own cap

MAX_PAGE = 10**6
SORTS = {
    "result": {"relevance": "相关度", "newest": "最新发布", "price_asc": "价格从低到高", "price_desc": "价格从高到低"},
    "need": {"relevance": "相关度", "newest": "最新发布", "budget_asc": "预算从低到高", "budget_desc": "预算从高到低",
             "deadline": "截止日期最近"},
}
AMOUNT_PARAMS = {"result": ("price_min", "price_max", "价格"), "need": ("budget_min", "budget_max", "预算")}


@dataclass
class BrowseParams:
    """Validated filters; anything invalid is dropped and explained in `messages`."""

    kind: str
    q: str = ""
    field: str | None = None
    region: Region | None = None
    maturity: str | None = None
    mode: str | None = None
    amount_min: int | None = None  # fen
    amount_max: int | None = None  # fen
    bounty: bool = False
    show_expired: bool = False
    sort: str = "newest"
    page: int = 1
    messages: list[str] = dc_field(default_factory=list)
    raw: dict[str, str] = dc_field(default_factory=dict)  # the accepted values, as typed

    @property
    def has_filters(self) -> bool:
        return bool(self.q or self.field or self.region or self.maturity or self.mode or self.bounty
                     or self.amount_min is not None or self.amount_max is not None)


_CONTROL_CHARS = dict.fromkeys([*range(32), 127], " ")


def _one(args, name: str) -> str:
    # Control characters (NUL in particular, which PostgreSQL rejects) become spaces.
    value = args.get(name, "")
    return value.translate(_CONTROL_CHARS).strip() if isinstance(value, str) else ""


def _vocab(args, name, values, label, params):
    value = _one(args, name)
    if not value:
        return None
    if value not in values:
        params.messages.append(f"未知的{label}“{value[:20]}”，已忽略该条件。")
        return None
    params.raw[name] = value
    return value


def _region(args, params):
    code = _one(args, "region")
    if not code:
        return None
    region = db.session.get(Region, code) if code.isdigit() and len(code) == 6 else None
    if region is None:
        params.messages.append(f"未知的地区代码“{code[:20]}”，已忽略该条件。")
        return None
    params.raw["region"] = code
    return region


def _amount(args, name, label, params):
    text = _one(args, name)
    if not text:
        return None
    try:
        fen = parse_wan(text)
    except MoneyError as exc:
        params.messages.append(f"{label}：{exc}已忽略该条件。")
        return None
    params.raw[name] = text
    return fen


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
    params.field = _vocab(args, "field", TECH_FIELDS, "技术领域", params)
    params.region = _region(args, params)
    low_name, high_name, label = AMOUNT_PARAMS[kind]
    params.amount_min = _amount(args, low_name, f"最低{label}", params)
    params.amount_max = _amount(args, high_name, f"最高{label}", params)
    if params.amount_min is not None and params.amount_max is not None and params.amount_min > params.amount_max:
        params.messages.append(f"最低{label}高于最高{label}，已忽略{label}区间。")
        params.amount_min = params.amount_max = None
        params.raw.pop(low_name, None)
        params.raw.pop(high_name, None)
    if kind == "result":
        params.maturity = _vocab(args, "maturity", MATURITY_LEVELS, "成熟度", params)
        params.mode = _vocab(args, "mode", TRANSFER_MODES, "转化方式", params)
    else:
        params.bounty = _one(args, "bounty") == "1"
        params.show_expired = _one(args, "expired") == "1"
        for name, on in (("bounty", params.bounty), ("expired", params.show_expired)):
            if on:
                params.raw[name] = "1"
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
