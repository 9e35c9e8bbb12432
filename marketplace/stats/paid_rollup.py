"""Keep `stats_paid_daily` (到账金额 by payment date) equal to a recount of the payments on record.

A payment counts when it is not voided and its contract is registered; it counts on its payment date, on both
sides (the seller's region: 技术输出, the buyer's: 技术吸纳), in the totals and under the contract's type and
技术领域. Every ORM flush that adds, changes or voids a payment — or changes a contract's status, regions, type
or field (registration, cancellation, an approved amendment) — applies the difference between the old and the
new contribution of each payment concerned, with the same atomic upsert as `stats_daily`, so a contract's paid
cells move with it. `rebuild` recounts everything (`flask stats rebuild`), `verify` compares.
"""
from sqlalchemy import event, func, inspect, literal_column, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from models import Contract, ContractStatus, db
from models.payment import PAID_DIMS, Payment, StatsPaidDaily
from models.stats import CATEGORY_LENGTH, TOTAL_DIM

CONTRACT_VALUES = ("status", "seller_region", "buyer_region", "contract_type", "tech_field")
PAYMENT_VALUES = ("amount_fen", "paid_on", "voided_at")
SIDE_REGIONS = {"seller": "seller_region", "buyer": "buyer_region"}
DIM_COLUMNS = {"type": "contract_type", "field": "tech_field"}
KEY_COLUMNS = ["side", "dim", "day", "region_code", "category"]
assert tuple(DIM_COLUMNS) == PAID_DIMS[1:]


def _cells(contract: dict, payment: dict | None, sign: int) -> list[tuple[tuple, tuple]]:
    """The cells one payment of one contract adds to (sign +1) or takes from (sign -1)."""
    if payment is None or payment["voided_at"] is not None or contract["status"] != ContractStatus.REGISTERED:
        return []
    amounts, day, cells = (sign, sign * payment["amount_fen"]), payment["paid_on"], []
    for side, region_column in SIDE_REGIONS.items():
        region = contract[region_column]
        cells.append(((side, TOTAL_DIM, day, region, ""), amounts))
        cells += [((side, dim, day, region, (contract[column] or "")[:CATEGORY_LENGTH]), amounts)
                  for dim, column in DIM_COLUMNS.items()]
    return cells


def _values(obj, names, old: bool) -> dict:
    """The object's values now, or (old) before this flush's changes."""
    if not old:
        return {name: getattr(obj, name) for name in names}
    state, values = inspect(obj), {}
    for name in names:
        history = state.attrs[name].history
        values[name] = (history.deleted[0] if history.deleted else None) if history.has_changes() \
            else getattr(obj, name)
    return values


def apply_deltas(connection, changes) -> None:
    """Add (cell, (payments, fen)) deltas to stats_paid_daily atomically."""
    cells: dict[tuple, list[int]] = {}
    for key, amounts in changes:
        total = cells.setdefault(key, [0, 0])
        total[0] += amounts[0]
        total[1] += amounts[1]
    rows = [dict(zip(KEY_COLUMNS, key), payments=v[0], paid_fen=v[1]) for key, v in sorted(cells.items()) if any(v)]
    if not rows:
        return
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    table = StatsPaidDaily.__table__
    stmt = dialect.insert(table)
    stmt = stmt.on_conflict_do_update(index_elements=KEY_COLUMNS, set_={
        name: table.c[name] + stmt.excluded[name] for name in ("payments", "paid_fen")})
    connection.execute(stmt, rows)


