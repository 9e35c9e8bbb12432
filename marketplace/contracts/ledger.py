"""The register (登记台账): every filed contract of an official's region, filtered, paged and totalled.

Order: registered (and later amended or cancelled) contracts by registration date, newest
first, then the contracts without a registration (filed, under review, returned, refused),
newest created first. Each part is read in the order of `ix_contracts_register_order`
(registered_on, id), so a page costs an index range, not a sort of the region's contracts.

The period filter reads the registration date; a contract without one is dated by its
latest filing (submitted_at, UTC), or its creation when it has none.
"""
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, false, func, null, or_, select, tuple_

from marketplace.permissions import has, region_scope_prefix
from marketplace.stats.services import Figures
from models import Contract, ContractStatus, User, db
from models.stats import TOTAL_DIM, StatsDaily

PAGE_SIZE = 50
LEDGER_STATUSES = tuple(s for s in ContractStatus.ALL if s != ContractStatus.DRAFT)
UNREGISTERED_STATUSES = tuple(s for s in LEDGER_STATUSES if s != ContractStatus.REGISTERED)
AMOUNT_COLUMNS = {"contract": Contract.contract_amount_fen, "tech": Contract.tech_amount_fen}
# A page cursor: 'r<registration date>.<id>' inside the registered part, 'p<id>' after it.
CURSOR = re.compile(r"(?:r(\d{4}-\d{2}-\d{2})\.|p)(\d{1,18})")
FILED_ON = func.coalesce(Contract.submitted_at, Contract.created_at)


@dataclass(frozen=True)
class LedgerFilter:
    """Validated filter values (amounts in fen); None or '' means no condition."""

    status: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    contract_type: str | None = None
    tech_field: str | None = None
    party: str = ""
    broker: str = ""
    amount_kind: str = "contract"
    amount_min: int | None = None
    amount_max: int | None = None
    region: str | None = None  # a province or city code inside the official's scope


@dataclass
class LedgerPage:
    """One page of rows and the cursor of the next page (None on the last)."""

    rows: list
    next_cursor: str | None


def parse_cursor(text: str | None) -> tuple[date | None, int] | None:
    """(registration date or None for the unregistered part, id), None for the first page; ValueError if bad."""
    if not text:
        return None
    found = CURSOR.fullmatch(text)
    if found is None:
        raise ValueError(text)
    return (date.fromisoformat(found.group(1)) if found.group(1) else None), int(found.group(2))


def _registered_in_period(flt: LedgerFilter, registered_on=Contract.registered_on) -> list:
    """Registration date in range (bounds the index range the registered part reads)."""
    terms = [registered_on.is_not(None)]
    if flt.date_from is not None:
        terms.append(registered_on >= flt.date_from)
    if flt.date_to is not None:
        terms.append(registered_on <= flt.date_to)
    return terms


def _filed_in_period(flt: LedgerFilter, registered_on=Contract.registered_on) -> list:
    """No registration date: the filing time in range (whole days, UTC)."""
    terms = [registered_on.is_(None)]
    if flt.date_from is not None:
        terms.append(FILED_ON >= datetime.combine(flt.date_from, time.min))
    if flt.date_to is not None:
        terms.append(FILED_ON < datetime.combine(flt.date_to + timedelta(days=1), time.min))
    return terms


def _region(column, code: str):
    """A province by its two-digit prefix (its own code included), a city by its code (as statistics do)."""
    return column.startswith(code[:2]) if code.endswith("0000") else column == code


def conditions(user, flt: LedgerFilter) -> list:
    """WHERE terms but the period: the official's region first (never widened by the filter), then the filter."""
    prefix = region_scope_prefix(user) if has(user, "contract.register") else None
    if prefix is None:
        return [false()]
    terms = [Contract.seller_region.startswith(prefix), Contract.status != ContractStatus.DRAFT]
    if flt.region:
        terms.append(_region(Contract.seller_region, flt.region) if flt.region.startswith(prefix) else false())
    if flt.status:
        terms.append(Contract.status == flt.status)
    if flt.contract_type:
        terms.append(Contract.contract_type == flt.contract_type)
    if flt.tech_field:
        terms.append(Contract.tech_field == flt.tech_field)
    if flt.party:
        terms.append(or_(Contract.seller_name.icontains(flt.party, autoescape=True),
                         Contract.buyer_name.icontains(flt.party, autoescape=True)))
    if flt.broker:
        brokers = select(User.id).where(or_(User.username.icontains(flt.broker, autoescape=True),
                                            User.display_name.icontains(flt.broker, autoescape=True)))
        terms.append(Contract.broker_id.in_(brokers))
    amount = AMOUNT_COLUMNS[flt.amount_kind]
    if flt.amount_min is not None:
        terms.append(amount >= flt.amount_min)
    if flt.amount_max is not None:
        terms.append(amount <= flt.amount_max)
    return terms


BROKER_NAME = func.coalesce(func.nullif(User.display_name, ""), User.username)
ROW_COLUMNS = (Contract.id, Contract.registration_no, Contract.registered_on, Contract.title, Contract.contract_type,
               Contract.subtype, Contract.tech_field, Contract.seller_name, Contract.seller_region, Contract.buyer_name,
               Contract.buyer_region, Contract.contract_amount_fen, Contract.tech_amount_fen, Contract.paid_fen,
               Contract.status, BROKER_NAME.label("broker"))
# Only rows without a registration date need the filing time (parsing timestamps is most of a row's cost).
FILED_COLUMNS = (Contract.submitted_at, Contract.created_at)
NO_FILED_COLUMNS = (null().label("submitted_at"), null().label("created_at"))


