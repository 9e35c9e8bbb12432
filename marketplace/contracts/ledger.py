"""The register (登记台账): every filed contract of an official's region, filtered, paged and totalled.

Order: registered (and later amended or cancelled) contracts by registration date, newest
first, then the contracts without a registration (filed, under review, returned, refused),
newest first. Each part is read in the order of `ix_contracts_register_order`
(registered_on, id), so a page costs an index range, not a sort of the region's contracts.

The period filter reads the registration date; a contract without one is dated by its
latest filing (submitted_at, UTC), or its creation when it has none.
"""
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, false, func, or_, select, tuple_

from marketplace.permissions import has, region_scope_prefix
from marketplace.stats.services import Figures
from models import Contract, ContractStatus, User, db

PAGE_SIZE = 50
LEDGER_STATUSES = tuple(s for s in ContractStatus.ALL if s != ContractStatus.DRAFT)
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


def _period(flt: LedgerFilter):
    """Registration date in range; unregistered contracts by their filing time."""
    if flt.date_from is None and flt.date_to is None:
        return None
    registered = [Contract.registered_on.is_not(None)]
    unregistered = [Contract.registered_on.is_(None)]
    if flt.date_from is not None:
        registered.append(Contract.registered_on >= flt.date_from)
        unregistered.append(FILED_ON >= datetime.combine(flt.date_from, time.min))
    if flt.date_to is not None:
        registered.append(Contract.registered_on <= flt.date_to)
        unregistered.append(FILED_ON < datetime.combine(flt.date_to + timedelta(days=1), time.min))
    return or_(and_(*registered), and_(*unregistered))


def _region(code: str):
    """A province by its two-digit prefix (its own code included), a city by its code (as statistics do)."""
    return Contract.seller_region.startswith(code[:2]) if code.endswith("0000") else Contract.seller_region == code


def conditions(user, flt: LedgerFilter) -> list:
    """WHERE terms: the official's region first (never widened by the filter), then the filter."""
    prefix = region_scope_prefix(user) if has(user, "contract.register") else None
    if prefix is None:
        return [false()]
    terms = [Contract.seller_region.startswith(prefix), Contract.status != ContractStatus.DRAFT]
    if flt.region:
        terms.append(_region(flt.region) if flt.region.startswith(prefix) else false())
    if flt.status:
        terms.append(Contract.status == flt.status)
    if flt.contract_type:
        terms.append(Contract.contract_type == flt.contract_type)
    if flt.tech_field:
        terms.append(Contract.tech_field == flt.tech_field)
    period = _period(flt)
    if period is not None:
        terms.append(period)
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
ROW_COLUMNS = (Contract.id, Contract.registration_no, Contract.registered_on, Contract.submitted_at,
               Contract.created_at, Contract.title, Contract.contract_type, Contract.subtype, Contract.tech_field,
               Contract.seller_name, Contract.seller_region, Contract.buyer_name, Contract.buyer_region,
               Contract.contract_amount_fen, Contract.tech_amount_fen, Contract.status, BROKER_NAME.label("broker"))


def _rows_select(terms):
    return select(*ROW_COLUMNS).outerjoin(User, User.id == Contract.broker_id).where(*terms)


def _registered_part(terms, after: tuple | None = None):
    stmt = _rows_select(terms).where(Contract.registered_on.is_not(None))
    if after is not None:
        stmt = stmt.where(tuple_(Contract.registered_on, Contract.id) < after)
    return stmt.order_by(Contract.registered_on.desc(), Contract.id.desc())


def _unregistered_part(terms, after_id: int | None = None):
    stmt = _rows_select(terms).where(Contract.registered_on.is_(None))
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
        rows = db.session.execute(_registered_part(terms, cursor).limit(size + 1)).all()
    if len(rows) <= size:
        after_id = cursor[1] if cursor is not None and cursor[0] is None else None
        rows += db.session.execute(_unregistered_part(terms, after_id).limit(size + 1 - len(rows))).all()
    more = len(rows) > size
    rows = rows[:size]
    return LedgerPage(rows, _cursor(rows[-1]) if more else None)


def totals(user, flt: LedgerFilter) -> Figures:
    """登记件数, 合同成交额 and 技术交易额 (fen) of every contract the filter selects."""
    stmt = select(func.count(), func.coalesce(func.sum(Contract.contract_amount_fen), 0),
                  func.coalesce(func.sum(Contract.tech_amount_fen), 0)).where(*conditions(user, flt))
    count, contract_fen, tech_fen = db.session.execute(stmt).one()
    return Figures(int(count), int(contract_fen), int(tech_fen))


def export_rows(user, flt: LedgerFilter, chunk: int = 2000):
    """Every selected row in register order, read in chunks (a server-side cursor on PostgreSQL)."""
    terms = conditions(user, flt)
    for stmt in (_registered_part(terms), _unregistered_part(terms)):
        result = db.session.execute(stmt.execution_options(yield_per=chunk, stream_results=True))
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
