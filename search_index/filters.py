"""Listing filters: the one parser of filter input, for the browse pages, the API lists and search.

Each bad value gives one message (`ListingFilters.errors`) and is left out: the
pages show the messages and carry on, the API answers 400 with the first one.
Amounts are typed in 万元 (a form, a URL) or given as integer fen (Python callers).
"""
from dataclasses import dataclass, field as dc_field

from marketplace.money import MoneyError, parse_wan
from models import Region, db
from models.listing import MAX_AMOUNT_FEN
from models.vocab import COOPERATION_MODES, MATURITY_LEVELS, TECH_FIELDS, TRANSFER_MODES

KINDS = ("result", "need")
AMOUNT_KEYS = {"result": ("price_min", "price_max", "价格"), "need": ("budget_min", "budget_max", "预算")}
CHOICES = {"field": (TECH_FIELDS, "技术领域"), "maturity": (MATURITY_LEVELS, "成熟度")}
# `mode` is a result's transfer mode (转化方式) or a need's cooperation mode (合作方式).
MODES = {"result": (TRANSFER_MODES, "转化方式"), "need": (COOPERATION_MODES, "合作方式")}
FLAGS = {"bounty": ("bounty", "揭榜挂帅"), "expired": ("show_expired", "含已过期")}
AMOUNT_LABELS = {"price_min": "价格", "price_max": "价格", "budget_min": "预算", "budget_max": "预算"}
FILTER_KEYS = {
    "result": ("field", "region", "maturity", "mode", "price_min", "price_max"),
    "need": ("field", "region", "mode", "bounty", "expired", "budget_min", "budget_max"),
}
ALL_KEYS = ("field", "region", "maturity", "mode", "bounty", "expired", "price_min", "price_max", "budget_min",
            "budget_max")
_CONTROL_CHARS = dict.fromkeys([*range(32), 127], " ")


class SearchError(ValueError):
    """A query or filter we refuse; the message is shown to the user as is."""


class FilterError(SearchError):
    """A filter value we refuse."""


@dataclass
class ListingFilters:
    """Validated filters of one listing kind; what was refused is explained in `errors`."""

    kind: str
    field: str | None = None
    region: Region | None = None
    maturity: str | None = None
    mode: str | None = None
    amount_min: int | None = None  # fen
    amount_max: int | None = None  # fen
    bounty: bool = False
    show_expired: bool = False
    errors: list[str] = dc_field(default_factory=list)
    raw: dict[str, str] = dc_field(default_factory=dict)  # the accepted values, as typed

    def check(self) -> "ListingFilters":
        """Raise FilterError with the first problem, if any."""
        if self.errors:
            raise FilterError(self.errors[0])
        return self


def plain_value(value) -> str:
    """A typed filter value as clean text (control characters become spaces, ends stripped)."""
    # Control characters (NUL in particular, which PostgreSQL rejects) become spaces.
    return str(value).translate(_CONTROL_CHARS).strip() if isinstance(value, (str, int)) else ""


def _amount(value) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        if not 0 <= value <= MAX_AMOUNT_FEN:
            raise MoneyError("金额超出范围。")
        return value
    return parse_wan(plain_value(value))


def _flag(text: str, label: str) -> bool:
    folded = text.lower()
    if folded not in ("1", "0", "true", "false", "yes", "no"):
        raise FilterError(f"{label}筛选值无效，应为 true 或 false。")
    return folded in ("1", "true", "yes")


def _region(code: str) -> Region:
    region = db.session.get(Region, code) if code.isascii() and code.isdigit() and len(code) == 6 else None
    if region is None:
        raise FilterError(f"地区代码无效：未知的地区代码“{code[:20]}”。")
    return region


def _value(kind: str, key: str, value, text: str):
    """(attribute, parsed value) of one filter; raises FilterError."""
    if key in CHOICES or key == "mode":
        allowed, label = MODES[kind] if key == "mode" else CHOICES[key]
        if text not in allowed:
            raise FilterError(f"未知的{label}“{text[:20]}”。")
        return key, text
    if key == "region":
        return "region", _region(text)
    if key in FLAGS:
        name, label = FLAGS[key]
        return name, _flag(text, label)
    label = AMOUNT_LABELS[key]
    bound = "最低" if key.endswith("_min") else "最高"
    try:
        return "amount_min" if key.endswith("_min") else "amount_max", _amount(value)
    except MoneyError as exc:
        raise FilterError(f"{label}区间无效（{bound}{label}）：{exc}") from None


def parse_filters(kind: str, args, into: ListingFilters | None = None, strict_keys: bool = False) -> ListingFilters:
    """Read the filters of `kind` from `args` (request args or a dict) into `into` or new ListingFilters.

    Empty values are ignored, and so are other keys of `args`, unless `strict_keys` (a dict of filters
    only). A filter of the other kind (bounty for results) is checked but does not apply.
    """
    if kind not in KINDS:
        raise SearchError("未知的检索类型。")
    found = into if into is not None else ListingFilters(kind=kind)
    if strict_keys:
        found.errors += [f"未知的筛选条件：{key}" for key in args if key not in ALL_KEYS]
    for key in ALL_KEYS:
        value = args.get(key)
        text = plain_value(value)
        if not text:
            continue
        try:
            name, parsed = _value(kind, key, value, text)
        except FilterError as exc:
            found.errors.append(str(exc))
            continue
        if key in FILTER_KEYS[kind]:
            setattr(found, name, parsed)
            if parsed is not False:  # a flag that is off is the default: nothing to keep in the page's links
                found.raw[key] = text
    _check_range(kind, found)
    return found


def _check_range(kind: str, found: ListingFilters) -> None:
    low, high, label = AMOUNT_KEYS[kind]
    if found.amount_min is not None and found.amount_max is not None and found.amount_min > found.amount_max:
        found.errors.append(f"{label}区间无效：最低{label}高于最高{label}。")
        found.amount_min = found.amount_max = None
        found.raw.pop(low, None)
        found.raw.pop(high, None)