def _after_flush(session, _flush_context):
    changed: dict[int, list[tuple]] = {}  # contract id → (old, new) values of its payments changed in this flush
    contracts: dict[int, tuple[dict, dict]] = {}  # contract id → (old, new) values, when those changed
    for obj in session.new:
        if isinstance(obj, Payment):
            changed.setdefault(obj.contract_id, []).append((obj.id, None, _values(obj, PAYMENT_VALUES, False)))
    for obj in session.dirty:
        if isinstance(obj, Payment) and session.is_modified(obj):
            changed.setdefault(obj.contract_id, []).append(
                (obj.id, _values(obj, PAYMENT_VALUES, True), _values(obj, PAYMENT_VALUES, False)))
        elif isinstance(obj, Contract) and session.is_modified(obj):
            old, new = _values(obj, CONTRACT_VALUES, True), _values(obj, CONTRACT_VALUES, False)
            if old != new:
                contracts[obj.id] = (old, new)
    for obj in session.deleted:
        if isinstance(obj, Payment):
            changed.setdefault(obj.contract_id, []).append((obj.id, _values(obj, PAYMENT_VALUES, True), None))
    if not changed and not contracts:
        return
    connection = session.connection()
    unchanged = [cid for cid in changed if cid not in contracts]
    if unchanged:  # the contract as it is (and was) in the database
        stmt = select(Contract.id, *(getattr(Contract, n) for n in CONTRACT_VALUES)).where(Contract.id.in_(unchanged))
        for row in connection.execute(stmt):
            values = dict(zip(CONTRACT_VALUES, row[1:]))
            contracts[row[0]] = (values, values)
    deltas = []
    moved = [cid for cid, (old, new) in contracts.items() if old != new]
    # A contract that changed: every payment it had leaves its old cells and every payment it has joins the new.
    now: dict[int, dict[int, dict]] = {cid: {} for cid in moved}
    if moved:
        stmt = select(Payment.contract_id, Payment.id, *(getattr(Payment, n) for n in PAYMENT_VALUES)) \
            .where(Payment.contract_id.in_(moved))
        for row in connection.execute(stmt):
            now[row[0]][row[1]] = dict(zip(PAYMENT_VALUES, row[2:]))
    for cid in moved:
        before = dict(now[cid])
        for payment_id, old, _new in changed.get(cid, ()):
            if old is None:
                before.pop(payment_id, None)
            else:
                before[payment_id] = old
        old_contract, new_contract = contracts[cid]
        for payment in before.values():
            deltas += _cells(old_contract, payment, -1)
        for payment in now[cid].values():
            deltas += _cells(new_contract, payment, +1)
    for cid, payments in changed.items():
        if cid in moved or cid not in contracts:
            continue
        contract = contracts[cid][1]
        for _payment_id, old, new in payments:
            deltas += _cells(contract, old, -1) + _cells(contract, new, +1)
    apply_deltas(connection, deltas)


def _load_old_value_on_set(*_args):
    """No-op listener: registering it with active_history keeps the old value for the deltas."""


def install() -> None:
    """Listen on every ORM flush (process-wide: once, however many apps)."""
    if event.contains(Session, "after_flush", _after_flush):
        return
    event.listen(Session, "after_flush", _after_flush)
    for name in CONTRACT_VALUES:
        event.listen(getattr(Contract, name), "set", _load_old_value_on_set, active_history=True)
    for name in PAYMENT_VALUES:
        event.listen(getattr(Payment, name), "set", _load_old_value_on_set, active_history=True)


def _grouped(execute=None) -> list[tuple]:
    """Recount cells from the payments (one query per side and dim)."""
    execute = execute or db.session.execute
    counted = (Payment.voided_at.is_(None), Contract.status == ContractStatus.REGISTERED)
    changes = []
    for side, region_name in SIDE_REGIONS.items():
        region = getattr(Contract, region_name)
        for dim, column_name in ((TOTAL_DIM, None), *DIM_COLUMNS.items()):
            column = getattr(Contract, column_name) if column_name else literal_column("''")
            group = [Payment.paid_on, region] + ([column] if column_name else [])
            stmt = (select(Payment.paid_on, region, column, func.count(), func.sum(Payment.amount_fen))
                    .join(Contract, Contract.id == Payment.contract_id).where(*counted).group_by(*group))
            for day, code, value, count, fen in execute(stmt):
                name = (value or "")[:CATEGORY_LENGTH] if column_name else ""
                changes.append(((side, dim, day, code, name), (int(count), int(fen or 0))))
    return changes


def recount() -> dict[tuple, tuple]:
    """Cells straight from the payments (non-zero cells only)."""
    cells: dict[tuple, tuple] = {}
    for key, amounts in _grouped():
        before = cells.get(key, (0, 0))
        cells[key] = (before[0] + amounts[0], before[1] + amounts[1])
    return {key: amounts for key, amounts in cells.items() if any(amounts)}


def stored() -> dict[tuple, tuple]:
    """The pre-aggregated cells (non-zero cells only)."""
    columns = [getattr(StatsPaidDaily, name) for name in KEY_COLUMNS]
    rows = db.session.execute(select(*columns, StatsPaidDaily.payments, StatsPaidDaily.paid_fen))
    return {tuple(row[:5]): (int(row[5]), int(row[6])) for row in rows if any(row[5:])}


def rebuild() -> int:
    """Recount stats_paid_daily from the payments; returns the number of cells."""
    db.session.execute(StatsPaidDaily.__table__.delete())
    changes = _grouped()
    apply_deltas(db.session.connection(), changes)
    return len(changes)


def verify() -> bool:
    """True when the pre-aggregated cells equal a recount."""
    return stored() == recount()
