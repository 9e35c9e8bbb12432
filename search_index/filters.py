"""Search filters and facet counts, evaluated on the per-document facet table."""
from collections import Counter

from search_index.schema import NO_PRICE

FACETS = {
    "result": ("field", "province", "city", "maturity", "mode"),
    "need": ("field", "province", "city", "mode", "bounty"),
}
FILTER_KEYS = ("field", "region", "province", "city", "maturity", "mode", "bounty", "price_min", "price_max")


class SearchError(ValueError):
    """A query or filter we refuse; the message is shown to the user as is."""


FilterError = SearchError


def _fen(value, label: str) -> int:
    if isinstance(value, bool):
        raise FilterError(f"{label}无效。")
    if isinstance(value, int):
        number = value
    else:
        text = str(value).strip()
        if not text.isdigit() or len(text) > 15:
            raise FilterError(f"{label}无效，应为非负整数（分）。")
        number = int(text)
    if number < 0:
        raise FilterError(f"{label}无效。")
    return number


def parse_filters(kind: str, filters: dict | None) -> list[tuple[str, object]]:
    """Turn a filters dict into checks; empty values are ignored, unknown keys refused."""
    checks = []
    for key, value in (filters or {}).items():
        if value is None or value == "":
            continue
        if key not in FILTER_KEYS:
            raise FilterError(f"未知的筛选条件：{key}")
        if key in ("price_min", "price_max"):
            checks.append((key, _fen(value, "价格区间")))
        elif key == "region":
            code = str(value).strip()
            if not (len(code) == 6 and code.isdigit()):
                raise FilterError("地区代码无效。")
            checks.append(("province", code) if code.endswith("0000") else ("city", code))
        elif key == "bounty":
            text = str(value).strip().lower()
            if text not in ("yes", "no", "1", "0", "true", "false"):
                raise FilterError("揭榜挂帅筛选值无效。")
            checks.append(("bounty", "yes" if text in ("yes", "1", "true") else "no"))
        else:
            checks.append((key, str(value).strip()))
    return checks


def matches_filters(row, checks) -> bool:
    """Whether one facet row passes every check."""
    for key, value in checks:
        if key == "mode":
            if value not in row.modes:
                return False
        elif key == "price_min":
            if row.price == NO_PRICE or row.price < value:
                return False
        elif key == "price_max":
            if row.price == NO_PRICE or row.price > value:
                return False
        elif getattr(row, key) != value:
            return False
    return True


def facet_counts(kind: str, rows) -> dict[str, list[tuple[str, int]]]:
    """Counts per facet value over the matching documents, most frequent first."""
    names = FACETS[kind]
    counters = {name: Counter() for name in names}
    for row in rows:
        for name in names:
            if name == "mode":
                counters[name].update(row.modes)
            else:
                value = getattr(row, name)
                if value:
                    counters[name][value] += 1
    result = {name: sorted(counter.items(), key=lambda kv: (-kv[1], kv[0])) for name, counter in counters.items()}
    for name in ("field", "province", "city", "maturity", "mode", "bounty"):
        result.setdefault(name, [])
    return result
