"""Per-process caches of figures read from the database, exact after every commit.

Counts, facet counts and statistics tables are read far more often than the rows
under them change. Each cached value depends on one or more *groups* of tables
(`GROUPS`), and each group has a token in `cache_versions`. Every connection notes
which tables its statements write — an INSERT, UPDATE or DELETE of any origin: the
ORM, Core, raw SQL — and when it commits, the token of every group watching one of
those tables is replaced in the same transaction. A request reads the tokens once
(one small query) before it reads any data, and a cached value is used only while
the tokens it was computed under are still current: no worker shows a figure older
than the last commit the request could see.

Tokens are random, not counters: the same token means the same committed history,
so a database restored from a backup (or a copy of one) brings back its own tokens,
never a number another history has also used. A group with no token yet (nothing
written since the database was made) is never cached.
"""
import re
import secrets
import threading
import weakref
from collections import OrderedDict

from flask import g, has_app_context
from sqlalchemy import event, select

from models import CacheVersion, db

# group → the tables whose writes change the figures cached under it.
GROUPS = {
    "listings": ("tech_results", "tech_needs", "organisations", "bounty_applications", "regions", "synonym_groups"),
    "stats": ("stats_daily", "stats_paid_daily", "regions", "contract_amendments", "year_closes"),
    # The admins' synonym groups (marketplace.thesaurus): search answers change with them.
    "thesaurus": ("synonym_groups",),
    # Brokers' names are read afresh (marketplace.stats.services.top_parties): a log-in writes `users`.
    "parties": ("contracts", "regions"),
    "regions": ("regions",),
    # A result's page shows its trade (公示 / 挂牌 / 竞价) and closing time (a bid writes `trades`); a need's page
    # its open tender.
    "trades": ("trades", "tenders"),
}
_GROUPS_OF: dict[str, set[str]] = {}
for _group, _tables in GROUPS.items():
    for _table in _tables:
        _GROUPS_OF.setdefault(_table, set()).add(_group)

# The table a write statement changes (SQLAlchemy and hand-written SQL alike).
_WRITE = re.compile(r'\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE)
_DDL = re.compile(r"\s*(?:CREATE|DROP|ALTER)\s", re.IGNORECASE)
_TOUCHED = "cache_groups_touched"
# The token upsert in the driver's own placeholder style (SQLite: ?, psycopg: %s).
_UPSERT = {
    "?": "INSERT INTO cache_versions (name, token) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET token = excluded.token",
    "%s": "INSERT INTO cache_versions (name, token) VALUES (%s, %s) "
          "ON CONFLICT (name) DO UPDATE SET token = excluded.token",
}
_TOKENS = "cache_tokens"
MAX_ENTRIES = 512


def install(app) -> None:
    """Watch the app's engine: note written tables, replace their groups' tokens at commit."""
    with app.app_context():
        engine = db.engine
    if event.contains(engine, "before_cursor_execute", _note_write):
        return
    event.listen(engine, "before_cursor_execute", _note_write)
    event.listen(engine, "commit", _bump_on_commit)
    event.listen(engine, "rollback", _forget)


# engine → whether its database has the tokens table (False or missing: look again). A schema
# change (a migration, a downgrade) makes it look again.
_has_table: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _note_write(conn, _cursor, statement, _parameters, _context, _executemany):
    match = _WRITE.match(statement)
    if match:
        groups = _GROUPS_OF.get(match.group(1).lower())
        if groups:
            conn.info.setdefault(_TOUCHED, set()).update(groups)
    elif _DDL.match(statement):
        _has_table.pop(conn.engine, None)


def _table_exists(conn, cursor) -> bool:
    if not _has_table.get(conn.engine):
        if conn.dialect.name == "sqlite":
            cursor.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'cache_versions'")
        else:
            cursor.execute("SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = current_schema() "
                           "AND tablename = 'cache_versions'")
        _has_table[conn.engine] = bool(cursor.fetchone()[0])
    return _has_table[conn.engine]


def _bump_on_commit(conn):
    groups = conn.info.pop(_TOUCHED, None)
    if not groups:
        return
    # Inside the transaction that is about to commit, through the driver's own cursor (no statement events).
    cursor = conn.connection.cursor()
    upsert = _UPSERT["?" if conn.dialect.paramstyle == "qmark" else "%s"]
    try:
        if not _table_exists(conn, cursor):  # a database not migrated this far yet: nothing is cached from it
            return
        for name in sorted(groups):  # one order everywhere: two writers never wait on each other crosswise
            cursor.execute(upsert, (name, secrets.randbits(62)))
    finally:
        cursor.close()
    if has_app_context():
        g.pop(_TOKENS, None)


def _forget(conn):
    conn.info.pop(_TOUCHED, None)


def ensure_tokens() -> None:
    """Give every group without a token one (`init-db`): until then its figures are not kept."""
    have = set(db.session.scalars(select(CacheVersion.name)))
    for name in sorted(set(GROUPS) - have):
        db.session.add(CacheVersion(name=name, token=secrets.randbits(62)))
    db.session.flush()


def tokens() -> dict[str, int]:
    """Every group's current token, read once per request (before any cached data is read)."""
    if _TOKENS not in g:  # on every kept page: the plain driver statement costs a fraction of an ORM query
        rows = db.session.connection().exec_driver_sql("SELECT name, token FROM cache_versions").all()
        g.setdefault(_TOKENS, dict(rows))
    return g.get(_TOKENS)


class Cache:
    """A bounded map of values computed from the database, each valid while its groups' tokens are."""

    def __init__(self, name: str, groups: tuple[str, ...], max_entries: int = MAX_ENTRIES):
        unknown = set(groups) - set(GROUPS)
        if unknown:
            raise ValueError(f"unknown cache groups: {sorted(unknown)}")
        self.name, self.groups, self.max_entries = name, groups, max_entries
        self._entries: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key, compute, keep=None):
        """The value for `key`, computed by `compute()` unless a current one is kept.

        The value must be plain data (no ORM objects: they belong to one session).
        A computed value is kept unless `keep(value)` says otherwise.
        """
        current = tokens()
        if any(group not in current for group in self.groups):
            return compute()  # nothing written since the database was made: no token to trust yet
        stamp = tuple(current[group] for group in self.groups)
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and entry[0] == stamp:
                self._entries.move_to_end(key)
                return entry[1]
        value = compute()
        if keep is not None and not keep(value):
            return value
        with self._lock:
            self._entries[key] = (stamp, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


# Totals, matched ids and facet counts of the browse pages and the search API (search_index.use_memo).
LISTING_FIGURES = Cache("listing figures", ("listings",))
