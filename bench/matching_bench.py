"""Matching benchmark: ranked result suggestions for needs vs. the plain search of the same words.

    python bench/matching_bench.py --results 100000 [--needs 300] [--workdir DIR] [--reuse]

Builds a corpus with about `--results` published results (bench/corpus.py), rebuilds
the index, then for `--needs` needs times engine.suggest_results (top 10 with reasons,
listings re-read from the database) and search_index.search on the need's title (top 10)
in the same run. Prints p50/p95, with the per-searcher term cache emptied before each
call ("cold") and kept ("warm"). Target: suggestions p95 under 100 ms.
"""
import argparse
import os
import random
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from sqlalchemy import func, select  # noqa: E402

import search_index  # noqa: E402
from bench.corpus import generate  # noqa: E402
from marketplace import create_app  # noqa: E402
from marketplace.cli import init_db  # noqa: E402
from marketplace.matching import engine  # noqa: E402
from models import ListingStatus, TechNeed, TechResult, db  # noqa: E402

NEED_SHARE = 0.1


def percentile(values, pct):
    """The pct-th percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))]


def build(app, results: int, procs: int) -> None:
    """Generate the corpus (about `results` results plus 10 % needs) and rebuild the index."""
    init_db()
    started = time.perf_counter()
    generate(int(results / (1 - NEED_SHARE)), need_share=NEED_SHARE)
    print(f"corpus generated in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    total = search_index.rebuild(app, procs=procs)
    print(f"reindex: {total} docs in {time.perf_counter() - started:.1f} s")


def timed(call) -> float:
    """Milliseconds one call takes."""
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def run(app, needs: list[int], cold: bool) -> tuple[list[float], list[float], int]:
    """Suggestion and plain-search latencies (ms) over the needs; also how many got suggestions."""
    suggest_ms, search_ms, answered = [], [], 0
    for need_id in needs:
        need = db.session.get(TechNeed, need_id)
        if cold:
            search_index.drop_term_cache(app)
        found = []
        suggest_ms.append(timed(lambda: found.extend(engine.suggest_results(need, 10))))
        answered += bool(found)
        if cold:
            search_index.drop_term_cache(app)
        search_ms.append(timed(lambda: search_index.search("result", need.title[:100], per_page=10)))
        db.session.rollback()
    return suggest_ms, search_ms, answered


def main():
    """Build (or reuse) the corpus and print the latency figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=int, default=100_000)
    parser.add_argument("--needs", type=int, default=300)
    parser.add_argument("--workdir", default=None)
    parser.add_argument("--procs", type=int, default=2)
    parser.add_argument("--reuse", action="store_true", help="keep the corpus and index already in --workdir")
    args = parser.parse_args()
    workdir = args.workdir or tempfile.mkdtemp(prefix="matching-bench-")
    os.makedirs(workdir, exist_ok=True)
    app = create_app({"SECRET_KEY": os.urandom(32).hex(),
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{os.path.join(workdir, 'bench.db')}",
                      "SEARCH_INDEX_DIR": os.path.join(workdir, "index"), "SEARCH_AUTO_SYNC": False,
                      "SEARCH_CATCH_UP_SECONDS": 3600, "SEARCH_JIEBA_CACHE_DIR": os.path.join(workdir, "jieba"),
                      "SEARCH_DICT_FILE": os.path.join(workdir, "search_dict.txt")})
    with app.app_context():
        if not args.reuse:
            build(app, args.results, args.procs)
        published = ListingStatus.PUBLISHED
        n_results = db.session.scalar(select(func.count(TechResult.id)).where(TechResult.status == published))
        need_ids = db.session.scalars(select(TechNeed.id).where(TechNeed.status == published)).all()
        sample = random.Random(7).sample(need_ids, min(args.needs, len(need_ids)))
        print(f"published results: {n_results}; needs sampled: {len(sample)} of {len(need_ids)} ({workdir})")
        run(app, sample[:20], cold=False)  # load jieba, the searcher, facet table and field groups
        for label, cold in (("cold term cache", True), ("warm term cache", False)):
            suggest_ms, search_ms, answered = run(app, sample, cold)
            print(f"{label}: suggestions (top 10 + reasons) p50 {percentile(suggest_ms, 50):.1f} ms, "
                  f"p95 {percentile(suggest_ms, 95):.1f} ms, max {max(suggest_ms):.1f} ms | "
                  f"plain search (same title, top 10) p50 {percentile(search_ms, 50):.1f} ms, "
                  f"p95 {percentile(search_ms, 95):.1f} ms | {answered}/{len(sample)} needs got suggestions")


if __name__ == "__main__":
    main()
