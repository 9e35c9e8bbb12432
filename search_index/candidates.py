"""Candidates for matching straight from the index: listings similar to a given one.

The caller's words of a listing (keywords, title, description: marketplace.matching.terms) become
weighted query units; of the description, the rarest words are kept. Words too common
to mean anything are dropped from term statistics before any posting list is read; the
documents sharing the most weight form a pool (counted in C), and only the pool is
scored exactly by idf-weighted coverage.
Documents of the same 技术领域 nearby are added as a second source, so a listing with
no shared words can still be suggested. Everything here runs on the index's cached
posting sets and facet table (no database): about 35 ms per need on 100,000 results
(bench/matching_bench.py).
"""
import heapq
import math
from collections import Counter
from dataclasses import dataclass
from itertools import islice

from search_index import analysis, searchers, synonyms
from search_index.query import all_docs, term_docs
from search_index.schema import NO_PRICE

# Where a unit occurs, and how much that says about the document.
FIELD_FACTORS = (("title", 1.0), ("keywords", 1.0), ("body", 0.6))
GRAM_FACTOR = 0.9
SYNONYM_SHARE = 0.9  # a synonym or lay term shared counts a little less than the very word
MAX_UNITS = 20
POOL_SIZE = 600  # documents scored exactly (those sharing the most weight)
MAX_REPEAT = 8  # a unit's weight counts at most this many times when choosing the pool
# A word found in more than this share of the listings says nothing about a match (like max_df in tf-idf).
MAX_DF_SHARE = 0.06
MIN_COMMON_DF = 30  # small markets: a word must be in this many listings before it is too common
MAX_TITLE_UNITS = 12  # keywords and title, in order
FIELD_CANDIDATES = 60

@dataclass
class SimilarListing:
    """A listing similar to the source: its text score (0–1), shared words and facet values from the index."""

    listing_id: int
    text: float
    units: list
    field: str
    city: str
    maturity: str
    modes: tuple
    price_fen: int | None  # price of a result or budget of a need; None for 面议


@dataclass
class Candidate:
    """One indexed document with its text score (0–1) and the units it shares."""

    docnum: int
    text: float
    units: list


def _unit_postings(searcher, unit: str, with_grams: bool) -> list[tuple[frozenset, float, str]]:
    """(documents, factor, label) per place the unit occurs; its synonyms count a little less, named "洋芋 = 马铃薯"."""
    postings = [(term_docs(searcher, name, unit), factor, unit) for name, factor in FIELD_FACTORS]
    if with_grams:
        grams = [term_docs(searcher, "title_grams", g) for g in analysis.query_grams(unit)]
        postings.append((frozenset.intersection(*grams), GRAM_FACTOR, unit))
    for other in synonyms.alternatives(unit)[1:]:
        parts = synonyms.parts(other)
        for name, factor in FIELD_FACTORS:
            docs = frozenset.intersection(*(term_docs(searcher, name, part) for part in parts))
            postings.append((docs, factor * SYNONYM_SHARE, f"{unit} = {other}"))
    return postings


def _doc_frequency(searcher, unit: str) -> int:
    """In how many documents the unit, or failing that its commonest synonym, occurs (lay terms are rare in listings)."""
    df = max(searcher.doc_frequency(name, unit) for name, _ in FIELD_FACTORS)
    for other in synonyms.alternatives(unit)[1:] if not df else ():
        df = max(df, min(max(searcher.doc_frequency(name, part) for name, _ in FIELD_FACTORS)
                         for part in synonyms.parts(other)))
    return df


def _specific_units(searcher, units):
    """The units rare enough to say something, judged from term statistics before any posting is read.

    Reading the posting list of a word found in half the corpus costs more than all
    the rest of a suggestion, and such a word carries almost no weight anyway. Of the
    description, the rarest words are kept (not the first ones), words no listing has dropped.
    """
    max_df = max(MAX_DF_SHARE * searcher.doc_count(), MIN_COMMON_DF)
    rated = [(_doc_frequency(searcher, unit), unit, weight, source) for unit, weight, source in units]
    head = [r for r in rated if r[3] != "body" and 0 < r[0] <= max_df][:MAX_TITLE_UNITS]
    body = sorted((r for r in rated if r[3] == "body" and 0 < r[0] <= max_df), key=lambda r: r[0])
    chosen = {r[1] for r in head + body[:MAX_UNITS - len(head)]}
    kept = [(unit, weight, source) for df, unit, weight, source in rated if unit in chosen]
    if not kept and rated:  # only common words: the rarest of them is better than nothing
        _df, unit, weight, source = min(rated, key=lambda r: r[0])
        kept = [(unit, weight, source)]
    return kept


