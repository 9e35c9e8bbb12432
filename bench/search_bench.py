"""Search benchmark: build a corpus, reindex, time queries, check recall, compare with SQLite FTS5.

    python bench/search_bench.py --size 100000 [--workdir DIR] [--procs 2]
    python bench/search_bench.py --workdir DIR --reindex   # the same corpus again: re-time the reindex

Prints: corpus build, full reindex time and docs/s, query latency p50/p95 (top 20
with facet counts and highlights, warm searcher), publish-to-searchable time,
recall and precision on bench/search_queries.json, and the same on FTS5.
"""
import argparse
import json
import os
import re
import sqlite3
import statistics
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from sqlalchemy import select  # noqa: E402

import search_index  # noqa: E402
from bench.corpus import generate  # noqa: E402
from marketplace import create_app  # noqa: E402
from marketplace.cli import init_db  # noqa: E402
from models import ListingStatus, Organisation, TechNeed, TechResult, db  # noqa: E402
from models.vocab import split_list  # noqa: E402

QUERIES = os.path.join(ROOT, "bench", "search_queries.json")
MODELS = {"result": TechResult, "need": TechNeed}


def percentile(values, pct):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))]


def labelled_sets(labels):
    """Relevant listing ids per query, judged on folded title + keywords."""
    texts = {}
    for kind, model in MODELS.items():
        rows = db.session.execute(select(model.id, model.title, model.keywords)).all()
        texts[kind] = [(r.id, search_index.normalise(r.title + " " + " ".join(split_list(r.keywords)))) for r in rows]
    relevant = []
    for item in labels:
        wanted_all, wanted_any = item.get("all"), item.get("any")
        relevant.append({lid for lid, text in texts[item["kind"]]
                         if (all(w in text for w in wanted_all) if wanted_all else any(w in text for w in wanted_any))})
    return relevant


def timed_search(item):
    """Milliseconds of one search (top 20), or None when the query time limit stopped it (a busy machine)."""
    started = time.perf_counter()
    try:
        search_index.search(item["kind"], item["q"], per_page=20)
    except search_index.SearchTimeout:
        return None
    finally:
        db.session.rollback()
    return (time.perf_counter() - started) * 1000


def whoosh_retrieved(app, item):
    """Every listing id the index matches for this query."""
    return set(search_index.ranked_ids(item["kind"], item["q"], limit=10**9)[0])


def score(relevant, retrieved):
    recalls, precisions = [], []
    for rel, ret in zip(relevant, retrieved):
        if rel:
            recalls.append(len(rel & ret) / len(rel))
        if ret:
            precisions.append(len(rel & ret) / len(ret))
    return statistics.mean(recalls), statistics.mean(precisions)


CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
RUNS = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[a-z0-9]+(?:[-._/+][a-z0-9]+)*")


def grams(run):
    """A CJK run's characters and bigrams; a model number joined and in parts (mx-500: mx500, mx, 500)."""
    if not CJK_RUN.fullmatch(run):
        parts = re.findall(r"[a-z0-9]+", run)
        return ["".join(parts)] + (parts if len(parts) > 1 else [])
    return list(run) + [run[i:i + 2] for i in range(len(run) - 1)]


def fts_grams(text):
    return " ".join(g for run in RUNS.findall(search_index.normalise(text)) for g in grams(run))


def build_fts(path):
    """The reference: SQLite FTS5 over app-made CJK grams of the same corpus."""
    if os.path.exists(path):
        os.remove(path)
    con = sqlite3.connect(path)
    con.execute("CREATE VIRTUAL TABLE docs USING fts5(kind UNINDEXED, lid UNINDEXED, title, keywords, body, org)")
    started = time.perf_counter()
    for kind, model in MODELS.items():
        body = model.summary if kind == "result" else model.description
        stmt = select(model.id, model.title, model.keywords, body.label("body"), Organisation.name).join(
            Organisation, Organisation.id == model.organisation_id).where(model.status == ListingStatus.PUBLISHED)
        rows = [(kind, r.id, fts_grams(r.title), fts_grams(r.keywords.replace(";", " ")), fts_grams(r.body),
                 fts_grams(r.name)) for r in db.session.execute(stmt)]
        con.executemany("INSERT INTO docs VALUES (?, ?, ?, ?, ?, ?)", rows)
    con.commit()
    return con, time.perf_counter() - started


def unit_grams(unit):
    """The grams a text must contain for `unit` to be a substring of it."""
    if CJK_RUN.fullmatch(unit) and len(unit) > 1:
        return [unit[i:i + 2] for i in range(len(unit) - 1)]
    return [unit]


def fts_match(q):
    units = search_index.keywords_of(q)
    return " AND ".join("(" + " AND ".join(f'"{g}"' for g in unit_grams(u)) + ")" for u in units)


def fts_search(con, item):
    match = fts_match(item["q"])
    top = con.execute("SELECT lid FROM docs WHERE docs MATCH ? AND kind = ? ORDER BY bm25(docs, 8, 4, 1.5, 1) "
                      "LIMIT 20", (match, item["kind"])).fetchall()
    total = con.execute("SELECT count(*) FROM docs WHERE docs MATCH ? AND kind = ?", (match, item["kind"])).fetchone()
    return top, total


