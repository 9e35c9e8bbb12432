"""Benchmark: a province's city table (year-to-date, with 同比 and ranks) at real scale.

    python -m bench.stats_bench --rows 1000000 [--database-url postgresql://…] [--to 2026-06-11]

Generates registered contracts, loads them through the import path (which also fills
the pre-aggregated daily cells), then times in the same run:
  * the site's `region_table` (what the page and the API call),
  * the same figures by hand-written SQL over the daily cells,
  * the same figures by hand-written SQL straight over `contracts` (the brute force),
and checks that all three agree to the fen and that the cells equal a full recount.
"""
import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import date

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from sqlalchemy import text  # noqa: E402

from bench.contract_corpus import generate  # noqa: E402
from marketplace import create_app  # noqa: E402
from marketplace.cli import init_db  # noqa: E402
from marketplace.contracts.importer import import_contracts_file  # noqa: E402
from marketplace.stats import rollup  # noqa: E402
from marketplace.stats.periods import Period  # noqa: E402
from marketplace.stats.report import PUBLIC_TABLES, build  # noqa: E402
from marketplace.stats.services import breakdown, region_table  # noqa: E402
from models import Region, db  # noqa: E402

HAND_CONTRACTS = """
SELECT c.seller_region, count(*), sum(c.contract_amount_fen), sum(c.tech_amount_fen)
FROM contracts c JOIN regions r ON r.code = c.seller_region
WHERE c.status = 'registered' AND c.registered_on BETWEEN :start AND :end AND r.province_code = :province
GROUP BY c.seller_region
"""
HAND_DAILY = """
SELECT s.region_code, sum(s.contracts), sum(s.contract_amount_fen), sum(s.tech_amount_fen)
FROM stats_daily s JOIN regions r ON r.code = s.region_code
WHERE s.side = 'seller' AND s.dim = 'all' AND s.day BETWEEN :start AND :end AND r.province_code = :province
GROUP BY s.region_code
"""


def _timed(fn, repeat: int) -> tuple[float, object]:
    """Median wall time in ms over `repeat` runs (after one warm-up), and the last result."""
    result = fn()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), result


def _interleaved(first, second, repeat: int):
    """Median ms of two functions timed alternately (a busy machine slows both alike)."""
    results, times = [first(), second()], ([], [])
    for _ in range(repeat):
        for i, fn in enumerate((first, second)):
            started = time.perf_counter()
            results[i] = fn()
            times[i].append((time.perf_counter() - started) * 1000)
    return (statistics.median(times[0]), results[0]), (statistics.median(times[1]), results[1])


def _hand(sql: str, period: Period, province: str) -> dict:
    """Both periods (this year and the year before), like the city table."""
    figures = {}
    for key, p in (("now", period), ("before", period.previous_year())):
        rows = db.session.execute(text(sql), {"start": p.start, "end": p.end, "province": province})
        for code, count, contract_fen, tech_fen in rows:
            figures[(key, code)] = (int(count), int(contract_fen or 0), int(tech_fen or 0))
    return figures


def _site(province: Region, period: Period) -> dict:
    table = region_table(province, period)
    figures = {}
    for row in table.rows:
        for key, f in (("now", row.figures), ("before", row.previous)):
            if f.contracts:
                figures[(key, row.code)] = (f.contracts, f.contract_fen, f.tech_fen)
    return figures


def main() -> None:
    """Generate, import, time and compare."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    parser.add_argument("--province", default="530000")
    parser.add_argument("--to", default="2026-06-11", help="year-to-date end (YYYY-MM-DD)")
    parser.add_argument("--repeat", type=int, default=51)
    parser.add_argument("--no-load", action="store_true", help="time an already loaded --database-url")
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="stats-bench-")
    csv_path = os.path.join(workdir, "contracts.csv")
    if not args.no_load:
        generate(csv_path, args.rows)
    url = args.database_url or f"sqlite:///{os.path.join(workdir, 'market.db')}"
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    app = create_app({"SECRET_KEY": os.urandom(32).hex(), "SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": workdir})
    end = date.fromisoformat(args.to)
    period = Period(date(end.year, 1, 1), end)
    with app.app_context():
        if not args.no_load:
            if args.database_url:
                db.drop_all()
            init_db()
            report = import_contracts_file(csv_path)
            db.session.commit()
            print(f"imported {report.added:,} registered contracts in {report.seconds:.1f} s "
                  f"(import path, daily cells included); database: {db.engine.dialect.name}")
        started = time.perf_counter()
        exact = rollup.verify()
        print(f"daily cells equal a full recount: {exact} ({time.perf_counter() - started:.1f} s to check)")
        province = db.session.get(Region, args.province)
        province_name = province.name
        (site_ms, site), (daily_ms, daily) = _interleaved(lambda: _site(province, period),
                                                         lambda: _hand(HAND_DAILY, period, args.province),
                                                         args.repeat)
        brute_ms, brute = _timed(lambda: _hand(HAND_CONTRACTS, period, args.province), max(3, args.repeat // 5))
        field_ms, _ = _timed(lambda: breakdown(province, period, "field"), args.repeat)
        page_ms, _ = _timed(lambda: [build(key, province, period) for key in PUBLIC_TABLES], max(3, args.repeat // 5))
        db.session.rollback()
    print(f"city table of {province_name}, {period.start}–{period.end} with the same period a year earlier:")
    print(f"  site region_table:            {site_ms:8.1f} ms")
    print(f"  hand SQL on daily cells:      {daily_ms:8.1f} ms   ratio site/hand {site_ms / daily_ms:.2f}x")
    print(f"  hand SQL on contracts (brute):{brute_ms:8.1f} ms   ratio site/brute {site_ms / brute_ms:.2f}x")
    print(f"  breakdown by 技术领域:         {field_ms:8.1f} ms")
    print(f"  every table of the public page:{page_ms:7.1f} ms")
    print(f"figures agree to the fen: {site == daily == brute}")


if __name__ == "__main__":
    main()
