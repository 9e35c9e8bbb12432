"""Register benchmark: the officials' register (登记台账) and its exports at a province's scale, vs plain SQL.

    python -m bench.ledger_bench [--database-url postgresql://…/scratch] [--workdir DIR]
                                 [--listings 2000] [--contracts 1000000] [--repeat 9] [--skip-xlsx | --skip-exports]

1. Builds (once per --workdir; --rebuild to start again) the world of bench/page_bench.py with its
   own builder: --contracts registered contracts loaded through the contract import, the demo
   accounts, and --listings listings (the register never reads them, so few by default). SQLite in
   the work folder unless --database-url names a scratch PostgreSQL database on this machine.
2. Brings the schema to head (the register's index, when the data is older than it).
3. Measures in the same run, each part in a child process of its own (its peak memory is its own):
   a. the register's first page — the whole request through the app (Flask test client, an official
      logged in: session, permission, form, page, totals, template) — against the same first page and
      totals by hand-written SQL (totals summed over `contracts`); median ms of interleaved runs and their
      ratio. The province's official (official_yn, every Yunnan city) and the Kunming official
      (official_km), unfiltered and filtered. The app sums registered contracts from the statistics
      cells when the filter allows (no party, broker or amount condition), so it may beat the SQL.
   b. the CSV and the XLSX export of the province's whole register (official_yn) through the app,
      written to a file, against hand-written SQL streaming the same rows to a CSV with the csv module:
      rows/s, growth of the process's peak resident memory (ru_maxrss) during the export, ratio.
      The exported rows and sums are checked against the page's totals.
"""
import argparse
import csv
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import zipfile
from decimal import Decimal

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from bench import page_bench  # noqa: E402

Q = urllib.parse.quote
PAGES = [  # (name, official, query string, the same filter as SQL)
    ("province, no filter", "official_yn", "", ""),
    ("city, no filter", "official_km", "", ""),
    ("province, type 2026", "official_yn", f"status=registered&date_from=2026-01-01&contract_type={Q('技术转让')}",
     " AND c.status = 'registered' AND c.registered_on >= '2026-01-01' AND c.contract_type = '技术转让'"),
    ("city, party name", "official_km", f"party={Q('卖方单位012')}",
     " AND (lower(c.seller_name) LIKE '%卖方单位012%' OR lower(c.buyer_name) LIKE '%卖方单位012%')"),
]
EXPORTER = "official_yn"
PREFIX = {"official_yn": "53", "official_km": "5301"}
COLUMNS = """c.id, c.registration_no, c.registered_on, c.submitted_at, c.created_at, c.title, c.contract_type,
 c.subtype, c.tech_field, c.seller_name, c.seller_region, c.buyer_name, c.buyer_region, c.contract_amount_fen,
 c.tech_amount_fen, c.status, coalesce(nullif(u.display_name, ''), u.username)"""
SCOPE = "c.seller_region LIKE :prefix AND c.status <> 'draft'"
HAND_PART = (f"SELECT {COLUMNS} FROM contracts c LEFT JOIN users u ON u.id = c.broker_id WHERE {SCOPE}{{extra}}"
             " AND c.registered_on IS {nulls} ORDER BY c.registered_on DESC, c.id DESC")
HAND_TOTALS = (f"SELECT count(*), coalesce(sum(c.contract_amount_fen), 0), coalesce(sum(c.tech_amount_fen), 0)"
               f" FROM contracts c WHERE {SCOPE}{{extra}}")
TOTALS = re.compile(r'id="register-totals">.*?(\d+) 份.*?合同成交额 ([\d,]+\.\d\d) 元.*?技术交易额 ([\d,]+\.\d\d) 元', re.S)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None, help="scratch PostgreSQL database (default: SQLite)")
    parser.add_argument("--workdir", default=None, help="folder for the database and the exported files (kept)")
    parser.add_argument("--listings", type=int, default=2_000)
    parser.add_argument("--contracts", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=9, help="timed runs per page (default 9)")
    parser.add_argument("--rebuild", action="store_true", help="build the data again even if the folder has it")
    parser.add_argument("--skip-xlsx", action="store_true", help="measure the CSV export only")
    parser.add_argument("--skip-exports", action="store_true", help="measure the first pages only")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.database_url:
        host = urllib.parse.urlsplit(args.database_url).hostname or "localhost"
        if host != "localhost" and not page_bench.is_loopback(host):
            parser.error(f"{host} is not on this machine: the benchmark only uses a local scratch database")
    if min(args.listings, args.contracts, args.repeat) < 1:
        parser.error("sizes and --repeat must be positive")
    return args


# ------------------------------------------------------------------------------------ children


def _app_and_client(username: str):
    from marketplace import create_app

    app = create_app()
    client = app.test_client()
    token = page_bench.CSRF.search(client.get("/auth/login").get_data(as_text=True))
    answer = client.post("/auth/login", data={"username": username, "password": page_bench.DEMO_PASSWORD,
                                              "csrf_token": token.group(1) if token else ""})
    if answer.status_code != 302:
        sys.exit(f"log-in as {username} failed ({answer.status_code})")
    return app, client


