"""The one write path into the index: apply the outbox (`sync`) or rebuild it.

Both run under an exclusive file lock in the index folder, so several worker
processes never race for Whoosh's writer lock; the writer also has a timeout.
Progress is kept in `sync_state.json` next to the index:

* ``upto``: every change id up to here has been applied (or was a gap that
  stayed empty for GAP_TIMEOUT seconds: a rolled-back transaction);
* ``seen``: ids above ``upto`` already applied (a later transaction committed first);
* ``gaps``: ids above ``upto`` not yet visible, with when they were first noticed;
* ``anchor``: id and time of the highest change id applied (see `search_index.outbox`).

Before applying anything, sync checks that the outbox still continues the history
this folder followed (not pruned past its watermark, not restored from a backup)
and raises `IndexStale` otherwise: only `rebuild` can repair that.
"""
import fcntl
import json
import os
import time
from contextlib import contextmanager
from typing import NamedTuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from whoosh import index, writing

from models import SearchChange, db
from search_index.analysis import jieba_module
from search_index.bulk import bulk_writer
from search_index.outbox import IndexStale, anchor_of, check_history, check_pruned, is_marker
from search_index.schema import SCHEMA_VERSION, build_schema, document_for, listing_rows

STATE_FILE = "sync_state.json"
LOCK_FILE = "sync.lock"
GAP_TIMEOUT = 120.0
WRITER_TIMEOUT = 30.0
BATCH = 2000


class IndexBusy(Exception):
    """Another process held the index lock for too long."""


class SyncResult(NamedTuple):
    changes: int  # outbox rows applied
    touched: int  # listings re-read and indexed or removed


def index_dir(app) -> str:
    """The index folder of `app`."""
    return app.config["SEARCH_INDEX_DIR"]


@contextmanager
def sync_lock(path: str, timeout: float):
    """Exclusive inter-process lock on the index folder."""
    os.makedirs(path, exist_ok=True)
    with open(os.path.join(path, LOCK_FILE), "a+") as handle:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise IndexBusy(path)
                time.sleep(0.02)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def read_state(path: str) -> dict:
    """The applier's progress; an index folder without it starts from nothing."""
    try:
        with open(os.path.join(path, STATE_FILE), encoding="utf-8") as handle:
            state = json.load(handle)
    except (OSError, ValueError):
        return {"upto": 0, "seen": [], "gaps": {}, "version": None}
    state.setdefault("seen", [])
    state.setdefault("gaps", {})
    return state


def write_state(path: str, state: dict) -> None:
    """Replace the progress file atomically (a crash leaves the old or the new one)."""
    tmp = os.path.join(path, STATE_FILE + ".tmp")
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump(state, handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, os.path.join(path, STATE_FILE))


def advance(state: dict, applied_ids, now: float) -> dict:
    """Move the watermark over contiguous applied ids; old empty gaps count as rolled back."""
    seen = set(state["seen"]) | set(applied_ids)
    gaps = {int(k): v for k, v in state["gaps"].items()}
    upto = state["upto"]
    top = max(seen) if seen else upto
    while upto < top:
        candidate = upto + 1
        if candidate not in seen:
            first = gaps.setdefault(candidate, now)
            if now - first < GAP_TIMEOUT:
                break
        upto = candidate
    for gid in range(upto + 1, top):
        if gid not in seen:
            gaps.setdefault(gid, now)
    return {**state, "upto": upto, "seen": sorted(i for i in seen if i > upto),
            "gaps": {str(k): v for k, v in gaps.items() if k > upto}, "version": SCHEMA_VERSION}


def open_index(path: str, create: bool = True):
    """Open the index, creating it (or recreating it after a schema change) when allowed."""
    if index.exists_in(path) and read_state(path).get("version") == SCHEMA_VERSION:
        return index.open_dir(path)
    if not create:
        return None
    os.makedirs(path, exist_ok=True)
    return index.create_in(path, build_schema())


def pending(app, session) -> bool:
    """Whether sync has work: outbox changes not applied yet, or a changed history to refuse."""
    state = read_state(index_dir(app))
    newest = session.scalar(select(func.max(SearchChange.id)))
    if newest is not None and newest > state["upto"] and (
            newest not in set(state["seen"]) or bool(state["gaps"])):
        return True
    try:
        check_history(state, session)  # one lookup by primary key
    except IndexStale:
        return True  # the database was restored or replaced: let sync say so
    return False


def sync(app, lock_timeout: float = 10.0, session=None) -> int:
    """Apply outbox changes not yet in the index; returns how many listings were touched."""
    return sync_counts(app, lock_timeout, session).touched


def sync_counts(app, lock_timeout: float = 10.0, session=None, progress=None) -> SyncResult:
    """Apply outbox changes not yet in the index; raises IndexBusy or IndexStale.

    Reads with `session` when given (the caller's transaction), else with a short
    transaction of its own. `progress(message)` hears every BATCH listings.
    """
    path = index_dir(app)
    jieba_module()  # ~1 s the first time: never while holding the lock
    with sync_lock(path, lock_timeout):
        if session is not None:
            return _sync_locked(path, session, progress)
        with Session(db.engine) as own:
            touched = _sync_locked(path, own, progress)
            own.commit()
            return touched


