"""Matching quality benchmark: labelled needs, their right results and near misses; baseline engine vs current.

    python bench/matching_quality.py [--pad N] [--database-url URL] [--workdir DIR [--reuse]] [--show]

Loads the results and needs of bench/data/matching_cases.py into a fresh database (SQLite in a
temporary folder by default; --database-url must name an empty database), optionally pads the
corpus with N generated results (bench/corpus.py), rebuilds the search index, then ranks ten
results for every need with the frozen engine (bench/engine_baseline.py) and the current one
(marketplace/matching/engine.py). Prints, for the dev and held-out sets: top-1, top-3, MRR@10,
how often a near miss outranks the right result, how often a generic filler listing (no subject
overlap with the need) ranks above it, fillers per list, how many lists put a suggestion sharing
none of the need's subject words (judged by substring, filler words excluded) above one sharing
some, short lists, and p50/p95 ms per list. The judge also counts words the index finds too common
to score (in over 6 % of a large padded corpus), so with --pad a few such "inversions" are expected.
"""
import argparse
import os
import sys
import tempfile
import time
from datetime import datetime, timedelta

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from sqlalchemy import select  # noqa: E402

import search_index  # noqa: E402
from bench import engine_baseline  # noqa: E402
from bench.corpus import generate  # noqa: E402
from bench.data import matching_cases as cases  # noqa: E402
from marketplace import create_app  # noqa: E402
from marketplace.cli import init_db  # noqa: E402
from marketplace.matching import engine, terms  # noqa: E402
from models import Organisation, TechNeed, TechResult, db  # noqa: E402

WAN = 1_000_000
LIMIT = 10