def _pool(prepared) -> set:
    """The documents worth exact scoring: those sharing the most (and the weightiest) units.

    Counting runs in C (Counter.update over posting sets); a unit counts its weight
    in whole steps, so a shared keyword outweighs a shared word of the description.
    """
    counts = Counter()
    for _unit, weight, _postings, _df, union in prepared:
        for _ in range(max(1, min(MAX_REPEAT, round(weight)))):
            counts.update(union)
    if len(counts) <= POOL_SIZE:
        return set(counts)
    return {docnum for docnum, _n in counts.most_common(POOL_SIZE)}


def text_candidates(searcher, kind: str, units, limit: int) -> list[Candidate]:
    """Top `limit` documents of `kind` by idf-weighted share of the source's units."""
    units = _specific_units(searcher, units)
    if not units:
        return []
    kind_docs = term_docs(searcher, "kind", kind)
    total = max(1, len(kind_docs))
    prepared = []
    for unit, weight, source in units:
        postings = _unit_postings(searcher, unit, with_grams=source == "keywords")
        # Only the union is cut down to this kind: the pool built from it then filters every posting.
        union = frozenset().union(*(docs for docs, _f, _l in postings)) & kind_docs
        if union:
            idf = math.log(1.0 + total / (1.0 + len(union)))
            prepared.append((unit, weight * idf, postings, len(union), union))
    if not prepared:
        return []
    denominator = sum(p[1] for p in prepared)
    pool = _pool(prepared)
    # Exact scores inside the pool: per unit, the best field it occurs in.
    scores, shared = {}, {}
    for position, (unit, weight, postings, _df, _union) in enumerate(prepared):
        best = {}
        for docs, factor, label in postings:
            for docnum in pool.intersection(docs):
                if factor > best.get(docnum, (0.0, ""))[0]:
                    best[docnum] = (factor, label)
        for docnum, (factor, label) in best.items():
            scores[docnum] = scores.get(docnum, 0.0) + weight * factor
            shared.setdefault(docnum, []).append((position, label))
    top = heapq.nlargest(limit, scores, key=scores.__getitem__)
    # Keywords first in the reasons (the order of the source's units).
    return [Candidate(d, scores[d] / denominator, [label for _p, label in sorted(shared[d])]) for d in top]


def field_docs(searcher, table, kind: str, field: str, place: tuple = ()) -> list[int]:
    """Live documents of `kind` in one 技术领域 (and `place`: ("city", code) or ("province", code)), newest first.

    Grouped once per searcher: a suggestion then reads its few nearest documents
    instead of scanning every document of its field.
    """
    cache = searcher.__dict__.setdefault("_match_place_docs", {})
    if kind not in cache:
        fields, published = table.column("field"), table.column("published")
        cities, provinces = table.column("city"), table.column("province")
        groups: dict[tuple, list[int]] = {}
        for docnum in sorted(all_docs(searcher, table, kind), key=published.__getitem__, reverse=True):
            field_of = fields[docnum]
            for key in ((field_of,), (field_of, "city", cities[docnum]), (field_of, "province", provinces[docnum])):
                groups.setdefault(key, []).append(docnum)
        cache[kind] = groups
    return cache[kind].get((field, *place), [])


def same_field_candidates(searcher, table, kind: str, field: str, city: str, limit: int) -> list[Candidate]:
    """Documents of the same field, nearest first (same city, then province, then anywhere), newest within each."""
    chosen = field_docs(searcher, table, kind, field, ("city", city))[:limit]
    for place in (("province", city[:2] + "0000"), ()):
        if len(chosen) >= limit:
            break
        taken = set(chosen)
        chosen += islice((d for d in field_docs(searcher, table, kind, field, place) if d not in taken),
                         limit - len(chosen))
    return [Candidate(d, 0.0, []) for d in chosen]


def gather(path: str, kind: str, listing, text_limit: int, units) -> list[SimilarListing]:
    """Listings of `kind` sharing words with `listing` (best `text_limit`) or its 技术领域, under the index lock.

    `units` are the listing's (unit, weight, source) subject words, as the caller chose them.
    """
    with searchers.lock():
        searcher = searchers.current(path)
        if searcher is None:
            return []
        table = searchers.facet_table(searcher, path)
        found = {c.docnum: c for c in text_candidates(searcher, kind, units, text_limit)}
        for cand in same_field_candidates(searcher, table, kind, listing.field, listing.region_code,
                                          FIELD_CANDIDATES):
            found.setdefault(cand.docnum, cand)
        if len(found) < FIELD_CANDIDATES:  # a small market: any other listing rather than a short list
            for docnum in islice(all_docs(searcher, table, kind), FIELD_CANDIDATES * 2):
                found.setdefault(docnum, Candidate(docnum, 0.0, []))
    similar = []
    for cand in found.values():
        row = table[cand.docnum]
        similar.append(SimilarListing(row.listing_id, cand.text, cand.units, row.field, row.city, row.maturity,
                                      row.modes, None if row.price == NO_PRICE else row.price))
    return similar
