"""Benchmark: `flask contracts import` on a large file, beside a bare executemany baseline.

    python -m bench.contracts_import_bench --rows 1000000

Prints: rows/s of the import path (validate + insert), the re-import (all skipped),
and the same rows inserted by a plain sqlite3 executemany in the same run.
"""
import argparse
import os
import sqlite3
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from sqlalchemy import func, select  # noqa: E402

from bench.contract_corpus import generate  # noqa: E402
from marketplace import create_app  # noqa: E402
from marketplace.cli import init_db  # noqa: E402
from marketplace.contracts.importer import import_contracts_file  # noqa: E402
from models import Contract, db  # noqa: E402


def baseline(csv_path: str, workdir: str) -> float:
    """Parse the CSV with the csv module and executemany into a bare table: the floor."""
    import csv

    conn = sqlite3.connect(os.path.join(workdir, "baseline.db"))
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE c (no TEXT UNIQUE, type TEXT, title TEXT, seller TEXT, stype TEXT, sregion TEXT, "
                 "buyer TEXT, btype TEXT, bregion TEXT, amount INTEGER, tech INTEGER, signed TEXT, reg TEXT, "
                 "field TEXT)")
    started = time.perf_counter()
    with open(csv_path, encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        rows = ((*r[:9], int(r[9].replace(".", "")), int(r[10].replace(".", "")), *r[11:]) for r in reader)
        conn.executemany("INSERT INTO c VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
    conn.commit()
    elapsed = time.perf_counter() - started
    conn.close()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="contracts-bench-")
    csv_path = os.path.join(workdir, "contracts.csv")
    started = time.perf_counter()
    totals = generate(csv_path, args.rows)
    print(f"generated {args.rows:,} rows ({os.path.getsize(csv_path) / 1e6:.0f} MB) in "
          f"{time.perf_counter() - started:.1f} s")
    url = args.database_url or f"sqlite:///{os.path.join(workdir, 'market.db')}"
    app = create_app({"SECRET_KEY": os.urandom(32).hex(), "SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": workdir})
    with app.app_context():
        if args.database_url:
            db.drop_all()
        init_db()
        report = import_contracts_file(csv_path, progress=lambda m: print("  " + m, flush=True))
        db.session.commit()
        again = import_contracts_file(csv_path)
        db.session.commit()
        sums = db.session.execute(select(func.sum(Contract.contract_amount_fen),
                                         func.sum(Contract.tech_amount_fen))).one()
    floor = baseline(csv_path, workdir)
    print(f"import:    {report.seconds:7.1f} s  {report.rows / report.seconds:9,.0f} rows/s  (added {report.added:,})")
    print(f"re-import: {again.seconds:7.1f} s  {again.rows / again.seconds:9,.0f} rows/s  (added {again.added:,})")
    print(f"baseline:  {floor:7.1f} s  {args.rows / floor:9,.0f} rows/s  (csv + sqlite3 executemany, no checks)")
    print(f"ratio import/baseline: {report.seconds / floor:.1f}x")
    print(f"totals exact: {sums[0] == totals['contract_fen'] and sums[1] == totals['tech_fen']}")


if __name__ == "__main__":
    main()
