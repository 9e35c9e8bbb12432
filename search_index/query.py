"""Run a user query: plain text only (no operators, wildcards or fields), bounded in length and time.

The query is segmented into words; a word matches a listing when it is a term of
any text field or a substring of the title/keywords (CJK n-grams). Matching is
set algebra over posting lists cached per searcher; every word must match (if
none does, any word may, with a notice).
"""
import heapq
import math
import time
from collections import defaultdict
from dataclasses import dataclass, field

from whoosh.matching.wrappers import FilterMatcher

from search_index import analysis, synonyms
from search_index.filters import KINDS, SearchError

MAX_QUERY_CHARS = 100
MAX_UNITS = 8
MAX_PER_PAGE = 100
MAX_RESULT_WINDOW = 5000
TIME_LIMIT = 0.8  # seconds of matching and scoring; reading the page from the DB comes on top
SORTS = ("relevance", "newest", "price", "price_desc")
BOOSTS = {"title": 8.0, "keywords": 4.0, "body": 1.5, "org": 1.0}
GRAM_BOOST = 3.0
SYNONYM_SHARE = 0.9  # a listing that uses the very word ranks just above one that uses a synonym
TERM_CACHE_IDS = 1_500_000  # document numbers kept in cached posting sets per searcher


class SearchTimeout(SearchError):
    """Matching did not finish in time."""


@dataclass
class SearchResults:
    """One page of hits (ids in rank order) plus facet counts over all hits (each without its own filter)."""

    ids: list[int]
    total: int
    facets: dict[str, list[tuple[str, int]]]
    highlights: dict[int, str] = field(default_factory=dict)
    scores: dict[int, float] = field(default_factory=dict)
    items: list = field(default_factory=list)  # the listings re-read from the database, in rank order
    page: int = 1
    per_page: int = 20
    notice: str = ""  # e.g. that only some of the words matched
    units: list[str] = field(default_factory=list)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def validate(kind: str, q, sort: str, page, per_page) -> tuple[str, int, int]:
    """Check the plain parameters; returns the stripped query, page and per_page."""
    if kind not in KINDS:
        raise SearchError("未知的检索类型。")
    if sort not in SORTS:
        raise SearchError("未知的排序方式。")
    q = (q or "").strip() if isinstance(q, str) else ""
    if len(q) > MAX_QUERY_CHARS:
        raise SearchError(f"检索词过长（最多 {MAX_QUERY_CHARS} 个字符）。")
    try:
        page, per_page = int(page), int(per_page)
    except (TypeError, ValueError):
        raise SearchError("页码无效。")
    if page < 1 or not 1 <= per_page <= MAX_PER_PAGE:
        raise SearchError("页码无效。")
    if page * per_page > MAX_RESULT_WINDOW:
        raise SearchError(f"最多只能查看前 {MAX_RESULT_WINDOW} 条结果，请缩小检索范围。")
    return q, page, per_page


def _deadline_check(deadline: float):
    if time.monotonic() > deadline:
        raise SearchTimeout("检索超时，请换用更具体的检索词。")


def _leaf_ids(matcher) -> list[int]:
    """All document numbers of one segment's posting list, a block at a time."""
    deleted = None
    if isinstance(matcher, FilterMatcher):  # the segment has deletions
        deleted, matcher = matcher._ids, matcher.child
    if not hasattr(matcher, "_read_ids"):
        return [d for d in matcher.all_ids() if not deleted or d not in deleted]
    ids = []
    while matcher.is_active():
        if matcher._ids is None:
            matcher._read_ids()
        ids.extend(matcher._ids)
        matcher._next_block()
    return [d for d in ids if d not in deleted] if deleted else ids


def forget_terms(searcher) -> None:
    """Drop the posting sets cached on `searcher`."""
    searcher.__dict__.pop("_term_docs", None)


def term_docs(searcher, field: str, text: str) -> frozenset:
    """Global document numbers containing a term, cached on the searcher (dropped on refresh)."""
    cache = searcher.__dict__.setdefault("_term_docs", {})
    key = (field, text)
    found = cache.get(key)
    if found is None:
        ids = []
        for sub, offset in searcher.leaf_searchers():
            reader = sub.reader()
            if (field, text) in reader:
                ids.extend(d + offset for d in _leaf_ids(reader.postings(field, text)))
        found = frozenset(ids)
        size = cache.get("_size", 0) + len(found)
        if size > TERM_CACHE_IDS:  # bound memory: start over rather than track recency
            cache.clear()
            size = len(found)
        cache[key] = found
        cache["_size"] = size
    return found


def word_docs(searcher, word: str) -> set:
    """Documents a word matches: the word in any text field, or the title n-grams."""
    docs = set()
    for name in BOOSTS:
        docs |= term_docs(searcher, name, word)
    grams = analysis.query_grams(word)
    docs |= frozenset.intersection(*(term_docs(searcher, "title_grams", g) for g in grams))
    return docs


