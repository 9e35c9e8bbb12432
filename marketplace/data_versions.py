"""Versions of shared data (models.data_version), bumped once by each transaction that changed the data.

'stats' stands for the registered contracts' figures (stats_daily): a flush that touches a
contract that is, or was, registered, a contract import, or a rebuild of the daily cells marks
the session, and the version row is bumped just before commit. Taking that one hot row last,
after the rollup's cells, keeps lock order fixed, and it is held only until the commit.
"""
from datetime import datetime
from itertools import chain

from sqlalchemy import event, inspect, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from models import Contract, ContractImport, ContractStatus, DataVersion, db
from models.base import utcnow

STATS = "stats"
_MARKS = "data_versions_changed"


def mark(name: str, session: Session | None = None) -> None:
    """Note that this transaction changes `name`; its version is bumped at commit."""
    (session or db.session()).info.setdefault(_MARKS, set()).add(name)


def current(name: str) -> str:
    """The version of `name` and when it was bumped ('0' before the first change)."""
    row = db.session.execute(select(DataVersion.version, DataVersion.changed_at)
                             .where(DataVersion.name == name)).first()
    return f"{row.version}@{row.changed_at.isoformat()}" if row else "0"


def _touches_stats(obj) -> bool:
    if isinstance(obj, ContractImport):
        return True
    if not isinstance(obj, Contract):
        return False
    was = inspect(obj).attrs.status.history.deleted or ()
    return obj.status == ContractStatus.REGISTERED or ContractStatus.REGISTERED in was


def _note_changes(session, _flush_context) -> None:
    if any(_touches_stats(obj) for obj in chain(session.new, session.dirty, session.deleted)):
        mark(STATS, session)


def _bump_marked(session) -> None:
    if session.in_nested_transaction():
        return  # a SAVEPOINT: the outer commit bumps
    session.flush()  # the last flush may mark too
    names = session.info.pop(_MARKS, None)
    if not names:
        return
    table = DataVersion.__table__
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    now: datetime = utcnow()
    for name in sorted(names):
        stmt = dialect.insert(table).values(name=name, version=1, changed_at=now)
        session.execute(stmt.on_conflict_do_update(
            index_elements=["name"], set_={"version": table.c.version + 1, "changed_at": now}))


def install() -> None:
    """Listen on every ORM flush and commit (process-wide: once, however many apps)."""
    if event.contains(Session, "before_commit", _bump_marked):
        return
    event.listen(Session, "after_flush", _note_changes)
    event.listen(Session, "before_commit", _bump_marked)
