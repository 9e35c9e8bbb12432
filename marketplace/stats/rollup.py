"""Keep `stats_daily` equal to a recount of registered contracts.

Once `install()` has run (create_app calls it), every ORM flush that adds, changes
or deletes a contract applies the difference between the contract's old and new
contribution (register, amend, cancel, edits of a registered contract …). Bulk
inserts that bypass the ORM (the contract importer) call `add_imported`. Cells are
changed with an atomic upsert (`contracts = contracts + delta`), so concurrent
registrations never lose a count. `rebuild` recounts everything (`flask stats
rebuild`), `verify` compares.
"""
from sqlalchemy import (
    BigInteger, Column, Date, MetaData, String, Table, delete, event, func, insert, inspect, literal_column, select,
    true,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from models import Contract, ContractStatus, db
from models.stats import CATEGORY_LENGTH, DIM_COLUMNS, NO_IP, TOTAL_DIM, StatsDaily
from models.vocab import IP_NONE, split_list

SIDE_REGIONS = {"seller": "seller_region", "buyer": "buyer_region"}
TRACKED = ("status", "registered_on", "contract_amount_fen", "tech_amount_fen", *SIDE_REGIONS.values(),
           *DIM_COLUMNS.values())
KEY_COLUMNS = ["side", "dim", "day", "region_code", "category"]


def categories(dim: str, value) -> list[str]:
    """The categories one contract counts in for `dim` (several for IP, '未涉及/未注明' for none)."""
    if dim == "ip":
        names = [n for n in split_list(value) if n != IP_NONE] or [NO_IP]
        return [n[:CATEGORY_LENGTH] for n in dict.fromkeys(names)]
    return [(value or "")[:CATEGORY_LENGTH]]


def _contribution(values: dict, sign: int) -> list[tuple[tuple, tuple]]:
    """The cells one contract adds to (sign +1) or removes from (sign -1)."""
    if values["status"] != ContractStatus.REGISTERED or values["registered_on"] is None:
        return []
    amounts = (sign, sign * (values["contract_amount_fen"] or 0), sign * (values["tech_amount_fen"] or 0))
    day, cells = values["registered_on"], []
    for side, region_column in SIDE_REGIONS.items():
        region = values[region_column]
        cells.append(((side, TOTAL_DIM, day, region, ""), amounts))
        for dim, column in DIM_COLUMNS.items():
            cells += [((side, dim, day, region, name), amounts) for name in categories(dim, values[column])]
    return cells


def _old_values(contract: Contract) -> dict:
    state = inspect(contract)
    values = {}
    for name in TRACKED:
        history = state.attrs[name].history
        if history.has_changes():
            values[name] = history.deleted[0] if history.deleted else None
        else:
            values[name] = getattr(contract, name)
    return values


def _new_values(contract: Contract) -> dict:
    return {name: getattr(contract, name) for name in TRACKED}


def apply_deltas(connection, changes) -> None:
    """Add (cell, (count, contract fen, tech fen)) deltas to stats_daily atomically."""
    cells: dict[tuple, list[int]] = {}
    for key, amounts in changes:
        total = cells.setdefault(key, [0, 0, 0])
        for i, value in enumerate(amounts):
            total[i] += value
    rows = [dict(zip(KEY_COLUMNS, key), contracts=v[0], contract_amount_fen=v[1], tech_amount_fen=v[2])
            for key, v in sorted(cells.items()) if any(v)]
    if not rows:
        return
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(StatsDaily.__table__)
    table = StatsDaily.__table__
    stmt = stmt.on_conflict_do_update(
        index_elements=KEY_COLUMNS,
        set_={name: table.c[name] + stmt.excluded[name]
              for name in ("contracts", "contract_amount_fen", "tech_amount_fen")})
    connection.execute(stmt, rows)


def _after_flush(session, _flush_context):
    changes = []
    for obj in session.new:
        if isinstance(obj, Contract):
            changes += _contribution(_new_values(obj), +1)
    for obj in session.dirty:
        if isinstance(obj, Contract) and session.is_modified(obj):
            changes += _contribution(_old_values(obj), -1) + _contribution(_new_values(obj), +1)
    for obj in session.deleted:
        if isinstance(obj, Contract):
            changes += _contribution(_old_values(obj), -1)
    if changes:
        apply_deltas(session.connection(), changes)


def _load_old_value_on_set(*_args):
    """No-op listener: registering it with active_history keeps the old value for the deltas."""


def install() -> None:
    """Listen on every ORM flush and on stats_daily's creation (process-wide: once, however many apps)."""
    if event.contains(Session, "after_flush", _after_flush):
        return
    event.listen(Session, "after_flush", _after_flush)
    for name in TRACKED:
        event.listen(getattr(Contract, name), "set", _load_old_value_on_set, active_history=True)
    event.listen(StatsDaily.__table__, "after_create", _fill_new_table)


def _grouped(where, execute=None) -> list[tuple]:
    """Recount cells from contracts with GROUP BY (one query per side and dim)."""
    execute = execute or db.session.execute
    registered = [Contract.status == ContractStatus.REGISTERED, Contract.registered_on.is_not(None), *where]
    sums = (func.count(), func.sum(Contract.contract_amount_fen), func.sum(Contract.tech_amount_fen))
    changes = []
    for side, region_name in SIDE_REGIONS.items():
        region = getattr(Contract, region_name)
        for dim, column_name in ((TOTAL_DIM, None), *DIM_COLUMNS.items()):
            column = getattr(Contract, column_name) if column_name else literal_column("''")
            group = [Contract.registered_on, region] + ([column] if column_name else [])
            stmt = select(Contract.registered_on, region, column, *sums).where(*registered).group_by(*group)
            for day, code, value, count, contract_fen, tech_fen in execute(stmt):
                amounts = (int(count), int(contract_fen or 0), int(tech_fen or 0))
                names = categories(dim, value) if column_name else [""]
                changes += [((side, dim, day, code, name), amounts) for name in names]
    return changes


def _import_rows_table() -> Table:
    return Table("stats_import_rows", MetaData(),
                 Column("day", Date), Column("seller_region", String(6)), Column("buyer_region", String(6)),
                 *(Column(name, String(100)) for name in DIM_COLUMNS.values()),
                 Column("contract_amount_fen", BigInteger), Column("tech_amount_fen", BigInteger),
                 prefixes=["TEMPORARY"])


def _upsert_from(connection, select_stmt) -> None:
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(StatsDaily.__table__).from_select(
        [*KEY_COLUMNS, "contracts", "contract_amount_fen", "tech_amount_fen"], select_stmt)
    table = StatsDaily.__table__
    stmt = stmt.on_conflict_do_update(
        index_elements=KEY_COLUMNS,
        set_={name: table.c[name] + stmt.excluded[name]
              for name in ("contracts", "contract_amount_fen", "tech_amount_fen")})
    connection.execute(stmt)


def add_imported(import_id: int) -> None:
    """Count the contracts a bulk import inserted with Core (they bypass the ORM flush hook).

    The batch is copied once into a narrow temporary table; each side and dim is then one
    INSERT … SELECT … GROUP BY … ON CONFLICT DO UPDATE, so a million rows never pass through Python.
    """
    connection = db.session.connection()
    rows = _import_rows_table()
    rows.create(connection)
    names = [c.name for c in rows.columns]
    connection.execute(insert(rows).from_select(names, select(
        Contract.registered_on, *(getattr(Contract, n) for n in names[1:]))
        .where(Contract.import_batch_id == import_id, Contract.status == ContractStatus.REGISTERED,
               Contract.registered_on.is_not(None))))
    sums = (func.count(), func.sum(rows.c.contract_amount_fen), func.sum(rows.c.tech_amount_fen))
    ip_changes = []
    for side, region_name in SIDE_REGIONS.items():
        region = rows.c[region_name]
        for dim, column_name in ((TOTAL_DIM, None), *DIM_COLUMNS.items()):
            category = rows.c[column_name] if column_name else literal_column("''")
            group = [rows.c.day, region] + ([category] if column_name else [])
            if dim == "ip":  # a ';'-joined list: split in Python (few distinct lists)
                stmt = select(rows.c.day, region, category, *sums).group_by(*group)
                for day, code, value, count, contract_fen, tech_fen in connection.execute(stmt):
                    amounts = (int(count), int(contract_fen or 0), int(tech_fen or 0))
                    ip_changes += [((side, dim, day, code, name), amounts) for name in categories(dim, value)]
                continue
            _upsert_from(connection, select(literal_column(f"'{side}'"), literal_column(f"'{dim}'"), rows.c.day,
                                            region, category, *sums).where(true()).group_by(*group))
    apply_deltas(connection, ip_changes)
    rows.drop(connection)


def rebuild() -> int:
    """Recount stats_daily from the contracts table; returns the number of cells."""
    db.session.execute(delete(StatsDaily))
    changes = _grouped([])
    apply_deltas(db.session.connection(), changes)
    return len(changes)


def recount() -> dict[tuple, tuple]:
    """Brute-force cells straight from contracts (non-zero cells only)."""
    cells: dict[tuple, tuple] = {}
    for key, amounts in _grouped([]):
        before = cells.get(key, (0, 0, 0))
        cells[key] = tuple(a + b for a, b in zip(before, amounts))
    return {key: amounts for key, amounts in cells.items() if any(amounts)}


def stored() -> dict[tuple, tuple]:
    """The pre-aggregated cells (non-zero cells only)."""
    columns = [getattr(StatsDaily, name) for name in KEY_COLUMNS]
    rows = db.session.execute(select(*columns, StatsDaily.contracts, StatsDaily.contract_amount_fen,
                                     StatsDaily.tech_amount_fen))
    return {tuple(row[:5]): (int(row[5]), int(row[6]), int(row[7])) for row in rows if any(row[5:])}


def stored_totals() -> dict[tuple, tuple]:
    """(side, day, region) → (count, contract fen, tech fen) of the 'all' cells."""
    return {(k[0], k[2], k[3]): v for k, v in stored().items() if k[1] == TOTAL_DIM}


def verify() -> bool:
    """True when the pre-aggregated cells equal a recount."""
    return stored() == recount()


def _fill_new_table(_table, connection, **_kw):
    # `flask init-db` on a database that already holds contracts: count them once.
    if not inspect(connection).has_table(Contract.__tablename__):
        return
    apply_deltas(connection, _grouped([], connection.execute))