def _page_totals(client, query: str) -> tuple[int, int, int]:
    response = client.get(f"/contracts/register?{query}")
    if response.status_code != 200:
        sys.exit(f"/contracts/register?{query} answered {response.status_code}")
    count, contract, tech = TOTALS.search(response.get_data(as_text=True)).groups()
    return int(count), int(contract.replace(",", "").replace(".", "")), int(tech.replace(",", "").replace(".", ""))


def _hand_page(connection, prefix: str, extra: str, with_totals: bool = True):
    """The first page (50 rows and one to know there is a next) and the totals, by hand."""
    from sqlalchemy import text

    rows = connection.execute(text(HAND_PART.format(extra=extra, nulls="NOT NULL") + " LIMIT 51"),
                              {"prefix": prefix + "%"}).all()
    if len(rows) < 51:
        rows += connection.execute(text(HAND_PART.format(extra=extra, nulls="NULL") + f" LIMIT {51 - len(rows)}"),
                                   {"prefix": prefix + "%"}).all()
    if not with_totals:
        return rows, None
    count, contract_fen, tech_fen = connection.execute(text(HAND_TOTALS.format(extra=extra)),
                                                       {"prefix": prefix + "%"}).one()
    return rows, (int(count), int(contract_fen), int(tech_fen))


def child_page(name: str, repeat: int) -> dict:
    """Median ms of the page through the app and of the same page by hand, timed alternately."""
    from models import db

    _, username, query, extra = next(p for p in PAGES if p[0] == name)
    app, client = _app_and_client(username)
    with app.app_context():
        connection = db.engine.connect()
        site_totals = _page_totals(client, query)
        _, hand_totals = _hand_page(connection, PREFIX[username], extra)
        times = ([], [], [])
        for _ in range(repeat):
            for kind, run in enumerate((lambda: _page_totals(client, query),
                                        lambda: _hand_page(connection, PREFIX[username], extra),
                                        lambda: _hand_page(connection, PREFIX[username], extra, False))):
                started = time.perf_counter()
                run()
                times[kind].append((time.perf_counter() - started) * 1000)
        connection.close()
    return {"site_ms": statistics.median(times[0]), "hand_ms": statistics.median(times[1]),
            "rows_ms": statistics.median(times[2]), "rows": site_totals[0], "agree": site_totals == hand_totals}


def _status_mb(key: str) -> float | None:
    try:
        with open("/proc/self/status", encoding="ascii") as handle:
            line = next(line for line in handle if line.startswith(key + ":"))
        return int(line.split()[1]) / 1024
    except (OSError, StopIteration):
        return None


def _start_peak() -> float:
    """Resident MB now; on Linux the peak (VmHWM) is reset here, so that `_peak_mb` is this part's own."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as handle:
            handle.write("5")
    except OSError:
        pass
    return _status_mb("VmRSS") or _maxrss_mb()


def _peak_mb() -> float:
    return _status_mb("VmHWM") or _maxrss_mb()


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_export(fmt: str, workdir: str) -> dict:
    """The whole province's register through the app, written to a file: seconds, rows, peak memory growth."""
    app, client = _app_and_client(EXPORTER)
    totals = _page_totals(client, "")
    path = os.path.join(workdir, f"register.{fmt}")
    before = _start_peak()
    started = time.perf_counter()
    response = client.get(f"/contracts/register/export.{fmt}", buffered=False)
    with open(path, "wb") as handle:
        for chunk in response.iter_encoded():
            handle.write(chunk)
    response.close()
    seconds = time.perf_counter() - started
    peak = _peak_mb()
    rows, contract_fen, tech_fen = _count_csv(path) if fmt == "csv" else (_count_xlsx(path), None, None)
    agree = rows == totals[0] and (contract_fen is None or (contract_fen, tech_fen) == totals[1:])
    return {"seconds": seconds, "rows": rows, "rss_mb": peak - before, "peak_mb": peak, "bytes": os.path.getsize(path),
            "agree": agree}


def _count_csv(path: str) -> tuple[int, int, int]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        next(reader), next(reader)
        rows = contract = tech = 0
        for row in reader:
            rows += 1
            contract += int(Decimal(row[10]) * 100)
            tech += int(Decimal(row[11]) * 100)
    return rows, contract, tech


def _count_xlsx(path: str) -> int:
    """Data rows of the sheet (its XML read as a stream), without the heading and header rows."""
    rows = 0
    with zipfile.ZipFile(path) as archive, archive.open("xl/worksheets/sheet1.xml") as sheet:
        tail = b""
        for block in iter(lambda: sheet.read(1 << 20), b""):
            data = tail + block
            rows += data.count(b"<row ")
            tail = data[-4:]
            rows -= tail.count(b"<row ")
        rows += tail.count(b"<row ")
    return rows - 2


