"""Search filters and facet counts, evaluated on the per-document facet table."""
from collections import Counter
from itertools import chain

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


def apply_filters(table, docs: list[int], checks) -> list[int]:
    """The documents passing every check."""
    for key, value in checks:
        if key == "mode":
            column = table.column("modes")
            docs = [d for d in docs if value in column[d]]
        elif key in ("price_min", "price_max"):
            column = table.column("price")
            if key == "price_min":
                docs = [d for d in docs if column[d] != NO_PRICE and column[d] >= value]
            else:
                docs = [d for d in docs if column[d] != NO_PRICE and column[d] <= value]
        else:
            column = table.column(key)
            docs = [d for d in docs if column[d] == value]
    return docs


def facet_counts(kind: str, table, docs: list[int]) -> dict[str, list[tuple[str, int]]]:
    """Counts per facet value over the matching documents, most frequent first."""
    result = {name: [] for name in ("field", "province", "city", "maturity", "mode", "bounty")}
    if not docs:
        return result
    for name in FACETS[kind]:
        if name == "mode":
            column = table.column("modes")
            counter = Counter(chain.from_iterable(map(column.__getitem__, docs)))
        else:
            counter = Counter(map(table.column(name).__getitem__, docs))
        result[name] = sorted(((v, n) for v, n in counter.items() if v), key=lambda kv: (-kv[1], kv[0]))
    return result
