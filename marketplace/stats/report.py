"""The statistics tables of a region and period, shared by the pages, the charts and the exports.

Cells hold ints (counts), `Fen` (money, exact) or text; pages show money in 万元,
exports in 元 with two decimals.
"""
from dataclasses import dataclass, field

from marketplace.money import wan_str
from marketplace.stats import services
from marketplace.stats.periods import Period
from models import Region

TABLE_TITLES = {
    "regions": "地区登记情况及排名",
    "monthly": "月度走势",
    "type": "按合同类别",
    "field": "按技术领域",
    "seller_type": "按卖方主体类型",
    "buyer_type": "按买方主体类型",
    "ip": "按涉及知识产权",
    "paid_regions": "到账金额（按地区，按到账日期）",
    "paid_type": "到账金额（按合同类别）",
    "paid_field": "到账金额（按技术领域）",
    "top_sellers": "卖方单位前十",
    "top_buyers": "买方单位前十",
    "top_brokers": "技术经纪人前十",
}
# Party-level figures come from confidential contract registrations: officials only.
PRIVATE_TABLES = ("top_sellers", "top_buyers", "top_brokers")
PUBLIC_TABLES = tuple(k for k in TABLE_TITLES if k not in PRIVATE_TABLES)
FIGURE_HEADERS = ["登记件数", "合同成交额", "技术交易额"]
PAID_HEADERS = ["到账笔数", "到账金额"]
PAID_NOTE = "已登记合同双方登记的到账（资金结算登记），按到账日期统计；本站不经手资金。"


class Fen(int):
    """An amount in fen inside a table cell."""


@dataclass
class Table:
    """A titled table: headers, rows, an optional total row and note."""

    key: str
    title: str
    headers: list[str]
    rows: list[list] = field(default_factory=list)
    footer: list | None = None
    note: str = ""

    def chart(self, label_column: int = 0, value_column: int = 2) -> dict:
        """Labels and values (万元 as numbers, display only) for a bar or line chart."""
        labels = [str(r[label_column]) for r in self.rows]
        values = [_wan_number(r[value_column]) for r in self.rows]
        counts = [r[label_column + 1] for r in self.rows]
        return {"labels": labels, "amounts": values, "counts": counts}


def _wan_number(fen: int) -> float:
    return round(fen / 1_000_000, 2)


def _figures(f: services.Figures) -> list:
    return [f.contracts, Fen(f.contract_fen), Fen(f.tech_fen)]


def regions_table(region: Region | None, period: Period, side: str) -> Table:
    """Every region directly under `region` with 同比 and ranks."""
    data = services.region_table(region, period, side)
    headers = ["地区", *FIGURE_HEADERS, "件数同比", "成交额同比", "件数排名", "成交额排名"]
    table = Table("regions", TABLE_TITLES["regions"], headers)
    for row in data.rows:
        table.rows.append([row.name, *_figures(row.figures),
                           services.yoy(row.figures.contracts, row.previous.contracts),
                           services.yoy(row.figures.contract_fen, row.previous.contract_fen),
                           row.rank_contracts or "", row.rank_contract_amount or ""])
    total = data.total
    table.footer = ["合计", *_figures(total), services.yoy(total.contracts, data.total_previous.contracts),
                    services.yoy(total.contract_fen, data.total_previous.contract_fen), "", ""]
    return table


def _category_table(key: str, items, first_header: str, note: str = "") -> Table:
    table = Table(key, TABLE_TITLES[key], [first_header, *FIGURE_HEADERS], note=note)
    table.rows = [[name, *_figures(f)] for name, f in items]
    return table


def build(key: str, region: Region | None, period: Period, side: str = "seller") -> Table:
    """One named table for a region, period and side."""
    if key == "regions":
        # A city is shown inside its province's table, where its rank is.
        ranked_under = region if region is None or region.is_province else services.parent_of(region)
        return regions_table(ranked_under, period, side)
    if key == "monthly":
        return _category_table(key, services.monthly_series(region, period, side), "月份")
    if key in services.DIMENSIONS:
        note = "一份合同可涉及多种知识产权，各项之和可能大于合同总数。" if key == "ip" else ""
        items = services.breakdown(region, period, key, side)
        table = _category_table(key, items, services.DIMENSIONS[key][0], note)
        if key != "ip":
            total = services.Figures()
            for _, figures in items:
                total.add(figures)
            table.footer = ["合计", *_figures(total)]
        return table
    if key.startswith("paid_"):
        return _paid_table(key, region, period, side)
    if key in PRIVATE_TABLES:
        who = key.removeprefix("top_").removesuffix("s")
        items = services.top_parties(region, period, who)
        return _category_table(key, items, {"seller": "卖方单位", "buyer": "买方单位", "broker": "技术经纪人"}[who])
    raise KeyError(key)


def _paid_table(key: str, region: Region | None, period: Period, side: str) -> Table:
    if key == "paid_regions":
        ranked_under = region if region is None or region.is_province else services.parent_of(region)
        items, total = services.paid_by_region(ranked_under, period, side)
        first = "地区"
    else:
        dim = key.removeprefix("paid_")
        items = services.paid_breakdown(region, period, dim, side)
        total = services.Paid()
        for _, paid in items:
            total.add(paid)
        first = services.PAID_DIMENSIONS[dim][0]
    table = Table(key, TABLE_TITLES[key], [first, *PAID_HEADERS], note=PAID_NOTE)
    table.rows = [[name, paid.payments, Fen(paid.paid_fen)] for name, paid in items]
    table.footer = ["合计", total.payments, Fen(total.paid_fen)]
    return table


def display(cell) -> str:
    """A cell as the page shows it (money in 万元)."""
    if isinstance(cell, Fen):
        return wan_str(int(cell)).removesuffix("万元")
    return str(cell)
