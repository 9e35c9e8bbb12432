"""Full-text search over published listings (Whoosh + jieba).

The database is the source of truth: listing changes are written to the
`search_changes` outbox in the same transaction and the index follows it
(`sync` after each commit that recorded changes, and on the first search of a
process). `flask search reindex` rebuilds everything.

Public interface: record_change, init_app, sync, rebuild, search, add_words,
status, prune, SearchResults, SearchError, IndexBusy, IndexStale.

Settings: SEARCH_INDEX_DIR; SEARCH_AUTO_SYNC (apply the outbox after each commit,
default on); SEARCH_CATCH_UP_SECONDS (how often a searching process checks the
outbox for changes nobody applied, default 1); SEARCH_DICT_FILE (the admins'
dictionary, default <instance>/search_dict.txt); SEARCH_JIEBA_CACHE_DIR;
SEARCH_PRELOAD (load jieba at start-up so gunicorn --preload workers share it).
"""
import logging
import os
import time
from contextlib import nullcontext
from datetime import timedelta

from flask import Flask, current_app, has_app_context
from sqlalchemy import event, select

from models import ListingStatus, SearchChange, TechNeed, TechResult, db
from models.base import utcnow
from search_index import analysis, dictionary, indexer, outbox, searchers
from search_index.filters import SearchError, facet_counts, parse_filters
from search_index.highlight import snippet
from search_index.indexer import IndexBusy
from search_index.outbox import IndexStale
from search_index.query import MAX_RESULT_WINDOW, SearchResults, SearchTimeout, relevance_ranking, run_query, validate

__all__ = ["record_change", "init_app", "sync", "rebuild", "search", "ranked_ids", "highlight", "add_words",
           "status", "prune", "SearchResults", "SearchError", "SearchTimeout", "IndexBusy", "IndexStale"]

log = logging.getLogger(__name__)
MODELS = {"result": TechResult, "need": TechNeed}
_hooks = {"installed": False}
_last_check: dict[str, float] = {}


def record_change(listing) -> None:
    """Note in the current transaction that `listing` must be (re)indexed."""
    db.session.add(SearchChange(kind=listing.kind, listing_id=listing.id))


def init_app(app: Flask) -> None:
    """Settings, the domain dictionary and the after-commit hook that keeps the index current."""
    app.config.setdefault("SEARCH_AUTO_SYNC", True)
    app.config.setdefault("SEARCH_CATCH_UP_SECONDS", 1.0)
    app.config.setdefault("SEARCH_DICT_FILE", os.path.join(app.instance_path, "search_dict.txt"))
    app.config.setdefault("SEARCH_JIEBA_CACHE_DIR", os.path.join(app.instance_path, "jieba"))
    # Loading jieba costs ~0.5 s and ~190 MB: do it at start-up (shared by gunicorn --preload
    # workers) except in tests, where it loads on first use.
    app.config.setdefault("SEARCH_PRELOAD", not app.testing)
    dictionary.configure(app.config["SEARCH_JIEBA_CACHE_DIR"], app.config["SEARCH_DICT_FILE"])
    _install_session_hooks()
    if app.config["SEARCH_PRELOAD"]:
        analysis.jieba_module()


def _install_session_hooks() -> None:
    if _hooks["installed"]:
        return
    from flask_sqlalchemy.session import Session as AppSession

    event.listen(AppSession, "after_flush", _note_changes)
    event.listen(AppSession, "after_commit", _sync_after_commit)
    event.listen(AppSession, "after_rollback", lambda session: session.info.pop("search_changed", None))
    _hooks["installed"] = True


def _note_changes(session, _flush_context) -> None:
    if any(isinstance(obj, SearchChange) for obj in session.new):
        session.info["search_changed"] = True


def _sync_after_commit(session) -> None:
    if session.in_nested_transaction():
        # A SAVEPOINT ended (begin_nested); the changes are not committed until the outer transaction is.
        return
    if not session.info.pop("search_changed", False):
        return
    app = current_app._get_current_object()
    if not app.config.get("SEARCH_AUTO_SYNC", True):
        return
    try:
        indexer.sync(app, lock_timeout=5.0)
    except IndexStale as exc:
        log.error("search index needs `flask search reindex`: %s", exc)
    except Exception:  # the outbox keeps the change; the next sync or reindex applies it
        log.warning("search index sync failed; it will catch up later", exc_info=True)


def sync(app: Flask) -> int:
    """Apply outbox changes the index has not seen yet; returns the number of listings touched."""
    # Read in the caller's session: a second SQLite transaction could wait on the caller's own lock.
    with _context(app):
        return indexer.sync(app, session=db.session)


