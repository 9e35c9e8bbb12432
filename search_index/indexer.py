"""The one write path into the index: apply the outbox (`sync`) or rebuild it.

Both run under an exclusive file lock in the index folder, so several worker
processes never race for Whoosh's writer lock; the writer also has a timeout.
Progress is kept in `sync_state.json` next to the index:

* ``upto``: every change id up to here has been applied (or was a gap that
  stayed empty for GAP_TIMEOUT seconds: a rolled-back transaction);
* ``seen``: ids above ``upto`` already applied (a later transaction committed first);
* ``gaps``: ids above ``upto`` not yet visible, with when they were first noticed.
"""
import fcntl
import json
import os
import time
from contextlib import contextmanager

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from whoosh import index, writing

from models import SearchChange, db
from search_index.analysis import jieba_module
from search_index.schema import SCHEMA_VERSION, build_schema, document_for, listing_rows

STATE_FILE = "sync_state.json"
LOCK_FILE = "sync.lock"
GAP_TIMEOUT = 120.0
WRITER_TIMEOUT = 30.0
BATCH = 2000


class IndexBusy(Exception):
    """Another process held the index lock for too long."""


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
    return {"upto": upto, "seen": sorted(i for i in seen if i > upto),
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
    """Whether the outbox holds changes the index has not applied yet."""
    state = read_state(index_dir(app))
    newest = session.scalar(select(func.max(SearchChange.id)))
    if newest is None:
        return False
    return newest > state["upto"] and (newest not in set(state["seen"]) or bool(state["gaps"]))


def sync(app, lock_timeout: float = 10.0, session=None) -> int:
    """Apply outbox changes not yet in the index; returns how many listings were touched.

    Reads with `session` when given (the caller's transaction), else with a short
    transaction of its own.
    """
    path = index_dir(app)
    jieba_module()  # ~1 s the first time: never while holding the lock
    with sync_lock(path, lock_timeout):
        if session is not None:
            return _sync_locked(path, session)
        with Session(db.engine) as own:
            touched = _sync_locked(path, own)
            own.commit()
            return touched


def _sync_locked(path: str, session) -> int:
    ix = open_index(path)
    state = read_state(path)
    if state.get("version") != SCHEMA_VERSION:
        state = {"upto": 0, "seen": [], "gaps": {}, "version": SCHEMA_VERSION}
    seen = set(state["seen"])
    changes = session.execute(
        select(SearchChange.id, SearchChange.kind, SearchChange.listing_id)
        .where(SearchChange.id > state["upto"]).order_by(SearchChange.id)).all()
    new = [c for c in changes if c.id not in seen]
    if not new:
        if state["gaps"] or not os.path.exists(os.path.join(path, STATE_FILE)):
            write_state(path, advance(state, [], time.time()))
        return 0
    targets = {}
    for change in new:
        targets.setdefault(change.kind, set()).add(change.listing_id)
    writer = ix.writer(timeout=WRITER_TIMEOUT, delay=0.05)
    try:
        touched = _apply(writer, session, targets)
    except BaseException:
        writer.cancel()
        raise
    writer.commit()
    write_state(path, advance(state, [c.id for c in new], time.time()))
    return touched


def _apply(writer, session, targets: dict) -> int:
    # Re-read each listing now: replaying an old change converges on the current state.
    touched = 0
    for kind, ids in targets.items():
        published = set()
        for row in listing_rows(kind, session, ids=ids):
            writer.update_document(**document_for(row))
            published.add(row["id"])
        for listing_id in ids - published:
            writer.delete_by_term("key", f"{kind}:{listing_id}")
        touched += len(ids)
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
        change_ids = session.scalars(select(SearchChange.id)).all()
        session.commit()
        if index.exists_in(path) and read_state(path).get("version") == SCHEMA_VERSION:
            ix = index.open_dir(path)
        else:
            os.makedirs(path, exist_ok=True)
            ix = index.create_in(path, build_schema())
        options = {"procs": procs, "limitmb": 256, "multisegment": True} if procs > 1 else {"limitmb": 256}
        writer = ix.writer(timeout=WRITER_TIMEOUT, delay=0.05, **options)
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
        fresh = {"upto": 0, "seen": [], "gaps": {}, "version": SCHEMA_VERSION}
        write_state(path, advance(fresh, change_ids, time.time()))
    return total
