"""Full-text search over published listings (Whoosh + jieba).

The database is the source of truth: listing changes are written to the
`search_changes` outbox in the same transaction and the index follows it
(`sync` after each commit that recorded changes, and on the first search of a
process). `flask search reindex` rebuilds everything.

This package's names below are its whole interface; nothing outside it imports
its modules (tests/test_search_boundary.py checks):

* writing: record_change, record_added, init_app, sync, sync_counts, rebuild, status, behind,
  index_dir, prune, add_words;
* finding: search (the API), ranked_ids and highlight (the browse pages), similar
  (matching), generation (what a kept answer to a query depends on), keywords_of and
  normalise (the index's own text analysis);
* published listings in the database, one implementation for every page and API:
  parse_filters → ListingFilters (bad input → `errors`, FilterError), select_listings,
  listing_page, facet_counts (each facet counted without its own filter), use_memo (where
  the app keeps those counts between requests);
* SearchResults, SimilarListing, SearchError, SearchTimeout, IndexBusy, IndexStale.

Only published listings are indexed: a change to a listing that neither is nor was
published adds no outbox row and no index work.

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
from sqlalchemy import event, insert, inspect

from models import ListingStatus, SearchChange, db
from models.base import utcnow
from search_index import analysis, dictionary, indexer, outbox, searchers, synonyms
from search_index.candidates import SimilarListing, gather
from search_index.filters import (
    AMOUNT_KEYS, KINDS, FilterError, ListingFilters, SearchError, parse_filters, plain_value,
)
from search_index.indexer import IndexBusy
from search_index.listing_query import facet_counts, listing_page, select_listings, use_memo
from search_index.outbox import IndexStale
from search_index.query import (
    MAX_QUERY_CHARS, MAX_RESULT_WINDOW, SORTS, SearchResults, SearchTimeout, forget_terms, relevance_ranking,
    validate,
)
from search_index.snippets import snippet

__all__ = [
    "record_change", "record_added", "init_app", "sync", "sync_counts", "index_dir", "behind", "rebuild", "status",
    "prune", "add_words", "drop_term_cache", "search", "ranked_ids", "highlight", "similar", "generation", "keywords_of",
    "normalise", "parse_filters", "plain_value", "AMOUNT_KEYS", "ListingFilters", "FilterError", "select_listings",
    "listing_page", "facet_counts", "use_memo", "set_synonym_provider",
    "MAX_QUERY_CHARS", "KINDS", "SORTS", "SearchResults", "SimilarListing", "SearchError", "SearchTimeout", "IndexBusy", "IndexStale",
]

log = logging.getLogger(__name__)
_hooks = {"installed": False}
_last_check: dict[str, float] = {}


def record_change(listing) -> None:
    """Note that `listing` changed; at commit it joins the outbox once, and only if the index may hold it."""
    session = db.session()
    root = session.get_transaction() or session.begin()
    noted = session.info.get("search_noted")
    if noted is None or noted[0] is not root:  # a new transaction: forget the last one's notes
        noted = session.info["search_noted"] = (root, {})
    _listing, was_published = noted[1].get(id(listing), (listing, False))
    noted[1][id(listing)] = (listing, was_published or _was_published(listing))


def record_added(kind: str, listing_ids: list[int]) -> None:
    """Note listings of `kind` published by a bulk insert: one outbox row each, in the caller's transaction.

    No ORM objects and no sync after the commit: the caller applies them (`sync_counts`,
    with progress) or leaves them to the next catch-up.
    """
    at = utcnow()
    db.session.execute(insert(SearchChange.__table__),
                       [{"kind": kind, "listing_id": listing_id, "at": at} for listing_id in listing_ids])


def _was_published(listing) -> bool:
    """Whether the index may hold `listing` from before this transaction (it only holds published ones)."""
    # published_at stays set once a listing was published; the attribute history covers a status
    # changed away from published but not flushed yet.
    history = inspect(listing).attrs.status.history
    return listing.published_at is not None or ListingStatus.PUBLISHED in (history.deleted or ())


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

    event.listen(AppSession, "before_commit", _queue_changes)
    event.listen(AppSession, "after_flush", _note_changes)
    event.listen(AppSession, "after_commit", _sync_after_commit)
    event.listen(AppSession, "after_rollback", lambda session: session.info.pop("search_changed", None))
    _hooks["installed"] = True


def _queue_changes(session) -> None:
    """One outbox row per noted listing that is, or may have been, in the index; none for the rest."""
    if session.in_nested_transaction():
        return  # a SAVEPOINT: the outer commit decides
    noted = session.info.pop("search_noted", None)
    if noted is None or noted[0] is not session.get_transaction():
        return
    listings = [(listing, was) for listing, was in noted[1].values() if not inspect(listing).transient]
    if any(inspect(listing).pending for listing, _was in listings):
        session.flush()  # ids first
    for listing, was_published in listings:
        state = inspect(listing)
        if (was_published or state.deleted or state.was_deleted or listing.status == ListingStatus.PUBLISHED
                or listing.published_at is not None):
            session.add(SearchChange(kind=listing.kind, listing_id=state.identity[0]))


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


def sync_counts(app: Flask, lock_timeout: float = 10.0, progress=None) -> indexer.SyncResult:
    """Apply the outbox with a short transaction of its own: (changes applied, listings touched).

    Raises IndexBusy when the index stays locked for `lock_timeout` seconds, IndexStale when only a rebuild helps.
    """
    return indexer.sync_counts(app, lock_timeout=lock_timeout, progress=progress)


def index_dir(app: Flask) -> str:
    """This node's index folder."""
    return indexer.index_dir(app)


