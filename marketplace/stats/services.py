"""Statistics over registered contracts, by registration date, for a region and a period.

A region is None (the whole country), a province (its cities, plus contracts
registered on the province code itself) or a city. `side` is 'seller' (技术输出,
the default: where the contract is registered) or 'buyer' (技术吸纳).

The figures are kept per process until a commit writes the cells (or, for the
tables by party, a contract) they come from (marketplace.cache): what these
functions return is shared between requests and must be read, never changed.
"""
from dataclasses import dataclass, field

from sqlalchemy import and_, func, select

from marketplace.cache import Cache
from marketplace.regions import RegionRow, all_regions
from marketplace.stats.periods import Period, StatsError
from models import Contract, ContractStatus, Region, User, db
from models.contract import CONTRACT_TYPES
from models.payment import StatsPaidDaily
from models.stats import NO_IP, SIDES, TOTAL_DIM, StatsDaily
from models.vocab import IP_TYPES, ORG_TYPES, TECH_FIELDS

DIMENSIONS = {
    "type": ("合同类别", CONTRACT_TYPES),
    "field": ("技术领域", TECH_FIELDS),
    "seller_type": ("卖方主体类型", ORG_TYPES),
    "buyer_type": ("买方主体类型", ORG_TYPES),
    "ip": ("涉及知识产权", IP_TYPES),
}
SIDE_LABELS = {"seller": "技术输出（按卖方地区）", "buyer": "技术吸纳（按买方地区）"}
OWN_LEVEL = "本级"


@dataclass
class Figures:
    """登记件数, 合同成交额 and 技术交易额 (fen)."""

    contracts: int = 0
    contract_fen: int = 0
    tech_fen: int = 0

    def add(self, other: "Figures") -> None:
        """Add another set of figures to this one."""
        self.contracts += other.contracts
        self.contract_fen += other.contract_fen
        self.tech_fen += other.tech_fen


@dataclass
class Row:
    """One region of a region table: figures, last year's figures and ranks."""

    code: str
    name: str
    figures: Figures
    previous: Figures
    rank_contracts: int | None = None
    rank_contract_amount: int | None = None


@dataclass
class RegionTable:
    """The regions directly under `parent`, with the parent's own total."""

    parent: RegionRow | None
    period: Period
    side: str
    rows: list[Row] = field(default_factory=list)
    total: Figures = field(default_factory=Figures)
    total_previous: Figures = field(default_factory=Figures)

    def row(self, code: str) -> Row | None:
        """The row of one region code, if listed."""
        return next((r for r in self.rows if r.code == code), None)


def check_side(side: str | None) -> str:
    """'seller' (default) or 'buyer'; anything else is a StatsError."""
    side = side or "seller"
    if side not in SIDES:
        raise StatsError("by 参数应为 seller（技术输出）或 buyer（技术吸纳）。", "bad_side")
    return side


def find_region(code: str | None) -> Region | None:
    """'' or '000000' → None (national); an unknown code → StatsError."""
    code = (code or "").strip()
    if code in ("", "000000"):
        return None
    region = db.session.get(Region, code) if len(code) == 6 and code.isdigit() else None
    if region is None:
        raise StatsError(f"未知地区代码：{code[:12]}", "bad_region")
    return region


def parent_of(region: Region | None) -> Region | None:
    """A city's province, or None (the country) for a province."""
    if region is None or region.is_province:
        return None
    return db.session.get(Region, region.province_code)


def children(parent: Region | None) -> list[RegionRow]:
    """Provinces of the country, or the cities of a province (a city has none), in code order."""
    if parent is None:
        return [region for region in all_regions() if region.is_province]
    if not parent.is_province:
        return []
    return [region for region in all_regions() if region.province_code == parent.code and not region.is_province]


def child_names(parent: Region | None) -> list[tuple[str, str]]:
    """(code, name) of the regions directly under `parent`."""
    return [(region.code, region.name) for region in children(parent)]


def _key(region: Region | None) -> str | None:
    return region.code if region is not None else None


def _plain(region: Region | None) -> RegionRow | None:
    return RegionRow(region.code, region.name, region.province_code, region.province) if region is not None else None


