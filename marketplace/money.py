"""Exact money: parse user input into integer fen, format fen for display.

Amounts are stored as integer fen (1 元 = 100 分; 1 万元 = 1,000,000 分).
"""
import re
from decimal import Decimal, InvalidOperation

from marketplace.errors import DomainError
from models.listing import MAX_AMOUNT_FEN

FEN_PER_YUAN = 100
FEN_PER_WAN = 1_000_000
FEN_PER_YI = 10_000 * FEN_PER_WAN

# Plain decimal notation only: no signs, exponents, NaN, infinities or spaces inside.
_PLAIN_DECIMAL = re.compile(r"^\d{1,16}(?:\.\d+)?$")


class MoneyError(DomainError, ValueError):
    """Raised with a user-facing (Chinese) message."""

    status, code = 422, "invalid_amount"


def _parse(text, unit_fen: int, max_places: int, unit_label: str) -> int:
    if text is None:
        raise MoneyError("请填写金额。")
    raw = str(text).strip().replace(",", "").replace("，", "")
    if not raw:
        raise MoneyError("请填写金额。")
    if raw.startswith("-"):
        raise MoneyError("金额不能为负数。")
    if not _PLAIN_DECIMAL.match(raw):
        raise MoneyError(f"金额格式不正确：请填写数字（单位{unit_label}），如 12.50。")
    places = len(raw.split(".", 1)[1]) if "." in raw else 0
    if places > max_places:
        raise MoneyError(f"金额最多保留 {max_places} 位小数（单位{unit_label}）。")
    try:
        value = Decimal(raw)
    except InvalidOperation:  # pragma: no cover - the regex already guards this
        raise MoneyError("金额格式不正确。") from None
    fen = int(value * unit_fen)
    if fen > MAX_AMOUNT_FEN:
        raise MoneyError("金额过大，请核对单位（上限 1000 亿元）。")
    return fen


def parse_yuan(text) -> int:
    """'3501.50' (元) → 350150 fen; at most two decimals."""
    return _parse(text, FEN_PER_YUAN, 2, "元")


def parse_wan(text) -> int:
    """'12.5' (万元) → 12500000 fen; at most six decimals (exact to the fen)."""
    return _parse(text, FEN_PER_WAN, 6, "万元")


def yuan_str(fen: int | None) -> str | None:
    """API representation: '3501000000.00'."""
    return None if fen is None else f"{fen // FEN_PER_YUAN}.{fen % FEN_PER_YUAN:02d}"


def yuan_grouped(fen: int) -> str:
    """Display in 元, exact to the fen, with thousands separators: '12,345,678,901.23'."""
    return f"{fen // FEN_PER_YUAN:,}.{fen % FEN_PER_YUAN:02d}"


def yuan_text(fen: int) -> str:
    """Display in 元, exact to the fen: 3501000000 → '35,010,000.00元'."""
    return yuan_grouped(fen) + "元"


def _fixed2(fen: int, unit: int) -> str:
    # Round half up to two decimals of the unit, in integers (no float anywhere).
    hundredths = (fen * 100 * 2 + unit) // (2 * unit)
    return f"{hundredths // 100:,}.{hundredths % 100:02d}"


def wan_str(fen: int | None, negotiable: str = "面议") -> str:
    """Display in 万元 with two decimals, or 面议 when absent."""
    return negotiable if fen is None else f"{_fixed2(fen, FEN_PER_WAN)}万元"


def yi_str(fen: int) -> str:
    return f"{_fixed2(fen, FEN_PER_YI)}亿元"


def wan_input(fen: int | None) -> str:
    """Value to pre-fill an input in 万元 (no thousands separator, no trailing zeros)."""
    if fen is None:
        return ""
    text = f"{fen // FEN_PER_WAN}.{fen % FEN_PER_WAN:06d}".rstrip("0").rstrip(".")
    return text
