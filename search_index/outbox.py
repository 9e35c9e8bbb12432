"""The outbox's history as one index folder sees it: continuity checks and pruning.

Each index folder follows `search_changes` on its own. Two things can break the
promise that applying the rows above its watermark brings it up to date:

* **Pruning** (`flask search prune`) deletes the old end of the log. It first
  turns the newest row it prunes into a *marker* (``listing_id = 0``, no listing
  has id 0) and then deletes every id below it, so the marker is always the
  oldest row left and says "every id up to here is gone". A folder that has not
  applied all ids up to a marker it sees may have missed changes: it must be
  rebuilt. The check reads the marker from the same query that reads the rows to
  apply, so a prune running at the same moment cannot slip between the two.
* **A different history**: the database was restored from a backup or replaced.
  The folder remembers the id and time of the highest change it applied (its
  *anchor*); if that row is gone or now holds another change, the ids above the
  watermark mean something else and the folder must be rebuilt. (Ids are reused:
  the restored PostgreSQL sequence, or SQLite's max(id) + 1, starts below the anchor.)

In both cases sync refuses (`IndexStale`) instead of silently missing changes.
"""
from datetime import datetime

from sqlalchemy import delete, func, select, update

from models import SearchChange

PRUNE_MARKER = 0
PRUNE_BATCH = 5000


class IndexStale(Exception):
    """The index folder can no longer catch up from the outbox; it needs a rebuild."""


def anchor_of(row) -> dict:
    """The fingerprint of one applied change: its id and the time it was written."""
    return {"id": row.id, "at": row.at.isoformat()}


def check_history(state: dict, session) -> None:
    """Refuse when the highest change the folder applied is gone or is now another change."""
    anchor = state.get("anchor")
    if not anchor:
        return
    row = session.execute(select(SearchChange.id, SearchChange.at).where(SearchChange.id == anchor["id"])).first()
    if row is not None:
        if row.at.isoformat() != anchor["at"]:
            raise IndexStale(f"变更记录第 {anchor['id']} 条已不是本索引应用过的那一条：数据库可能已从备份恢复或被替换。")
        return
    oldest, newest = session.execute(select(func.min(SearchChange.id), func.max(SearchChange.id))).one()
    if oldest is not None and anchor["id"] < oldest:
        return  # pruned in the normal way; the marker check covers what was missed
    raise IndexStale(f"本索引应用过的变更第 {anchor['id']} 条在数据库中已不存在"
                     f"（数据库最新变更为第 {newest or 0} 条）：数据库可能已从备份恢复或被替换。")


def check_pruned(state: dict, rows) -> None:
    """Refuse when `rows` (every change above the watermark) start at a marker above ids never applied."""
    markers = [row.id for row in rows if row.listing_id == PRUNE_MARKER]
    if not markers:
        return
    marker = max(markers)
    upto = state["upto"]
    present = {row.id for row in rows if row.id < marker}  # rows a prune still busy deleting has not reached
    accounted = set(state["seen"]) | present
    missing = (marker - upto) - sum(1 for change_id in accounted if upto < change_id <= marker)
    if missing:
        raise IndexStale(f"变更记录已清理到第 {marker} 条，而本索引只应用到第 {upto} 条：期间的变更已无法补上。")


def is_marker(row) -> bool:
    return row.listing_id == PRUNE_MARKER


def prune(session, before: datetime, progress=None) -> tuple[int, int | None]:
    """Delete changes written before `before`; returns (rows deleted, marker id).

    Commits as it goes: first the marker, then deletions in batches, so a long
    prune never holds the database. The newest row is never deleted (SQLite
    would reuse ids otherwise).
    """
    say = progress or (lambda _message: None)
    marker = session.scalar(select(func.max(SearchChange.id)).where(SearchChange.at < before))
    if marker is None:
        session.commit()
        return 0, None
    # The marker first: a reader that sees any deletion also sees the marker above it.
    session.execute(update(SearchChange).where(SearchChange.id == marker).values(listing_id=PRUNE_MARKER))
    session.commit()
    total = session.scalar(select(func.count()).select_from(SearchChange).where(SearchChange.id < marker)) or 0
    session.commit()
    deleted = 0
    while True:
        last = session.scalar(select(func.max(SearchChange.id)).where(
            SearchChange.id.in_(select(SearchChange.id).where(SearchChange.id < marker)
                                .order_by(SearchChange.id).limit(PRUNE_BATCH))))
        if last is None:
            session.commit()
            break
        result = session.execute(delete(SearchChange).where(SearchChange.id <= last))
        session.commit()
        deleted += result.rowcount
        say(f"已删除 {deleted:,} / {total:,} 条…")
    return deleted, marker
