"""Run a user query: plain text only (no operators, wildcards or fields), bounded in length and time."""
import heapq
import time
from dataclasses import dataclass, field

from whoosh import collectors
from whoosh.query import And, Or, Term

from search_index import analysis
from search_index.filters import SearchError, facet_counts, matches_filters, parse_filters
from search_index.schema import NO_PRICE

MAX_QUERY_CHARS = 100
MAX_UNITS = 8
MAX_PER_PAGE = 100
MAX_RESULT_WINDOW = 5000
TIME_LIMIT = 0.8  # seconds of matching and scoring; reading the page from the DB comes on top
SORTS = ("relevance", "newest", "price", "price_desc")
KINDS = ("result", "need")
BOOSTS = {"title": 8.0, "keywords": 4.0, "body": 1.5, "org": 1.0}
GRAM_BOOST = 3.0


class SearchTimeout(SearchError):
    """Matching did not finish in time."""


@dataclass
class SearchResults:
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


def unit_query(unit: str):
    """A word matches in any text field, or as a substring of the title or keywords."""
    clauses = [Term(name, unit, boost=boost) for name, boost in BOOSTS.items()]
    grams = analysis.query_grams(unit)
    gram_terms = [Term("title_grams", g) for g in grams]
    clauses.append(gram_terms[0] if len(gram_terms) == 1 else And(gram_terms, boost=GRAM_BOOST))
    if len(gram_terms) == 1:
        gram_terms[0].boost = GRAM_BOOST
    return Or(clauses)


def build_query(kind: str, units: list[str], require_all: bool = True):
    parts = [unit_query(u) for u in units]
    words = And(parts) if require_all or len(parts) == 1 else Or(parts)
    return And([Term("kind", kind), words])


def _deadline_check(deadline: float):
    if time.monotonic() > deadline:
        raise SearchTimeout("检索超时，请换用更具体的检索词。")


def matching_docs(searcher, q, deadline: float) -> list[int]:
    """Global document numbers matching `q` (deleted documents excluded), checked against the deadline."""
    found = []
    for sub, offset in searcher.leaf_searchers():
        _deadline_check(deadline)
        matcher = q.matcher(sub, sub.boolean_context())
        count = 0
        for docnum in matcher.all_ids():
            found.append(docnum + offset)
            count += 1
            if count & 1023 == 0:
                _deadline_check(deadline)
    return found


def all_docs(searcher, table, kind: str) -> list[int]:
    found = []
    for sub, offset in searcher.leaf_searchers():
        for docnum in sub.reader().all_doc_ids():
            row = table[docnum + offset]
            if row is not None and row.kind == kind:
                found.append(docnum + offset)
    return found


class DeadlineCollector(collectors.WrappingCollector):
    """Keeps only allowed documents and stops (keeping what it has) once the deadline passes."""

    def __init__(self, child, deadline: float, allowed: set | None = None):
        super().__init__(child)
        self.deadline = deadline
        self.allowed = allowed
        self.timedout = False

    def collect_matches(self):
        child, allowed = self.child, self.allowed
        offset = child.offset
        count = 0
        for sub_docnum in child.matches():
            count += 1
            if count & 255 == 0 and time.monotonic() > self.deadline:
                self.timedout = True
                break
            if allowed is None or sub_docnum + offset in allowed:
                child.collect(sub_docnum)


def rank_by_relevance(searcher, q, allowed: set | None, limit: int, deadline: float):
    """Top `limit` (docnum, score) pairs by BM25F score."""
    collector = DeadlineCollector(searcher.collector(limit=limit), deadline, allowed)
    searcher.search_with_collector(q, collector)
    return [(hit.docnum, hit.score) for hit in collector.results()]


def rank_by_value(docs: list[int], table, sort: str, limit: int) -> list[tuple[int, float]]:
    """Top `limit` documents by publication time or price (面议 last)."""
    if sort == "newest" or sort == "relevance":
        def key(d):
            return (table[d].published, table[d].listing_id)
        top = heapq.nlargest(limit, docs, key=key)
    elif sort == "price":
        def key(d):
            row = table[d]
            return (row.price == NO_PRICE, row.price, -row.published)
        top = heapq.nsmallest(limit, docs, key=key)
    else:
        def key(d):
            row = table[d]
            return (row.price == NO_PRICE, -row.price, -row.published)
        top = heapq.nsmallest(limit, docs, key=key)
    return [(d, 0.0) for d in top]


def run_query(searcher, table, kind: str, q: str, filters: dict, sort: str, page: int, per_page: int):
    """Everything but the database: (ranked page of (listing id, score), total, facets, units, notice)."""
    deadline = time.monotonic() + TIME_LIMIT
    checks = parse_filters(kind, filters)
    units = analysis.query_units(analysis.normalise(q))[:MAX_UNITS] if q else []
    notice = ""
    if units:
        query = build_query(kind, units)
        docs = matching_docs(searcher, query, deadline)
        if not docs and len(units) > 1:
            query = build_query(kind, units, require_all=False)
            docs = matching_docs(searcher, query, deadline)
            notice = "没有同时包含全部检索词的结果，以下为部分匹配。" if docs else ""
    else:
        query = None
        docs = all_docs(searcher, table, kind)
    if checks:
        docs = [d for d in docs if matches_filters(table[d], checks)]
    facets = facet_counts(kind, (table[d] for d in docs))
    limit = page * per_page
    if query is not None and sort == "relevance":
        allowed = set(docs) if checks else None
        ranked = rank_by_relevance(searcher, query, allowed, limit, deadline) if docs else []
    else:
        ranked = rank_by_value(docs, table, sort, limit)
    window = ranked[(page - 1) * per_page:limit]
    return [(table[d].listing_id, score) for d, score in window], len(docs), facets, units, notice
