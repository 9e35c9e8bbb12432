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
    if first_low == first_high:
        return f"{first_low}(?:{int_range(rest_low, rest_high, width - 1)})"
    parts = []
    middle_low, middle_high = first_low + 1, first_high - 1
    if rest_low == 0:
        middle_low = first_low
    else:
        parts.append(f"{first_low}(?:{int_range(rest_low, unit - 1, width - 1)})")
    if rest_high == unit - 1:
        middle_high = first_high
    tail = None if rest_high == unit - 1 else f"{first_high}(?:{int_range(0, rest_high, width - 1)})"
    if middle_low <= middle_high:
        digits = str(middle_low) if middle_low == middle_high else f"[{middle_low}-{middle_high}]"
        parts.append(f"{digits}[0-9]{{{width - 1}}}")
    if tail:
        parts.append(tail)
    return "|".join(parts)


def _days(year: int, month: int, first: int, last: int | None = None) -> str:
    last = calendar.monthrange(year, month)[1] if last is None else last
    return f"{month:02d}-(?:{int_range(first, last, 2)})"


def _within_year(year: int, start: date, end: date) -> str:
    """Month-day alternatives from `start` to `end` (both in `year`)."""
    if start.month == end.month:
        return _days(year, start.month, start.day, end.day)
    parts = [_days(year, start.month, start.day)]
    parts += [_days(year, month, 1) for month in range(start.month + 1, end.month)]
    parts.append(_days(year, end.month, 1, end.day))
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
        # Every full year has 29 days in February except that the 29th needs a leap year.
        common = _within_year(2001, date(2001, 1, 1), date(2001, 12, 31))
        parts.append(f"(?:{int_range(first_full, last_full, 4)})-(?:{common})")
        leaps = [str(year) for year in range(first_full, last_full + 1) if calendar.isleap(year)]
        if leaps:
            parts.append(f"(?:{'|'.join(leaps)})-02-29")
    parts.append(f"{high.year}-(?:{_within_year(high.year, date(high.year, 1, 1), high)})")
    return "^(?:" + "|".join(parts) + ")$"