# Figures from the daily cells; figures by party from the contracts themselves.
_CELL_FIGURES = Cache("statistics", ("stats",))
_PARTY_FIGURES = Cache("statistics by party", ("parties",))


def _region_filter(column, region: Region | None):
    if region is None:
        return True
    if region.is_province:
        return column.in_(select(Region.code).where(Region.province_code == region.code))
    return column == region.code


def _daily_sums(parent: Region | None, period: Period, side: str) -> dict[str, Figures]:
    """Pre-aggregated figures per child code (province code when parent is None)."""
    key = Region.province_code if parent is None else StatsDaily.region_code
    stmt = (select(key, func.sum(StatsDaily.contracts), func.sum(StatsDaily.contract_amount_fen),
                   func.sum(StatsDaily.tech_amount_fen))
            .join(Region, Region.code == StatsDaily.region_code)
            .where(StatsDaily.side == side, StatsDaily.dim == TOTAL_DIM,
                   StatsDaily.day.between(period.start, period.end))
            .group_by(key))
    if parent is not None and parent.is_province:
        stmt = stmt.where(Region.province_code == parent.code)
    elif parent is not None:
        stmt = stmt.where(StatsDaily.region_code == parent.code)
    return {code: Figures(int(c or 0), int(a or 0), int(t or 0)) for code, c, a, t in db.session.execute(stmt)}


def competition_ranks(values: dict[str, int]) -> dict[str, int]:
    """Competition ranking, highest first: 1, 1, 3."""
    ordered = sorted(values.values(), reverse=True)
    first = {}
    for index, value in enumerate(ordered):
        first.setdefault(value, index + 1)
    return {code: first[value] for code, value in values.items()}


def rank_rows(rows: list[Row]) -> None:
    """Rank the rows by 登记件数 and by 合同成交额 (competition ranking: ties share a rank)."""
    by_count = competition_ranks({r.code: r.figures.contracts for r in rows})
    by_amount = competition_ranks({r.code: r.figures.contract_fen for r in rows})
    for row in rows:
        row.rank_contracts, row.rank_contract_amount = by_count[row.code], by_amount[row.code]


def region_table(parent: Region | None, period: Period, side: str = "seller") -> RegionTable:
    """Figures, 同比 and ranks for every region directly under `parent`."""
    side = check_side(side)
    return _CELL_FIGURES.get(("regions", _key(parent), period, side), lambda: _region_table(parent, period, side))


def _region_table(parent: Region | None, period: Period, side: str) -> RegionTable:
    table = RegionTable(_plain(parent), period, side)
    current = _daily_sums(parent, period, side)
    previous = _daily_sums(parent, period.previous_year(), side)
    for figures in current.values():
        table.total.add(figures)
    for figures in previous.values():
        table.total_previous.add(figures)
    for code, name in child_names(parent):
        table.rows.append(Row(code, name, current.get(code, Figures()), previous.get(code, Figures())))
    rank_rows(table.rows)
    if parent is not None and parent.is_province and (parent.code in current or parent.code in previous):
        # Contracts filed on the province code itself belong to no city but count in the total.
        table.rows.append(Row(parent.code, f"{parent.name}{OWN_LEVEL}", current.get(parent.code, Figures()),
                              previous.get(parent.code, Figures())))
    return table


def region_figures(region: Region | None, period: Period, side: str = "seller") -> tuple[Figures, Figures]:
    """(this period, the same period a year earlier) for one region."""
    table = region_table(region, period, side)
    return table.total, table.total_previous


def _registered(period: Period, side: str, region: Region | None):
    column = Contract.seller_region if side == "seller" else Contract.buyer_region
    return and_(Contract.status == ContractStatus.REGISTERED,
                Contract.registered_on.between(period.start, period.end), _region_filter(column, region))


def _sums():
    return func.count(), func.sum(Contract.contract_amount_fen), func.sum(Contract.tech_amount_fen)