def child_hand_csv(workdir: str) -> dict:
    """The same rows by hand-written SQL, streamed (server-side cursor on PostgreSQL) to a CSV."""
    from sqlalchemy import text

    from marketplace import create_app
    from models import db

    app = create_app()
    path = os.path.join(workdir, "register-hand.csv")
    with app.app_context(), open(path, "w", encoding="utf-8-sig", newline="") as handle:
        connection = db.engine.connect().execution_options(stream_results=True, yield_per=2000)
        before = _start_peak()
        started = time.perf_counter()
        writer, rows = csv.writer(handle), 0
        for nulls in ("NOT NULL", "NULL"):
            result = connection.execute(text(HAND_PART.format(extra="", nulls=nulls)), {"prefix": PREFIX[EXPORTER] + "%"})
            for row in result:
                writer.writerow(row)
                rows += 1
        seconds = time.perf_counter() - started
        connection.close()
    peak = _peak_mb()
    return {"seconds": seconds, "rows": rows, "rss_mb": peak - before, "peak_mb": peak, "bytes": os.path.getsize(path)}


def run_child(args, env: dict, name: str, *extra) -> dict:
    command = [sys.executable, "-m", "bench.ledger_bench", "--child", json.dumps([name, *extra])]
    out = subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def child_main(spec: str) -> None:
    name, *extra = json.loads(spec)
    chosen = {"page": child_page, "export": child_export, "hand_csv": child_hand_csv}[name]
    print(json.dumps(chosen(*extra)))


# ------------------------------------------------------------------------------------ parent


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.child:
        child_main(args.child)
        return 0
    workdir = args.workdir or tempfile.mkdtemp(prefix="ledger-bench-")
    os.makedirs(workdir, exist_ok=True)
    # The whole province in one XLSX (the site refuses more than LEDGER_XLSX_MAX_ROWS; Excel holds 1,048,576 rows).
    env = dict(page_bench.environment(args, workdir), MARKET_LEDGER_XLSX_MAX_ROWS="1048574")
    page_bench.build(args, workdir, env)
    subprocess.run([os.path.join(os.path.dirname(sys.executable), "flask"), "init-db"], cwd=ROOT, env=env,
                   check=True, stdout=subprocess.DEVNULL)
    clean = True
    print(f"\n{'SQLite' if not args.database_url else 'PostgreSQL'}, {args.contracts:,} contracts, "
          f"{os.cpu_count()} CPUs; first page: median of {args.repeat} interleaved runs")
    print(f"{'page':<22}{'rows':>9}{'app ms':>9}{'SQL ms':>9}{'ratio':>7}{'rows-only SQL ms':>18}  totals agree")
    for name, *_ in PAGES:
        row = run_child(args, env, "page", name, args.repeat)
        clean &= row["agree"]
        print(f"{name:<22}{row['rows']:>9,}{row['site_ms']:>9.1f}{row['hand_ms']:>9.1f}"
              f"{row['site_ms'] / row['hand_ms']:>7.2f}{row['rows_ms']:>18.1f}  {'yes' if row['agree'] else 'NO'}",
              flush=True)
    print("(SQL ms: the 50 rows and the totals summed over `contracts`; rows-only: the 50 rows alone)")
    if args.skip_exports:
        return 0 if clean else 1
    hand = run_child(args, env, "hand_csv", workdir)
    print(f"\n{'export':<22}{'rows':>9}{'s':>8}{'rows/s':>10}{'RSS MB':>8}{'+MB':>6}{'file MB':>9}{'× SQL':>7}"
          "  rows and sums agree")
    print(f"{'plain SQL → csv':<22}{hand['rows']:>9,}{hand['seconds']:>8.1f}{hand['rows'] / hand['seconds']:>10,.0f}"
          f"{hand['peak_mb']:>8.0f}{hand['rss_mb']:>6.1f}{hand['bytes'] / 1e6:>9.0f}{1:>7.2f}", flush=True)
    for fmt in ("csv",) if args.skip_xlsx else ("csv", "xlsx"):
        row = run_child(args, env, "export", fmt, workdir)
        clean &= row["agree"] and row["rows"] == hand["rows"]
        rate = row["rows"] / row["seconds"]
        print(f"{'register → ' + fmt:<22}{row['rows']:>9,}{row['seconds']:>8.1f}{rate:>10,.0f}{row['peak_mb']:>8.0f}"
              f"{row['rss_mb']:>6.1f}{row['bytes'] / 1e6:>9.0f}{rate / (hand['rows'] / hand['seconds']):>7.2f}  "
              f"{'yes' if row['agree'] else 'NO'}", flush=True)
    print("(× SQL: the export's rows/s as a share of plain SQL's; RSS MB: the process's peak resident memory"
          " during the export, +MB: that peak above its resident memory when the export began)")
    return 0 if clean else 1


if __name__ == "__main__":
    sys.exit(main())
