"""The bulletin sentence officials publish, generated from the figures.

    截至6月11日,全市共登记技术合同2334份,合同成交额35.01亿元,技术交易额25.01亿元,登记件数和成交额均为全省第一。

Commas follow the published interface (ASCII ','). A city is ranked inside its
province, a province among all provinces (全国). Ranks are named only when they
are in the top three (a bulletin does not boast of ninth place).
"""
from dataclasses import replace

from marketplace.contracts.year_close import frozen_for
from marketplace.money import FEN_PER_WAN, FEN_PER_YI, wan_str, yi_str
from marketplace.stats.periods import Period
from marketplace.stats.services import Figures, parent_of, rank_rows, region_table
from models import Region

DIGITS = "零一二三四五六七八九"
NOTABLE_RANK = 3


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 23 → 二十三 (1–99)."""
    if n < 10:
        return DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else DIGITS[tens]) + "十" + (DIGITS[ones] if ones else "")


def amount_text(fen: int) -> str:
    """亿元 from 1亿元 up (including amounts that round to 10000.00万元), else 万元; two decimals.

    Bulletin prose writes numbers without thousands separators (1428.10万元).
    """
    rounds_to_wan_hundredths = (fen * 100 * 2 + FEN_PER_WAN) // (2 * FEN_PER_WAN)
    if fen >= FEN_PER_YI or rounds_to_wan_hundredths >= 10_000 * 100:
        return yi_str(fen).replace(",", "")
    return wan_str(fen).replace(",", "")


def area_word(region: Region | None) -> str:
    """全省 / 全区 (自治区) / 全市 (直辖市, 地级市) / 全州 / 全盟 / 全地区 / 全国."""
    if region is None:
        return "全国"
    name = region.name
    if region.is_province:
        return "全区" if name.endswith("自治区") else ("全市" if name.endswith("市") else "全省")
    for suffix, word in (("自治州", "全州"), ("盟", "全盟"), ("地区", "全地区")):
        if name.endswith(suffix):
            return word
    return "全市"


def _rank_word(rank: int, tied: bool) -> str:
    return f"{'并列' if tied else '居'}{{scope}}第{chinese_number(rank)}"


def ranking_phrase(rank_count: int | None, rank_amount: int | None, scope: str,
                   tied_count: bool = False, tied_amount: bool = False) -> str:
    """'登记件数和成交额均为全省第一', '成交额居全省第三', … or '' when neither rank is notable."""
    count_ok = rank_count is not None and rank_count <= NOTABLE_RANK
    amount_ok = rank_amount is not None and rank_amount <= NOTABLE_RANK
    if count_ok and amount_ok and rank_count == rank_amount and not (tied_count or tied_amount):
        verb = "为" if rank_count == 1 else "居"
        return f"登记件数和成交额均{verb}{scope}第{chinese_number(rank_count)}"
    parts = []
    if count_ok:
        parts.append("登记件数" + _rank_word(rank_count, tied_count).format(scope=scope))
    if amount_ok:
        parts.append("成交额" + _rank_word(rank_amount, tied_amount).format(scope=scope))
    return ",".join(parts)


def _ranks(region: Region | None, period: Period, side: str) -> tuple[str, int | None, int | None, bool, bool]:
    parent = parent_of(region)
    if region is None:
        return "", None, None, False, False
    table = region_table(parent, period, side)
    close = frozen_for(parent.code if parent else None, period.start, period.end) if side == "seller" else None
    if close is not None:  # the parent's year is closed: rank among the frozen figures
        table = frozen_table(close, table)
    row = table.row(region.code)
    if row is None:
        return "", None, None, False, False
    tied_count = sum(1 for r in table.rows if r.rank_contracts == row.rank_contracts) > 1
    tied_amount = sum(1 for r in table.rows if r.rank_contract_amount == row.rank_contract_amount) > 1
    return area_word(parent), row.rank_contracts, row.rank_contract_amount, tied_count, tied_amount


def frozen_table(close, live):
    """The live region table with each row's figures and ranks as frozen at the close (本级 stays unranked)."""
    rows = [replace(row, figures=Figures(*close.children.get(row.code, (0, 0, 0)))) for row in live.rows]
    rank_rows([row for row in rows if row.rank_contracts is not None])
    return replace(live, rows=rows)


def bulletin_text(region: Region | None, period: Period, side: str = "seller") -> str:
    """The full bulletin sentence for a region and period."""
    figures: Figures = region_table(region, period, side).total
    close = frozen_for(region.code if region else None, period.start, period.end) if side == "seller" else None
    if close is not None:  # a closed year quotes the figures frozen at the close
        figures = Figures(close.contracts, close.contract_amount_fen, close.tech_amount_fen)
    verb = "共登记技术合同" if side == "seller" else "共吸纳技术合同"
    text = (f"{period.label},{area_word(region)}{verb}{figures.contracts}份,"
            f"合同成交额{amount_text(figures.contract_fen)},技术交易额{amount_text(figures.tech_fen)}")
    if figures.contracts:
        scope, rank_count, rank_amount, tied_count, tied_amount = _ranks(region, period, side)
        phrase = ranking_phrase(rank_count, rank_amount, scope, tied_count, tied_amount) if scope else ""
        if phrase:
            text += "," + phrase
    return text + "。"