def _cells(region: Region | None, period: Period, side: str, dim: str):
    """Daily cells of one dim for a region and period (province: all its regions)."""
    stmt = select().select_from(StatsDaily).where(
        StatsDaily.side == check_side(side), StatsDaily.dim == dim, StatsDaily.day.between(period.start, period.end))
    if region is not None and region.is_province:
        stmt = stmt.join(Region, Region.code == StatsDaily.region_code).where(Region.province_code == region.code)
    elif region is not None:
        stmt = stmt.where(StatsDaily.region_code == region.code)
    return stmt


def _cell_sums():
    return (func.sum(StatsDaily.contracts), func.sum(StatsDaily.contract_amount_fen),
            func.sum(StatsDaily.tech_amount_fen))


def breakdown(region: Region | None, period: Period, dim: str, side: str = "seller") -> list[tuple[str, Figures]]:
    """Figures per category of `dim`, every known category listed (zeros included)."""
    if dim not in DIMENSIONS:
        raise StatsError(f"dim 参数应为 {'、'.join(DIMENSIONS)} 之一。", "bad_dim")
    side = check_side(side)
    return _CELL_FIGURES.get((dim, _key(region), period, side), lambda: _breakdown(region, period, dim, side))


def _breakdown(region: Region | None, period: Period, dim: str, side: str) -> list[tuple[str, Figures]]:
    stmt = (_cells(region, period, side, dim).add_columns(StatsDaily.category, *_cell_sums())
            .group_by(StatsDaily.category))
    result = {name: Figures() for name in DIMENSIONS[dim][1]}
    for name, count, contract_fen, tech_fen in db.session.execute(stmt):
        result.setdefault(name, Figures()).add(Figures(int(count or 0), int(contract_fen or 0), int(tech_fen or 0)))
    if dim == "ip":
        result.setdefault(NO_IP, Figures())
    return list(result.items())


def monthly_series(region: Region | None, period: Period, side: str = "seller") -> list[tuple[str, Figures]]:
    """One entry per month of the period ('2025-03'), zeros included."""
    side = check_side(side)
    return _CELL_FIGURES.get(("monthly", _key(region), period, side), lambda: _monthly_series(region, period, side))


def _monthly_series(region: Region | None, period: Period, side: str) -> list[tuple[str, Figures]]:
    stmt = (_cells(region, period, side, TOTAL_DIM).add_columns(StatsDaily.day, *_cell_sums())
            .group_by(StatsDaily.day))
    months = {f"{y}-{m:02d}": Figures() for y, m in period.months()}
    for day, count, contract_fen, tech_fen in db.session.execute(stmt):
        months[f"{day.year}-{day.month:02d}"].add(Figures(int(count or 0), int(contract_fen or 0), int(tech_fen or 0)))
    return list(months.items())


def top_parties(region: Region | None, period: Period, who: str, limit: int = 10) -> list[tuple[str, Figures]]:
    """Top sellers (in the region), buyers (in the region) or brokers (of the region's sellers) by 合同成交额."""
    top = _PARTY_FIGURES.get((who, _key(region), period, limit), lambda: _top_parties(region, period, who, limit))
    if who != "broker":
        return top
    # Brokers are kept by id (a log-in writes `users`, which must not drop these figures); names are read now.
    names = dict(db.session.execute(select(User.id, func.coalesce(func.nullif(User.display_name, ""), User.username))
                                    .where(User.id.in_([broker_id for broker_id, _ in top]))).all())
    return [(names.get(broker_id, ""), figures) for broker_id, figures in top]


def _top_parties(region: Region | None, period: Period, who: str, limit: int) -> list[tuple[object, Figures]]:
    side = "buyer" if who == "buyer" else "seller"
    if who == "broker":  # by id; ties in id order
        name = Contract.broker_id
        stmt = select(name, *_sums()).where(name.is_not(None)).group_by(name)
    else:
        name = Contract.buyer_name if who == "buyer" else Contract.seller_name
        stmt = select(name, *_sums()).group_by(name)
    stmt = (stmt.where(_registered(period, side, region))
            .order_by(func.sum(Contract.contract_amount_fen).desc(), func.count().desc(), name).limit(limit))
    return [(n, Figures(int(c), int(a or 0), int(t or 0))) for n, c, a, t in db.session.execute(stmt)]