def percentile(values, pct):
    """The pct-th percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))]


def load_cases() -> tuple[dict, dict]:
    """Insert the labelled results and needs; returns case id → database id for results and needs."""
    start = datetime(2026, 1, 1)
    result_ids, need_ids = {}, {}
    for i, (cid, field, region, maturity, price, title, keywords, summary) in enumerate(cases.RESULTS + cases.FILLERS):
        org = Organisation(name=f"成果单位{cid}", org_type="科研机构", region_code=region)
        db.session.add(org)
        db.session.flush()
        row = TechResult(title=title, field=field, keywords=keywords, summary=summary, maturity=maturity,
                         transfer_modes="转让;许可", price_fen=price * WAN if price else None, region_code=region,
                         organisation_id=org.id, status="published", published_at=start + timedelta(minutes=i))
        db.session.add(row)
        db.session.flush()
        result_ids[cid] = row.id
    for nid, _split, field, region, budget, modes, title, keywords, description, _right, _near in cases.NEEDS:
        org = Organisation(name=f"需求企业{nid}", org_type="企业", region_code=region)
        db.session.add(org)
        db.session.flush()
        row = TechNeed(title=title, field=field, keywords=keywords, description=description,
                       budget_fen=budget * WAN if budget else None, cooperation_modes=modes, region_code=region,
                       organisation_id=org.id, status="published", published_at=start)
        db.session.add(row)
        db.session.flush()
        need_ids[nid] = row.id
    db.session.commit()
    return result_ids, need_ids


def existing_cases() -> tuple[dict, dict]:
    """Case id → database id of results and needs loaded by an earlier run (--reuse)."""
    ids = {}
    for model, prefix in ((TechResult, "成果单位"), (TechNeed, "需求企业")):
        rows = db.session.execute(select(Organisation.name, model.id)
                                  .join(model, model.organisation_id == Organisation.id)
                                  .where(Organisation.name.like(prefix + "%")))
        ids[prefix] = {int(name[len(prefix):]): listing_id for name, listing_id in rows}
    return ids["成果单位"], ids["需求企业"]


def overlaps(need_units: list[str], listing) -> bool:
    """Whether the listing's text holds any of the need's subject words (the judge of "zero overlap")."""
    text = search_index.normalise(" ".join((listing.title, listing.keywords or "", listing.body)))
    return any(unit in text for unit in need_units)


def evaluate(suggest, result_ids: dict, need_ids: dict, show: bool = False) -> dict:
    """Per split: top-1, top-3, MRR@10, near-miss and filler inversions, short lists and latency."""
    to_case = {v: k for k, v in result_ids.items()}
    fillers = {row[0] for row in cases.FILLERS}
    stats = {}
    for nid, split, *_rest, right, near in cases.NEEDS:
        need = db.session.get(TechNeed, need_ids[nid])
        started = time.perf_counter()
        ranked = suggest(need, LIMIT)
        elapsed = (time.perf_counter() - started) * 1000
        ids = [to_case.get(s.listing.id) for s in ranked]
        s = stats.setdefault(split, {"n": 0, "top1": 0, "top3": 0, "rr": 0.0, "near": 0, "filler": 0,
                                     "fillers": 0, "zero": 0, "short": 0, "ms": []})
        s["n"] += 1
        s["ms"].append(elapsed)
        hit = next((i for i, cid in enumerate(ids) if cid in right), None)
        cut = hit if hit is not None else len(ids)
        if hit is not None:
            s["top1"] += hit == 0
            s["top3"] += hit < 3
            s["rr"] += 1.0 / (hit + 1)
        s["near"] += any(cid in near for cid in ids[:cut])
        s["filler"] += any(cid in fillers for cid in ids[:cut])
        s["fillers"] += sum(cid in fillers for cid in ids)
        s["short"] += len(ids) < LIMIT
        need_units = [u for u, _w, _s in terms.of(need)]
        seen_zero = False
        for sug in ranked:
            has = overlaps(need_units, sug.listing)
            if has and seen_zero:
                s["zero"] += 1
                break
            seen_zero = seen_zero or not has
        if show:
            rank = "–" if hit is None else hit + 1
            print(f"  need {nid:>2} ({split}) right at {rank}: " + " | ".join(
                f"{cid}:{sug.score:g}" for cid, sug in zip(ids, ranked)))
            if ranked:
                print("     reasons of #1: " + "；".join(ranked[0].reasons))
        db.session.rollback()
    return stats


def report(label: str, stats: dict) -> None:
    """One line per split."""
    for split in (cases.DEV, cases.HELD):
        s = stats[split]
        n = s["n"]
        print(f"{label:<9} {split:<8} n={n:<3} top-1 {s['top1'] / n:5.1%}  top-3 {s['top3'] / n:5.1%}  "
              f"MRR@10 {s['rr'] / n:.3f}  near-miss above right {s['near'] / n:5.1%}  "
              f"filler above right {s['filler'] / n:5.1%}  fillers/list {s['fillers'] / n:.1f}  "
              f"zero-overlap above overlap {s['zero'] / n:5.1%}  "
              f"short lists {s['short']}  p50 {percentile(s['ms'], 50):.1f} ms  p95 {percentile(s['ms'], 95):.1f} ms")


def main():
    """Build the world, run both engines on every labelled need and print before → after."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pad", type=int, default=0, help="generated results added to the corpus")
    parser.add_argument("--database-url", default=None, help="an empty database (default: temporary SQLite)")
    parser.add_argument("--workdir", default=None)
    parser.add_argument("--procs", type=int, default=2)
    parser.add_argument("--reuse", action="store_true", help="keep the database and index already in --workdir")
    parser.add_argument("--show", action="store_true", help="print every ranking (case ids and scores)")
    args = parser.parse_args()
    workdir = args.workdir or tempfile.mkdtemp(prefix="matching-quality-")
    os.makedirs(workdir, exist_ok=True)
    url = args.database_url or f"sqlite:///{os.path.join(workdir, 'quality.db')}"
    app = create_app({"SECRET_KEY": os.urandom(32).hex(), "SQLALCHEMY_DATABASE_URI": url,
                      "SEARCH_INDEX_DIR": os.path.join(workdir, "index"), "SEARCH_AUTO_SYNC": False,
                      "SEARCH_CATCH_UP_SECONDS": 3600, "SEARCH_JIEBA_CACHE_DIR": os.path.join(workdir, "jieba"),
                      "SEARCH_DICT_FILE": os.path.join(workdir, "search_dict.txt")})
    with app.app_context():
        if args.reuse:
            result_ids, need_ids = existing_cases()
        else:
            init_db()
            if args.pad:
                started = time.perf_counter()
                generate(args.pad, need_share=0.0)
                print(f"padding: {args.pad} generated results in {time.perf_counter() - started:.1f} s")
            result_ids, need_ids = load_cases()
            started = time.perf_counter()
            total = search_index.rebuild(app, procs=args.procs)
            print(f"index: {total} documents in {time.perf_counter() - started:.1f} s ({workdir})")
        engines = (("baseline", engine_baseline.suggest_results), ("current", engine.suggest_results))
        for _label, suggest in engines:  # warm up jieba, the searcher and its caches
            evaluate(suggest, result_ids, need_ids)
        for label, suggest in engines:
            if args.show:
                print(f"{label}:")
            report(label, evaluate(suggest, result_ids, need_ids, args.show))


if __name__ == "__main__":
    main()
