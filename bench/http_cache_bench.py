"""Benchmark: bytes on the wire and CPU per request with compression and conditional GET.

    python -m bench.http_cache_bench [--listings 3000] [--contracts 50000] [--repeat 30]

Loads listings and registered contracts into a fresh SQLite file (province scale is set by
the flags), then prints, all measured in this run:
  * bytes of the home page, /results, the statistics page and the main CSS/JS, identity
    against gzip and Brotli at the levels the app uses (pages per request, static files once);
  * CPU milliseconds to compress each page body at several levels (the level choice);
  * CPU milliseconds per request through the app: a full 200, the same with compression,
    and a 304 answered to the page's ETag (the listing page checks its fingerprint first).
CPU time is process time (user + system), so other load on the machine inflates
wall time but hardly these figures.
"""
import argparse
import gzip
import os
import statistics
import sys
import tempfile
import time
from datetime import date

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import brotli  # noqa: E402

from bench.contract_corpus import generate as generate_contracts  # noqa: E402
from bench.corpus import generate as generate_listings  # noqa: E402
from marketplace import create_app  # noqa: E402
from marketplace.cli import init_db  # noqa: E402
from marketplace.contracts.importer import import_contracts_file  # noqa: E402
from models import TechResult, db  # noqa: E402

STATIC = ["vendor/bootstrap-5.3.9/bootstrap.min.css", "css/site.css", "vendor/bootstrap-5.3.9/bootstrap.bundle.min.js",
          "vendor/chart.js-4.6.1/chart.umd.min.js", "js/site.js"]
LEVELS = [("gzip", 1), ("gzip", 6), ("gzip", 9), ("br", 1), ("br", 4), ("br", 5), ("br", 11)]


def cpu_ms(fn, repeat: int) -> float:
    """Median CPU milliseconds (this process, user + system) of `fn` over `repeat` runs, after one warm-up."""
    fn()
    samples = []
    for _ in range(repeat):
        started = time.process_time()
        fn()
        samples.append((time.process_time() - started) * 1000)
    return statistics.median(samples)


def packed(data: bytes, coding: str, level: int) -> bytes:
    return brotli.compress(data, quality=level) if coding == "br" else gzip.compress(data, compresslevel=level)


def load(app, listings: int, contracts: int, workdir: str) -> int:
    with app.app_context():
        init_db()
        print(f"loading {listings} listings …", flush=True)
        generate_listings(listings)
        db.session.commit()
        csv_path = os.path.join(workdir, "contracts.csv")
        print(f"loading {contracts} registered contracts …", flush=True)
        generate_contracts(csv_path, contracts, start=date(date.today().year - 1, 1, 1))
        import_contracts_file(csv_path)
        return db.session.scalar(db.select(TechResult.id).order_by(TechResult.id.desc()).limit(1))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--listings", type=int, default=3000)
    parser.add_argument("--contracts", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="http-cache-bench-")
    app = create_app({"SECRET_KEY": os.urandom(32).hex(), "INSTANCE_PATH": workdir,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir}/market.db", "SEARCH_PRELOAD": False})
    result_id = load(app, args.listings, args.contracts, workdir)
    client = app.test_client()
    pages = {"/": "/", "/results": "/results", "stats": f"/stats/?kind=year&year={date.today().year}",
             "listing": f"/results/{result_id}"}

    print("\nbytes on the wire (pages: gzip 6 / Brotli 5 per request; static: gzip 9 / Brotli 11 once)")
    print(f"{'':44} {'identity':>9} {'gzip':>8} {'br':>8}  gzip%  br%")
    rows = []
    for name, url in pages.items():
        body = client.get(url).get_data()
        rows.append((name, body, packed(body, "gzip", 6), packed(body, "br", 5)))
    for name in STATIC:
        with open(os.path.join(app.static_folder, name), "rb") as handle:
            body = handle.read()
        rows.append((name, body, packed(body, "gzip", 9), packed(body, "br", 11)))
    for name, body, gz, br in rows:
        print(f"{name:44} {len(body):9d} {len(gz):8d} {len(br):8d}  {100 * len(gz) / len(body):4.0f}%"
              f" {100 * len(br) / len(body):4.0f}%")
    total = sum(len(r[1]) for r in rows)
    print(f"{'all of the above':44} {total:9d} {sum(len(r[2]) for r in rows):8d}"
          f" {sum(len(r[3]) for r in rows):8d}")

    print("\nCPU ms to compress one body, by level (bytes after)")
    print(f"{'':12}" + "".join(f"{c + str(lv):>16}" for c, lv in LEVELS))
    for name, body, _gz, _br in rows[:3]:
        cells = [f"{cpu_ms(lambda: packed(body, c, lv), args.repeat):7.2f} ({len(packed(body, c, lv)):6d})"
                 for c, lv in LEVELS]
        print(f"{name:12}" + "".join(f"{cell:>16}" for cell in cells))

    print(f"\nCPU ms per request through the app (median of {args.repeat}; anonymous visitor)")
    print(f"{'':12} {'200':>8} {'200 br':>8} {'200 gzip':>9} {'304':>8}  304/200")
    for name, url in pages.items():
        tag = client.get(url).headers["ETag"]
        full = cpu_ms(lambda: client.get(url), args.repeat)
        br_ms = cpu_ms(lambda: client.get(url, headers={"Accept-Encoding": "br"}), args.repeat)
        gz_ms = cpu_ms(lambda: client.get(url, headers={"Accept-Encoding": "gzip"}), args.repeat)
        hit = cpu_ms(lambda: client.get(url, headers={"If-None-Match": tag}), args.repeat)
        assert client.get(url, headers={"If-None-Match": tag}).status_code == 304
        print(f"{name:12} {full:8.2f} {br_ms:8.2f} {gz_ms:9.2f} {hit:8.2f}  {hit / full:6.2f}")


if __name__ == "__main__":
    main()