def rebuild(app: Flask, progress=None) -> int:
    """Rebuild the index from the database; returns the number of documents."""
    with _context(app):
        return indexer.rebuild(app, progress=progress)


def status(app: Flask) -> dict:
    """This node's index folder against the outbox (see indexer.node_status)."""
    with _context(app):
        try:
            return indexer.node_status(app, db.session)
        finally:
            db.session.rollback()


def prune(app: Flask, keep_days: float, progress=None) -> tuple[int, int | None]:
    """Delete outbox changes older than `keep_days`; returns (rows deleted, marker id).

    Index folders that have not applied everything up to the marker must be rebuilt
    (their sync refuses with IndexStale).
    """
    with _context(app):
        return outbox.prune(db.session, utcnow() - timedelta(days=keep_days), progress)


def _context(app: Flask):
    """`app`'s context: the current one when it is already `app`'s, else a new one."""
    if has_app_context() and current_app._get_current_object() is app:
        return nullcontext()
    return app.app_context()


def add_words(words) -> list[str]:
    """Add words to the admins' domain dictionary (takes effect for queries at once; reindex for documents)."""
    return dictionary.add_words(words)


def catch_up(app: Flask) -> None:
    """At most once per interval: apply changes another process committed but did not index."""
    path = indexer.index_dir(app)
    now = time.monotonic()
    if now - _last_check.get(path, -1e9) < float(app.config["SEARCH_CATCH_UP_SECONDS"]):
        return
    _last_check[path] = now
    try:
        # The caller's session: a second SQLite transaction here could wait on the caller's own lock.
        if indexer.pending(app, db.session) or not os.path.exists(os.path.join(path, indexer.STATE_FILE)):
            indexer.sync(app, lock_timeout=1.0, session=db.session)
    except IndexStale as exc:
        log.error("search index needs `flask search reindex`: %s", exc)
    except Exception:
        log.warning("search index catch-up failed", exc_info=True)


def search(kind: str, q: str = "", filters: dict | None = None, sort: str = "relevance", page: int = 1,
           per_page: int = 20) -> SearchResults:
    """Published listings of `kind` matching the plain-text query, with facets and highlights."""
    app = current_app._get_current_object()
    q, page, per_page = validate(kind, q, sort, page, per_page)
    catch_up(app)
    path = indexer.index_dir(app)
    with searchers.lock():
        searcher = searchers.current(path)
        if searcher is None:
            parse_filters(kind, filters)  # still refuse bad filters
            ranked, total, facets, units, notice = [], 0, facet_counts(kind, None, []), [], ""
        else:
            table = searchers.facet_table(searcher, path)
            ranked, total, facets, units, notice = run_query(searcher, table, kind, q, filters or {}, sort,
                                                             page, per_page)
    items = _reread(kind, [listing_id for listing_id, _ in ranked])
    scores = dict(ranked)
    dropped = len(ranked) - len(items)
    return SearchResults(
        ids=[item.id for item in items], total=max(0, total - dropped), facets=facets,
        highlights={item.id: snippet(item.body, units) for item in items},
        scores={item.id: round(scores[item.id], 4) for item in items}, items=items, page=page,
        per_page=per_page, notice=notice, units=units,
    )


def ranked_ids(kind: str, q: str, limit: int = MAX_RESULT_WINDOW) -> tuple[list[int], list[str], str]:
    """Listing ids matching `q` best first (at most `limit`), the query's units and a notice.

    For pages that filter, count and page in the database themselves (the browse pages).
    """
    app = current_app._get_current_object()
    q, _page, _per_page = validate(kind, q, "relevance", 1, 1)
    catch_up(app)
    path = indexer.index_dir(app)
    with searchers.lock():
        searcher = searchers.current(path)
        if searcher is None:
            return [], [], ""
        table = searchers.facet_table(searcher, path)
        return relevance_ranking(searcher, table, kind, q, limit)


def highlight(text: str | None, units: list[str]):
    """An HTML-safe snippet of `text` with the query units marked."""
    return snippet(text, units)


def _reread(kind: str, ids: list[int]) -> list:
    """The hits from the database, in rank order; anything no longer published is dropped."""
    if not ids:
        return []
    model = MODELS[kind]
    rows = db.session.scalars(select(model).where(model.id.in_(ids), model.status == ListingStatus.PUBLISHED))
    by_id = {row.id: row for row in rows}
    return [by_id[i] for i in ids if i in by_id]
