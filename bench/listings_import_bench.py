"""Benchmark: `flask listings import` (results, then needs) beside `flask contracts import` in one run.

    python -m bench.listings_import_bench --results 70000 --needs 30000 [--contracts 200000]
        [--database-url postgresql://…] [--profile]

Prints, per import: rows/s (wall), CPU seconds of this process (the database server's
are not counted on PostgreSQL), and the seconds until the new listings are found by
the search; then the contract import's rows/s and how many times slower per row the
listing import is. --profile runs the listing imports under cProfile instead and
prints where the time goes.
"""
import argparse
import cProfile
import os
import pstats
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from sqlalchemy import func, select, text  # noqa: E402

import search_index  # noqa: E402
from bench import contract_corpus, listing_corpus  # noqa: E402
from marketplace import create_app  # noqa: E402
from marketplace.cli import init_db  # noqa: E402
from marketplace.contracts.importer import import_contracts_file  # noqa: E402
from marketplace.listings.importer import import_listings_file  # noqa: E402
from models import ListingEvent, SearchChange, TechNeed, TechResult, db  # noqa: E402

MODELS = {"result": TechResult, "need": TechNeed}


class Clock:
    """Wall and CPU seconds (this process and its children) since it was made."""

    def __init__(self):
        self.wall, self.cpu = time.perf_counter(), self._cpu()

    @staticmethod
    def _cpu() -> float:
        t = os.times()
        return t.user + t.system + t.children_user + t.children_system

    def read(self) -> tuple[float, float]:
        return time.perf_counter() - self.wall, self._cpu() - self.cpu


def teller(clock: "Clock"):
    """Print progress lines with the wall and CPU seconds since `clock` started."""
    def say(message: str) -> None:
        wall, cpu = clock.read()
        print(f"    {wall:7.1f} s (CPU {cpu:6.1f} s)  {message}", flush=True)
    return say


def last_title(path: str) -> str:
    """The title on the last data row of a generated CSV (to look it up in the index)."""
    import csv

    with open(path, encoding="utf-8", newline="") as handle:
        *_rest, row = csv.reader(handle)
    return row[0]


def import_listings(app, kind: str, path: str, rows: int) -> dict:
    """Import one file through the CLI's function; then wait until its last listing is searchable."""
    print(f"  {kind}: importing {rows:,} rows", flush=True)
    clock = Clock()
    say = teller(clock)
    added = import_listings_file(path, kind, progress=say)
    imported, imported_cpu = clock.read()
    # The CLI applies the outbox at the end of the import (SEARCH_AUTO_SYNC); here it is the
    # same call made separately, to time the two parts.
    search_index.sync_counts(app, lock_timeout=60, progress=say)
    title = last_title(path)
    found = search_index.search(kind, title, per_page=50)
    searchable, cpu = clock.read()
    assert any(item.title == title for item in found.items), f"{title} not found after import"
    db.session.rollback()
    return {"kind": kind, "rows": rows, "added": added, "imported": imported, "imported_cpu": imported_cpu,
            "searchable": searchable, "cpu": cpu}


def profile_imports(app, files) -> None:
    """cProfile the import into the database and the indexing apart; print the top of each."""
    parts = {"database": cProfile.Profile(), "index": cProfile.Profile()}
    for kind, path, rows in files:
        print(f"  {kind}: importing {rows:,} rows", flush=True)
        say = teller(Clock())
        parts["database"].runcall(import_listings_file, path, kind, progress=say)
        parts["index"].runcall(search_index.sync_counts, app, lock_timeout=60, progress=say)
    for name, profiler in parts.items():
        print(f"==== {name} ====")
        stats = pstats.Stats(profiler).strip_dirs()
        stats.sort_stats("cumulative").print_stats(30)
        stats.sort_stats("tottime").print_stats(15)


def check_counts(files) -> None:
    """Stored listings, history and outbox rows (a re-run adds nothing)."""
    for kind, _path, rows in files:
        stored = db.session.scalar(select(func.count()).select_from(MODELS[kind]))
        print(f"  {kind}: {stored:,} stored for {rows:,} rows")
    events = db.session.scalar(select(func.count()).select_from(ListingEvent))
    changes = db.session.scalar(select(func.count()).select_from(SearchChange))
    print(f"  history rows {events:,}, outbox rows {changes:,}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--results", type=int, default=70_000)
    parser.add_argument("--needs", type=int, default=30_000)
    parser.add_argument("--contracts", type=int, default=200_000)
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    parser.add_argument("--profile", action="store_true", help="cProfile the listing imports (no contracts)")
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="listings-bench-")
    orgs = listing_corpus.organisations(max(50, (args.results + args.needs) // 50))
    files = []
    for kind, rows in (("result", args.results), ("need", args.needs)):
        if rows:
            path = os.path.join(workdir, f"{kind}s.csv")
            listing_corpus.generate(path, kind, rows, orgs)
            files.append((kind, path, rows))
    contracts_csv = os.path.join(workdir, "contracts.csv")
    if args.contracts and not args.profile:
        contract_corpus.generate(contracts_csv, args.contracts)
    print(f"files in {workdir}")
    url = args.database_url or f"sqlite:///{os.path.join(workdir, 'market.db')}"
    app = create_app({"SECRET_KEY": os.urandom(32).hex(), "SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": workdir,
                      "SEARCH_INDEX_DIR": os.path.join(workdir, "search_index"),
                      "SEARCH_AUTO_SYNC": False})
    with app.app_context():
        if args.database_url:  # an empty schema: no tables, triggers' functions or migration marks left
            db.session.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            db.session.commit()
        init_db()
        search_index.rebuild(app)  # an empty index, as on a fresh node
        if args.profile:
            profile_imports(app, files)
            return
        reports = [import_listings(app, kind, path, rows) for kind, path, rows in files]
        check_counts(files)
        info = search_index.status(app)
        print(f"  index: {info['documents']:,} documents, pending {info['pending']}, problem {info['problem']}")
        contract_rate = None
        if args.contracts:
            clock = Clock()
            report = import_contracts_file(contracts_csv)
            db.session.commit()
            wall, cpu = clock.read()
            contract_rate = report.rows / wall
            print(f"contracts: {report.rows:,} rows in {wall:.1f} s wall / {cpu:.1f} s CPU: "
                  f"{contract_rate:,.0f} rows/s")
    rows = sum(r["rows"] for r in reports)
    for r in reports + [{"kind": "all listings", "rows": rows, **{
            key: sum(x[key] for x in reports) for key in ("imported", "imported_cpu", "searchable", "cpu")}}]:
        print(f"{r['kind']:>12}: {r['rows']:,} rows; in the database {r['imported']:.1f} s "
              f"(CPU {r['imported_cpu']:.1f} s); searchable after {r['searchable']:.1f} s "
              f"(CPU {r['cpu']:.1f} s): {r['rows'] / r['searchable']:,.0f} rows/s")
    if contract_rate:
        listing_rate = rows / sum(r["searchable"] for r in reports)
        print(f"per row, the listing import (until searchable) is {contract_rate / listing_rate:.1f}x "
              f"slower than the contract import")


if __name__ == "__main__":
    main()
