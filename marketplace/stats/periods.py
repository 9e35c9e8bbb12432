"""Statistics periods: a year, a quarter, a month, year-to-date or any range of registration dates."""
import calendar
from dataclasses import dataclass
from datetime import date

from marketplace.errors import DomainError

QUARTER_NAMES = {1: "一", 2: "二", 3: "三", 4: "四"}
KINDS = {"ytd": "年初至今", "year": "全年", "quarter": "季度", "month": "月份", "range": "自定义"}
EARLIEST_YEAR = 1985
LATEST_YEAR = 2099


class StatsError(DomainError, ValueError):
    """Bad statistics input; `code` names it for the API, the message is shown to users."""

    status = 400

    def __init__(self, message: str, code: str = "bad_request"):
        super().__init__(message, code=code)


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _year_earlier(day: date, is_end: bool) -> date:
    """The same day a year earlier; a month's last day maps to that month's last day (29 Feb ↔ 28 Feb)."""
    if is_end and day == _month_end(day.year, day.month):
        return _month_end(day.year - 1, day.month)
    return date(day.year - 1, day.month, min(day.day, calendar.monthrange(day.year - 1, day.month)[1]))


@dataclass(frozen=True)
class Period:
    """An inclusive range of registration dates."""

    start: date
    end: date

    def previous_year(self) -> "Period":
        """The same period a year earlier (for 同比)."""
        return Period(_year_earlier(self.start, False), _year_earlier(self.end, True))

    @property
    def kind(self) -> str:
        """year, quarter, month, ytd (1 January to a date) or range."""
        s, e = self.start, self.end
        if s.year != e.year or s.day != 1:
            return "range"
        if s.month == 1 and e == date(s.year, 12, 31):
            return "year"
        if (s.month - 1) % 3 == 0 and e == _month_end(s.year, s.month + 2):
            return "quarter"
        if e == _month_end(s.year, s.month):
            return "month"
        if s.month == 1:
            return "ytd"
        return "range"

    @property
    def label(self) -> str:
        """How a bulletin names the period: 2025年, 2025年第一季度, 2025年3月, 截至6月11日 …"""
        s, e, kind = self.start, self.end, self.kind
        if kind == "year":
            return f"{s.year}年"
        if kind == "quarter":
            return f"{s.year}年第{QUARTER_NAMES[(s.month - 1) // 3 + 1]}季度"
        if kind == "month":
            return f"{s.year}年{s.month}月"
        if kind == "ytd":
            return f"截至{e.month}月{e.day}日"
        return f"{s.year}年{s.month}月{s.day}日至{e.year}年{e.month}月{e.day}日"

    @property
    def title(self) -> str:
        """A heading that always names the year."""
        return f"{self.start.year}年1月1日{self.label}" if self.kind == "ytd" else self.label

    def months(self) -> list[tuple[int, int]]:
        """(year, month) of every month the period touches, in order."""
        result, year, month = [], self.start.year, self.start.month
        while (year, month) <= (self.end.year, self.end.month):
            result.append((year, month))
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return result


def parse_date(text: str | None, name: str) -> date | None:
    """'2025-06-11' → date; empty → None; anything else → StatsError."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        value = date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        value = None
    if value is None:
        raise StatsError(f"{name}格式不正确，应为 YYYY-MM-DD，如 2025-06-11。", "bad_date")
    if value.year < EARLIEST_YEAR or value.year > LATEST_YEAR:
        raise StatsError(f"{name}超出范围（{EARLIEST_YEAR} 年以后）。", "bad_date")
    return value


def _int(text, name: str, low: int, high: int) -> int:
    try:
        value = int(str(text).strip())
    except (TypeError, ValueError):
        raise StatsError(f"{name}应为整数。", "bad_date") from None
    if not low <= value <= high:
        raise StatsError(f"{name}应在 {low}–{high} 之间。", "bad_date")
    return value


def period_from_dates(start: date | None, end: date | None, today: date | None = None) -> Period:
    """[start, end]; a missing end is today, a missing start is 1 January of the end's year."""
    end = end or today or date.today()
    start = start or date(end.year, 1, 1)
    if start > end:
        raise StatsError("起始日期不能晚于截止日期。", "bad_date")
    return Period(start, end)


def period_from_args(args, today: date | None = None) -> Period:
    """Read a period from query arguments: from/to, or kind=year|quarter|month|ytd with year/quarter/month/to."""
    today = today or date.today()
    kind = (args.get("kind") or "").strip() or ("range" if args.get("from") else "ytd")
    if kind not in KINDS:
        raise StatsError("统计期间类型无效。", "bad_period")
    if kind in ("year", "quarter", "month"):
        year = _int(args.get("year") or today.year, "年份", EARLIEST_YEAR, LATEST_YEAR)
        if kind == "year":
            return Period(date(year, 1, 1), date(year, 12, 31))
        if kind == "quarter":
            quarter = _int(args.get("quarter") or 1, "季度", 1, 4)
            return Period(date(year, 3 * quarter - 2, 1), _month_end(year, 3 * quarter))
        month = _int(args.get("month") or 1, "月份", 1, 12)
        return Period(date(year, month, 1), _month_end(year, month))
    end = parse_date(args.get("to"), "截止日期")
    if kind == "ytd":
        end = end or today
        return Period(date(end.year, 1, 1), end)
    return period_from_dates(parse_date(args.get("from"), "起始日期"), end, today)