def unit_docs(searcher, unit: str) -> set:
    """Documents a query unit matches: the unit itself, or any of its synonyms (each with all its parts)."""
    docs = set(word_docs(searcher, unit))
    for other in synonyms.alternatives(unit)[1:]:
        docs |= set.intersection(*(word_docs(searcher, part) for part in synonyms.parts(other)))
    return docs


def matching_docs(searcher, kind: str, units: list[str], require_all: bool, deadline: float) -> list[int]:
    """Global document numbers of `kind` matching the units (deleted documents excluded)."""
    combined = None
    for unit in units:
        _deadline_check(deadline)
        docs = unit_docs(searcher, unit)
        if combined is None:
            combined = docs
        else:
            combined = combined & docs if require_all else combined | docs
    combined = (combined or set()) & term_docs(searcher, "kind", kind)
    return sorted(combined)


def all_docs(searcher, table, kind: str) -> list[int]:
    """Every live document of `kind` (an empty query browses everything)."""
    kinds = table.column("kind")
    found = []
    for sub, offset in searcher.leaf_searchers():
        found.extend(d + offset for d in sub.reader().all_doc_ids() if kinds[d + offset] == kind)
    return found


def _idf(df: int, total: int) -> float:
    return math.log(1.0 + total / (1.0 + df))


def rank_by_relevance(searcher, table, units: list[str], docs: list[int], limit: int, deadline: float):
    """Top `limit` (docnum, score): per word, field boost × idf for each field it occurs in; newest first on ties.

    Boosts make title ≫ keywords > description > organisation; set algebra on the
    cached posting sets keeps this at C speed.
    """
    candidates = set(docs)
    total = max(1, searcher.doc_count())
    scores = defaultdict(float)
    for unit in units:
        _deadline_check(deadline)
        # A synonym counts as the word itself, once: each document takes its best-scoring alternative.
        best = _word_scores(searcher, candidates, unit, total)
        for other in synonyms.alternatives(unit)[1:]:
            for docnum, score in _synonym_scores(searcher, candidates, other, total).items():
                best[docnum] = max(best.get(docnum, 0.0), score)
        for docnum, score in best.items():
            scores[docnum] += score
    published, ids = table.column("published"), table.column("listing_id")
    # The listing id breaks ties, not the document number: nodes whose index folders have
    # different histories (see search_index.outbox) must still rank alike.
    top = heapq.nlargest(limit, scores, key=lambda d: (scores[d], published[d], ids[d]))
    return [(d, scores[d]) for d in top]


def _word_scores(searcher, candidates: set, word: str, total: int) -> dict[int, float]:
    """Per candidate: field boost × idf summed over the fields (and title n-grams) holding `word`."""
    sources = [(term_docs(searcher, name, word), boost) for name, boost in BOOSTS.items()]
    grams = [term_docs(searcher, "title_grams", g) for g in analysis.query_grams(word)]
    sources.append((frozenset.intersection(*grams), GRAM_BOOST))
    scores: dict[int, float] = defaultdict(float)
    for posting, boost in sources:
        hits = candidates.intersection(posting)
        if hits:
            weight = boost * _idf(len(posting), total)
            for docnum in hits:
                scores[docnum] += weight
    return scores


def _synonym_scores(searcher, candidates: set, word: str, total: int) -> dict[int, float]:
    """A synonym scores where all its parts occur, as their mean, a little below the word as written."""
    pieces = [_word_scores(searcher, candidates, part, total) for part in synonyms.parts(word)]
    common = set.intersection(*(set(piece) for piece in pieces))
    return {docnum: SYNONYM_SHARE * sum(piece[docnum] for piece in pieces) / len(pieces) for docnum in common}


def relevance_ranking(searcher, table, kind: str, q: str, limit: int):
    """The best `limit` (listing id, score) for `q` (no filters), the query units and a notice."""
    units = synonyms.join_terms(analysis.query_units(analysis.normalise(q)))[:MAX_UNITS]
    if not units:
        return [], units, ""
    # The clock covers matching and scoring only: loading the segmenter or the thesaurus is not the query's cost.
    deadline = time.monotonic() + TIME_LIMIT
    docs = matching_docs(searcher, kind, units, True, deadline)
    notice = ""
    if not docs and len(units) > 1:
        docs = matching_docs(searcher, kind, units, False, deadline)
        notice = "没有同时包含全部检索词的结果，以下为部分匹配。" if docs else ""
    ranked = rank_by_relevance(searcher, table, units, docs, limit, deadline)
    return [(table[d].listing_id, score) for d, score in ranked], units, notice