def behind(app: Flask) -> bool:
    """Whether this node's index has outbox changes to apply (or a changed history to refuse)."""
    return indexer.pending(app, db.session)


def rebuild(app: Flask, progress=None, procs: int | None = None) -> int:
    """Rebuild the index from the database (`procs` writer processes); returns the number of documents."""
    with _context(app):
        return indexer.rebuild(app, progress=progress, procs=procs)


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


def normalise(text: str | None) -> str:
    """`text` folded as the index folds it: full-width forms, traditional characters, case."""
    return analysis.normalise(text)


def keywords_of(text: str | None) -> list[str]:
    """The words a query for `text` looks for (folded, segmented, stop words dropped)."""
    return analysis.query_units(analysis.normalise(text))


def drop_term_cache(app: Flask) -> None:
    """Forget the posting sets cached on this process's searcher (benchmarks measure cold queries so)."""
    with searchers.lock():
        searcher = searchers.current(indexer.index_dir(app))
        if searcher is not None:
            forget_terms(searcher)


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


def search(kind: str, q: str = "", filters=None, sort: str = "relevance", page: int = 1,
           per_page: int = 20) -> SearchResults:
    """Published listings of `kind` matching the plain-text query and filters, with facets and highlights.

    `filters` is a dict of filters only, or ListingFilters from `parse_filters`; refused with FilterError.
    """
    q, page, per_page = validate(kind, q, sort, page, per_page)
    if not isinstance(filters, ListingFilters):
        filters = parse_filters(kind, filters or {}, strict_keys=True)
    filters.check()
    ranked, units, notice = _ranking(kind, q, MAX_RESULT_WINDOW) if q else (None, [], "")
    ids = [listing_id for listing_id, _score in ranked] if ranked is not None else None
    total, page, items = listing_page(filters, ids, sort, page, per_page)
    scores = dict(ranked or ())
    return SearchResults(
        ids=[item.id for item in items], total=total, facets=facet_counts(filters, ids),
        highlights={item.id: snippet(item.body, units) for item in items},
        scores={item.id: round(scores.get(item.id, 0.0), 4) for item in items}, items=items, page=page,
        per_page=per_page, notice=notice, units=units,
    )


def ranked_ids(kind: str, q: str, limit: int = MAX_RESULT_WINDOW) -> tuple[list[int], list[str], str]:
    """Listing ids matching `q` best first (at most `limit`), the query's units and a notice.

    For pages that filter, count and page in the database themselves (the browse pages).
    """
    q, _page, _per_page = validate(kind, q, "relevance", 1, 1)
    ranked, units, notice = _ranking(kind, q, limit)
    return [listing_id for listing_id, _score in ranked], units, notice


def _ranking(kind: str, q: str, limit: int):
    """(listing id, score) best first from this node's index, the query units and a notice."""
    app = current_app._get_current_object()
    catch_up(app)
    path = indexer.index_dir(app)
    with searchers.lock():
        searcher = searchers.current(path)
        if searcher is None:
            return [], [], ""
        table = searchers.facet_table(searcher, path)
        return searchers.remembered(searcher, ("ranking", kind, q, limit, synonyms.version()),
                                    lambda: relevance_ranking(searcher, table, kind, q, limit))


def generation() -> int | None:
    """This node's index generation (None before the first build): any change to the index changes it."""
    path = indexer.index_dir(current_app._get_current_object())
    with searchers.lock():
        searcher = searchers.current(path)
        if searcher is None:
            return None
        found = searcher.reader().generation()
        return found if found is not None else searchers.index_generation(path)


def set_synonym_provider(provider) -> None:
    """Install `provider()` → (version, {word: its synonyms' group}): query words also match their synonyms."""
    synonyms.set_provider(provider)


def similar(listing, kind: str, units, limit: int = 200) -> list[SimilarListing]:
    """Published listings of `kind` like `listing`: the best `limit` sharing `units` ((word, weight, source)), plus
    some of its 技术领域."""
    app = current_app._get_current_object()
    catch_up(app)
    return gather(indexer.index_dir(app), kind, listing, limit, units)


def highlight(text: str | None, units: list[str]):
    """An HTML-safe snippet of `text` with the query units marked."""
    return snippet(text, units)