def yoy(current: int, previous: int) -> str:
    """同比 as '+12.3%' (one decimal, half away from zero), or '—' when last year was 0."""
    if not previous:
        return "—"
    tenths = (abs(current - previous) * 1000 * 2 + previous) // (2 * previous)
    sign = "-" if current < previous and tenths else ("+" if tenths else "")
    return f"{sign}{tenths // 10}.{tenths % 10}%"


# 到账金额: payments on record by payment date (models.payment.StatsPaidDaily), kept like the figures above.

@dataclass
class Paid:
    """到账笔数 and 到账金额 (fen)."""

    payments: int = 0
    paid_fen: int = 0

    def add(self, other: "Paid") -> None:
        self.payments += other.payments
        self.paid_fen += other.paid_fen


PAID_DIMENSIONS = {"type": DIMENSIONS["type"], "field": DIMENSIONS["field"]}


def _paid_select(region: Region | None, period: Period, side: str, dim: str, *columns):
    stmt = (select(*columns, func.sum(StatsPaidDaily.payments), func.sum(StatsPaidDaily.paid_fen))
            .join(Region, Region.code == StatsPaidDaily.region_code)
            .where(StatsPaidDaily.side == side, StatsPaidDaily.dim == dim,
                   StatsPaidDaily.day.between(period.start, period.end)))
    if region is not None and region.is_province:
        stmt = stmt.where(Region.province_code == region.code)
    elif region is not None:
        stmt = stmt.where(StatsPaidDaily.region_code == region.code)
    return stmt.group_by(*columns)


def paid_by_region(parent: Region | None, period: Period, side: str = "seller") -> tuple[list[tuple[str, Paid]], Paid]:
    """到账 per region directly under `parent` (a province's own code as 本级 when it has any), and the total."""
    side = check_side(side)
    return _CELL_FIGURES.get(("paid_regions", _key(parent), period, side),
                             lambda: _paid_by_region(parent, period, side))


def _paid_by_region(parent: Region | None, period: Period, side: str) -> tuple[list[tuple[str, Paid]], Paid]:
    key = Region.province_code if parent is None else StatsPaidDaily.region_code
    sums = {code: Paid(int(n or 0), int(fen or 0))
            for code, n, fen in db.session.execute(_paid_select(parent, period, side, TOTAL_DIM, key))}
    total = Paid()
    for paid in sums.values():
        total.add(paid)
    rows = [(name, sums.get(code, Paid())) for code, name in child_names(parent)]
    if parent is not None and parent.is_province and parent.code in sums:
        rows.append((f"{parent.name}{OWN_LEVEL}", sums[parent.code]))
    if parent is not None and not parent.is_province:
        rows = [(parent.name, total)]
    return rows, total


def paid_figures(region: Region | None, period: Period, side: str = "seller") -> tuple[Paid, Paid]:
    """(this period, the same period a year earlier) 到账 for one region."""
    return paid_by_region(region, period, side)[1], paid_by_region(region, period.previous_year(), side)[1]


def paid_breakdown(region: Region | None, period: Period, dim: str, side: str = "seller") -> list[tuple[str, Paid]]:
    """到账 per contract type or 技术领域, every known category listed (zeros included)."""
    if dim not in PAID_DIMENSIONS:
        raise StatsError(f"dim 参数应为 {'、'.join(PAID_DIMENSIONS)} 之一。", "bad_dim")
    side = check_side(side)
    return _CELL_FIGURES.get(("paid", dim, _key(region), period, side),
                             lambda: _paid_breakdown(region, period, dim, side))


def _paid_breakdown(region: Region | None, period: Period, dim: str, side: str) -> list[tuple[str, Paid]]:
    result = {name: Paid() for name in PAID_DIMENSIONS[dim][1]}
    for name, n, fen in db.session.execute(_paid_select(region, period, side, dim, StatsPaidDaily.category)):
        result.setdefault(name, Paid()).add(Paid(int(n or 0), int(fen or 0)))
    return list(result.items())