def _sync_locked(path: str, session, progress=None) -> SyncResult:
    ix = open_index(path)
    state = read_state(path)
    if state.get("version") != SCHEMA_VERSION:
        state = {"upto": 0, "seen": [], "gaps": {}, "version": SCHEMA_VERSION}
    check_history(state, session)
    seen = set(state["seen"])
    changes = session.execute(
        select(SearchChange.id, SearchChange.kind, SearchChange.listing_id, SearchChange.at)
        .where(SearchChange.id > state["upto"]).order_by(SearchChange.id)).all()
    check_pruned(state, changes)
    new = [c for c in changes if c.id not in seen]
    if not new:
        if state["gaps"] or not os.path.exists(os.path.join(path, STATE_FILE)):
            write_state(path, advance(state, [], time.time()))
        return SyncResult(0, 0)
    targets = {}
    for change in new:
        if not is_marker(change):
            targets.setdefault(change.kind, set()).add(change.listing_id)
    writer = ix.writer(timeout=WRITER_TIMEOUT, delay=0.05)
    say = progress or (lambda _message: None)
    try:
        touched = _apply(writer, session, targets, say)
    except BaseException:
        writer.cancel()
        raise
    if touched > BATCH:
        say("正在写入索引文件…")  # sorting and writing the postings: about a third of the time
    writer.commit()
    if not state.get("anchor") or new[-1].id > state["anchor"]["id"]:  # a late gap does not move it back
        state["anchor"] = anchor_of(new[-1])
    write_state(path, advance(state, [c.id for c in new], time.time()))
    return SyncResult(len(new), touched)


def _apply(writer, session, targets: dict, progress) -> int:
    # Re-read each listing now: replaying an old change converges on the current state.
    # Each key's old document is deleted through one searcher opened here: update_document
    # opens a reader per call (~180 ms at 100k documents), a term lookup costs microseconds.
    total, touched = sum(len(ids) for ids in targets.values()), 0
    with writer.searcher() as searcher:
        for kind, ids in targets.items():
            ordered = sorted(ids)
            for start in range(0, len(ordered), BATCH):
                chunk, published = ordered[start:start + BATCH], set()
                for row in listing_rows(kind, session, ids=chunk):
                    document = document_for(row)
                    writer.delete_by_term("key", document["key"], searcher=searcher)
                    writer.add_document(**document)
                    published.add(row["id"])
                for listing_id in set(chunk) - published:
                    writer.delete_by_term("key", f"{kind}:{listing_id}", searcher=searcher)
                touched += len(chunk)
                if total > BATCH:
                    progress(f"已索引 {touched} / {total} 条…")
    return touched


def rebuild(app, progress=None, procs: int | None = None) -> int:
    """Replace the index with every published listing; returns the document count."""
    path = index_dir(app)
    procs = procs or min(2, os.cpu_count() or 1)
    say = progress or (lambda _message: None)
    jieba_module()  # load once here so forked index writers inherit it
    session = db.session  # short transactions below, committed between batches
    with sync_lock(path, 600.0):
        # Read the outbox first: every change visible now is reflected in the rows read after it.
        changes = session.execute(select(SearchChange.id, SearchChange.listing_id, SearchChange.at)
                                  .order_by(SearchChange.id)).all()
        session.commit()
        if index.exists_in(path) and read_state(path).get("version") == SCHEMA_VERSION:
            ix = index.open_dir(path)
        else:
            os.makedirs(path, exist_ok=True)
            ix = index.create_in(path, build_schema())
        writer = bulk_writer(ix, procs, timeout=WRITER_TIMEOUT, delay=0.05)
        total = 0
        try:
            for kind in ("result", "need"):
                last_id = 0
                while True:
                    rows = list(listing_rows(kind, session, after_id=last_id, limit=BATCH))
                    session.commit()  # short read transactions: SQLite writers are not held up
                    if not rows:
                        break
                    for row in rows:
                        writer.add_document(**document_for(row))
                    total += len(rows)
                    last_id = rows[-1]["id"]
                    say(f"已读取 {total} 条…")
        except BaseException:
            writer.cancel()
            raise
        say("正在写入索引…")
        writer.commit(mergetype=writing.CLEAR)
        # Ids below a prune marker are gone for good (or about to be, if a prune is still
        # deleting): the rows just read reflect them.
        markers = [c.id for c in changes if is_marker(c)]
        floor = max(markers) - 1 if markers else 0
        fresh = {"upto": floor, "seen": [], "gaps": {}, "version": SCHEMA_VERSION,
                 "anchor": anchor_of(changes[-1]) if changes else None}
        write_state(path, advance(fresh, [c.id for c in changes], time.time()))
    return total


def node_status(app, session) -> dict:
    """This folder's progress next to the outbox: watermark, pending changes, documents, health.

    ``problem`` is None when a sync can bring the folder up to date, else why only a rebuild can.
    """
    path = index_dir(app)
    state = read_state(path)
    oldest, newest, rows = session.execute(
        select(func.min(SearchChange.id), func.max(SearchChange.id), func.count(SearchChange.id))).one()
    first = session.execute(select(SearchChange.listing_id).where(SearchChange.id == oldest)).first()
    above = session.execute(select(SearchChange.id, SearchChange.listing_id)
                            .where(SearchChange.id > state["upto"]).order_by(SearchChange.id)).all()
    seen = set(state["seen"])
    problem = None
    try:
        check_history(state, session)
        check_pruned(state, above)
    except IndexStale as exc:
        problem = str(exc)
    ix = open_index(path, create=False)
    return {
        "path": os.path.abspath(path), "built": os.path.exists(os.path.join(path, STATE_FILE)),
        "current_format": state.get("version") == SCHEMA_VERSION,
        "upto": state["upto"], "seen": len(seen), "gaps": len(state["gaps"]),
        "oldest": oldest, "newest": newest, "rows": rows,
        "marker": oldest if first is not None and is_marker(first) else None,
        "pending": sum(1 for row in above if row.id not in seen and not is_marker(row)),
        "documents": ix.doc_count() if ix is not None else None, "problem": problem,
    }