def _rows_select(terms, filed_columns):
    return select(*ROW_COLUMNS, *filed_columns).outerjoin(User, User.id == Contract.broker_id).where(*terms)


def _registered_part(terms, flt: LedgerFilter, after: tuple | None = None):
    stmt = _rows_select(terms, NO_FILED_COLUMNS).where(*_registered_in_period(flt))
    if after is not None:
        stmt = stmt.where(tuple_(Contract.registered_on, Contract.id) < after)
    return stmt.order_by(Contract.registered_on.desc(), Contract.id.desc())


def _unregistered_part(terms, flt: LedgerFilter, after_id: int | None = None):
    stmt = _rows_select(terms, FILED_COLUMNS).where(*_filed_in_period(flt))
    if after_id is not None:
        stmt = stmt.where(Contract.id < after_id)
    return stmt.order_by(Contract.id.desc())


def _cursor(row) -> str:
    return f"r{row.registered_on.isoformat()}.{row.id}" if row.registered_on else f"p{row.id}"


def page(user, flt: LedgerFilter, cursor: tuple[date | None, int] | None = None, size: int = PAGE_SIZE) -> LedgerPage:
    """`size` rows after `cursor` (see parse_cursor), in register order."""
    terms = conditions(user, flt)
    rows = []
    if cursor is None or cursor[0] is not None:
        rows = db.session.execute(_registered_part(terms, flt, cursor).limit(size + 1)).all()
    if len(rows) <= size:
        after_id = cursor[1] if cursor is not None and cursor[0] is None else None
        rows += db.session.execute(_unregistered_part(terms, flt, after_id).limit(size + 1 - len(rows))).all()
    more = len(rows) > size
    rows = rows[:size]
    return LedgerPage(rows, _cursor(rows[-1]) if more else None)


def _cells_hold(flt: LedgerFilter) -> bool:
    """Whether the statistics cells hold the registered contracts' totals for this filter."""
    return (not flt.party and not flt.broker and flt.amount_min is None and flt.amount_max is None
            and not (flt.contract_type and flt.tech_field) and flt.status in (None, ContractStatus.REGISTERED))


def _cell_totals(prefix: str, flt: LedgerFilter) -> Figures:
    """Registered contracts from the statistics cells (by seller region and registration day): the very figures
    the statistics pages show, without reading the contracts."""
    dim, category = ((("type", flt.contract_type) if flt.contract_type else None)
                     or (("field", flt.tech_field) if flt.tech_field else (TOTAL_DIM, "")))
    stmt = select(*(func.coalesce(func.sum(column), 0) for column in
                    (StatsDaily.contracts, StatsDaily.contract_amount_fen, StatsDaily.tech_amount_fen))).where(
        StatsDaily.side == "seller", StatsDaily.dim == dim, StatsDaily.category == category,
        StatsDaily.region_code.startswith(prefix))
    if flt.region:
        stmt = stmt.where(_region(StatsDaily.region_code, flt.region))
    if flt.date_from is not None:
        stmt = stmt.where(StatsDaily.day >= flt.date_from)
    if flt.date_to is not None:
        stmt = stmt.where(StatsDaily.day <= flt.date_to)
    return Figures(*(int(value) for value in db.session.execute(stmt).one()))


def totals(user, flt: LedgerFilter, cells: bool = True) -> Figures:
    """登记件数, 合同成交额 and 技术交易额 (fen) of every contract the filter selects.

    With `cells`, registered contracts are summed from the statistics cells when those hold the filter
    (no party, broker or amount condition): a region's million contracts are not read for each page.
    """
    terms, figures, prefix = conditions(user, flt), Figures(), region_scope_prefix(user)
    registered_on = Contract.registered_on
    if cells and prefix is not None and has(user, "contract.register") and _cells_hold(flt):
        if flt.region and not flt.region.startswith(prefix):
            return figures
        figures.add(_cell_totals(prefix, flt))
        if flt.status == ContractStatus.REGISTERED:
            return figures
        # The few contracts not registered, found through the status index (a subquery, so that a planner
        # that knows only average counts per status still uses it); the registration date is wrapped
        # so that its index, which would walk every registered contract, is no candidate.
        terms.append(Contract.id.in_(select(Contract.id).where(Contract.status.in_(UNREGISTERED_STATUSES))))
        registered_on = func.coalesce(Contract.registered_on, Contract.registered_on)
    if flt.date_from is not None or flt.date_to is not None:  # one pass over the contracts, either way dated
        terms.append(or_(and_(*_registered_in_period(flt, registered_on)), and_(*_filed_in_period(flt, registered_on))))
    stmt = select(func.count(), func.coalesce(func.sum(Contract.contract_amount_fen), 0),
                  func.coalesce(func.sum(Contract.tech_amount_fen), 0)).where(*terms)
    figures.add(Figures(*(int(value) for value in db.session.execute(stmt).one())))
    return figures


def export_rows(user, flt: LedgerFilter, chunk: int = 2000):
    """Every selected row in register order, read in chunks (a server-side cursor on PostgreSQL)."""
    terms, connection = conditions(user, flt), db.session.connection()
    for stmt in (_registered_part(terms, flt), _unregistered_part(terms, flt)):
        # Core rows, not ORM ones: a million rows pay no per-row ORM bookkeeping.
        result = connection.execute(stmt.execution_options(yield_per=chunk, stream_results=True))
        try:
            yield from result
        finally:
            result.close()


def ledger_date(row) -> date | None:
    """The registration date, else the filing (or creation) date."""
    if row.registered_on is not None:
        return row.registered_on
    moment = row.submitted_at or row.created_at
    return moment.date() if moment else None
