"""Regular expressions that state a rule exactly, for the API's document and its validation alike.

JSON Schema has no date bounds and no decimal arithmetic, so the rules "a date from
1990-01-01 to today" or "an amount above zero with at most two decimals" are written
as patterns. Each pattern here is built from the same bounds the forms check, uses
only what ECMA-262 and Python's `re` read the same way (no \\s, \\d, \\w or look-arounds),
and is tested against the Python predicate it stands for (tests/test_api_inputs.py).
"""
import calendar
import re
from datetime import date
from functools import lru_cache

# Characters str.strip() removes or the form filters drop (whitespace and control characters):
# a value made only of these is blank once cleaned.
BLANK_CHARS = "\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\x00-\\x1f\\x7f-\\x9f"
NOT_BLANK = f"[^{BLANK_CHARS}]"
# Yuan as text: no sign, no exponent, no leading zeros, at most two decimals, below 1000 亿元.
YUAN = r"^(?:0|[1-9][0-9]{0,10})(?:\.[0-9]{1,2})?$"
# 万元 as text (search filters): at most six decimals, below 1000 亿元.
WAN = r"^(?:0|[1-9][0-9]{0,6})(?:\.[0-9]{1,6})?$"
YUAN_ABOVE_ZERO = r"^(?:[1-9][0-9]{0,10}(?:\.[0-9]{1,2})?|0\.(?:0[1-9]|[1-9][0-9]?))$"


@lru_cache(maxsize=256)
def python_regex(pattern: str) -> re.Pattern:
    """`pattern` as ECMA-262 reads it, for Python's `re`: there `$` also matches before a final newline."""
    return re.compile(re.sub(r"(?<!\\)\$", r"\\Z", pattern))


def int_range(low: int, high: int, width: int) -> str:
    """A regex (no anchors) for the zero-padded `width`-digit numbers from `low` to `high`."""
    if low > high:
        raise ValueError("empty range")
    if width == 1:
        return str(low) if low == high else f"[{low}-{high}]"
    unit = 10 ** (width - 1)
    first_low, rest_low = divmod(low, unit)
    first_high, rest_high = divmod(high, unit)
    def tail_of(first: int, low_rest: int, high_rest: int) -> str:
        inner = int_range(low_rest, high_rest, width - 1)
        return f"{first}{inner}" if width == 2 else f"{first}(?:{inner})"

    if first_low == first_high:
        return tail_of(first_low, rest_low, rest_high)
    parts = []
    middle_low, middle_high = first_low + 1, first_high - 1
    if rest_low == 0:
        middle_low = first_low
    else:
        parts.append(tail_of(first_low, rest_low, unit - 1))
    if rest_high == unit - 1:
        middle_high = first_high
    tail = None if rest_high == unit - 1 else tail_of(first_high, 0, rest_high)
    if middle_low <= middle_high:
        digits = str(middle_low) if middle_low == middle_high else f"[{middle_low}-{middle_high}]"
        rest = "[0-9]" if width == 2 else f"[0-9]{{{width - 1}}}"
        parts.append(f"{digits}{rest}")
    if tail:
        parts.append(tail)
    return "|".join(parts)


def one_of(codes) -> str:
    """An anchored regex matching exactly the given codes (grouped by their first two characters)."""
    groups: dict[str, list[str]] = {}
    for code in sorted(set(codes)):
        groups.setdefault(code[:2], []).append(re.escape(code[2:]))
    parts = [f"{head}(?:{'|'.join(tails)})" if len(tails) > 1 else head + tails[0] for head, tails in groups.items()]
    return "^(?:" + "|".join(parts) + ")$" if parts else "^(?!)$"


def _alternatives(values: list[int]) -> str:
    texts = [f"{value:02d}" for value in values]
    return texts[0] if len(texts) == 1 else "(?:" + "|".join(texts) + ")"


def _days(month: int, first: int, last: int) -> str:
    return f"{month:02d}-(?:{int_range(first, last, 2)})"


def _full_months(year: int, months: list[int]) -> list[str]:
    """Every day of the given months of `year`, grouped by how long the months are."""
    if not months:
        return []
    parts = [f"{_alternatives(months)}-(?:0[1-9]|1[0-9]|2[0-8])"]
    long_enough = [m for m in months if m != 2]
    if long_enough:
        parts.append(f"{_alternatives(long_enough)}-(?:29|30)")
    longest = [m for m in months if calendar.monthrange(2001, m)[1] == 31]
    if longest:
        parts.append(f"{_alternatives(longest)}-31")
    if 2 in months and calendar.isleap(year):
        parts.append("02-29")
    return parts


def _within_year(year: int, start: date, end: date) -> str:
    """Month-day alternatives from `start` to `end` (both in `year`)."""
    last_day = calendar.monthrange(year, end.month)[1]
    if start.month == end.month and not (start.day == 1 and end.day == last_day):
        return _days(start.month, start.day, end.day)
    first_full = start.month if start.day == 1 else start.month + 1
    last_full = end.month if end.day == last_day else end.month - 1
    parts = [] if first_full == start.month else [
        _days(start.month, start.day, calendar.monthrange(year, start.month)[1])]
    parts += _full_months(year, list(range(first_full, last_full + 1)))
    if last_full != end.month:
        parts.append(_days(end.month, 1, end.day))
    return "|".join(parts)


def date_pattern(low: date, high: date) -> str:
    """An anchored regex matching exactly the real dates from `low` to `high`, written YYYY-MM-DD."""
    if low > high or low.year < 1000:
        raise ValueError("empty or unsupported range")
    if low.year == high.year:
        return f"^{low.year}-(?:{_within_year(low.year, low, high)})$"
    parts = [f"{low.year}-(?:{_within_year(low.year, low, date(low.year, 12, 31))})"]
    first_full, last_full = low.year + 1, high.year - 1
    if first_full <= last_full:
        # Every full year has the days of a common year, and leap years 29 February.
        common = _within_year(2001, date(2001, 1, 1), date(2001, 12, 31))
        parts.append(f"(?:{int_range(first_full, last_full, 4)})-(?:{common})")
        leaps = [str(year) for year in range(first_full, last_full + 1) if calendar.isleap(year)]
        if leaps:
            parts.append(f"(?:{'|'.join(leaps)})-02-29")
    parts.append(f"{high.year}-(?:{_within_year(high.year, date(high.year, 1, 1), high)})")
    return "^(?:" + "|".join(parts) + ")$"