def build(size, workdir):
    """Generate the corpus."""
    init_db()
    started = time.perf_counter()
    generate(size)
    print(f"corpus: {size} listings generated in {time.perf_counter() - started:.1f} s ({workdir})")


def reindex(app, procs):
    """Time a full reindex: wall, and CPU of this process and its writer processes."""
    started, cpu = time.perf_counter(), os.times()
    total = search_index.rebuild(app, procs=procs)
    elapsed, after = time.perf_counter() - started, os.times()
    own = after.user + after.system - cpu.user - cpu.system
    children = after.children_user + after.children_system - cpu.children_user - cpu.children_system
    used = own + children
    print(f"reindex: {total} docs in {elapsed:.1f} s = {total / elapsed:.0f} docs/s (procs={procs}; "
          f"{used:.0f} s CPU = {own:.0f} s here + {children:.0f} s in child processes, "
          f"{used / total * 1000:.2f} ms CPU per doc)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--workdir", default=None)
    parser.add_argument("--procs", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--reuse", action="store_true", help="keep the corpus and index already in --workdir")
    parser.add_argument("--reindex", action="store_true",
                        help="keep the corpus already in --workdir but time a full reindex of it")
    args = parser.parse_args()
    workdir = args.workdir or tempfile.mkdtemp(prefix="search-bench-")
    os.makedirs(workdir, exist_ok=True)
    app = create_app({"SECRET_KEY": os.urandom(32).hex(),
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{os.path.join(workdir, 'bench.db')}",
                      "SEARCH_INDEX_DIR": os.path.join(workdir, "index"), "SEARCH_AUTO_SYNC": False,
                      "SEARCH_CATCH_UP_SECONDS": 3600, "SEARCH_JIEBA_CACHE_DIR": os.path.join(workdir, "jieba"),
                      "SEARCH_DICT_FILE": os.path.join(workdir, "search_dict.txt")})
    labels = json.load(open(QUERIES, encoding="utf-8"))["queries"]
    with app.app_context():
        if not (args.reuse or args.reindex):
            build(args.size, workdir)
        if not args.reuse:
            reindex(app, args.procs)

        for item in labels:  # warm the searcher, facet table and jieba
            timed_search(item)
        for label, cold in (("cold term cache", True), ("warm term cache", False)):
            latencies = []
            for _ in range(args.repeat):
                for item in labels:
                    if cold:  # measure reading the postings too, not only the cached sets
                        search_index.drop_term_cache(app)
                    latencies.append(timed_search(item))
            done = [ms for ms in latencies if ms is not None]
            stopped = len(latencies) - len(done)
            done = done or [float("nan")]
            print(f"query, {label} (top 20 + facets + highlights, {len(latencies)} runs): "
                  f"p50 {percentile(done, 50):.1f} ms, p95 {percentile(done, 95):.1f} ms, "
                  f"max {max(done):.1f} ms; {stopped} stopped by the time limit")

        app.config["SEARCH_AUTO_SYNC"] = True
        org = db.session.scalars(select(Organisation).limit(1)).one()
        listing = TechResult(title="量子点发光显示材料连续化制备技术", field="新材料及其应用", keywords="量子点",
                             summary="基准测试发布延迟。", maturity="中试", organisation_id=org.id,
                             region_code=org.region_code, status=ListingStatus.PUBLISHED)
        db.session.add(listing)
        db.session.flush()
        search_index.record_change(listing)
        started = time.perf_counter()
        db.session.commit()
        while listing.id not in search_index.search("result", "量子点发光显示").ids:
            time.sleep(0.01)
        print(f"publish → searchable: {(time.perf_counter() - started) * 1000:.0f} ms")

        relevant = labelled_sets(labels)
        retrieved = [whoosh_retrieved(app, item) for item in labels]
        recall, precision = score(relevant, retrieved)
        print(f"whoosh: recall {recall:.3f}, precision {precision:.3f} over {len(labels)} labelled queries")
        misses = [item["q"] for item, rel, ret in zip(labels, relevant, retrieved) if rel - ret]
        if misses:
            print(f"  queries with misses: {misses}")

        con, fts_build = build_fts(os.path.join(workdir, "fts.db"))
        print(f"fts5 reference: built in {fts_build:.1f} s")
        fts_times = []
        for _ in range(args.repeat):
            for item in labels:
                started = time.perf_counter()
                fts_search(con, item)
                fts_times.append((time.perf_counter() - started) * 1000)
        fts_sets = [{lid for (lid,) in con.execute("SELECT lid FROM docs WHERE docs MATCH ? AND kind = ?",
                                                   (fts_match(item["q"]), item["kind"]))} for item in labels]
        fts_recall, fts_precision = score(relevant, fts_sets)
        print(f"fts5: top 20 + count p50 {percentile(fts_times, 50):.1f} ms, p95 {percentile(fts_times, 95):.1f} ms; "
              f"recall {fts_recall:.3f}, precision {fts_precision:.3f}")


if __name__ == "__main__":
    main()
