"""Page benchmark: the main pages under gunicorn at a province's scale, as shares of /healthz.

    python -m bench.page_bench [--database-url postgresql://…/scratch] [--workdir DIR]
                               [--listings 100000] [--contracts 1000000] [--clients 8] [--seconds 8]

1. Builds (once per --workdir; --rebuild to start again) a database with --listings published
   results and needs (bench/corpus.py), --contracts registered contracts loaded through the
   contract import (bench/contract_corpus.py, which also fills the statistics cells), the demo
   accounts (`seed-demo`) and a full search index. SQLite in the work folder unless
   --database-url names a scratch PostgreSQL database on this machine (its contents are replaced).
2. Starts gunicorn with gunicorn.conf.py on a free loopback port.
3. For each page in turn, --clients keep-alive clients request it for --seconds; an official
   is logged in for the dashboard. Prints req/s, its share of /healthz (measured before and
   after the pages, in the same run) and p50/p95 latency, and exits 1 if any answer was not 200.
"""
import argparse
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from bench.load_support import is_loopback  # noqa: E402

GOAL_SHARE, GOAL_P95_MS = 0.40, 100.0
DEMO_PASSWORD = "Demo-market-2026"  # README: every demo account
OFFICIAL = "official_yn"  # the province's official: the dashboard covers every city
BUILT = "built.json"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None, help="scratch PostgreSQL database (default: SQLite)")
    parser.add_argument("--workdir", default=None, help="folder for the database, index and logs (kept)")
    parser.add_argument("--listings", type=int, default=100_000)
    parser.add_argument("--contracts", type=int, default=1_000_000)
    parser.add_argument("--clients", type=int, default=8, help="concurrent keep-alive clients (default 8)")
    parser.add_argument("--seconds", type=float, default=8.0, help="seconds per page (default 8)")
    parser.add_argument("--workers", type=int, default=None, help="gunicorn workers (default: gunicorn.conf.py)")
    parser.add_argument("--rebuild", action="store_true", help="build the data again even if the folder has it")
    parser.add_argument("--only", default="", help="comma-separated page names to run (default: all)")
    args = parser.parse_args(argv)
    if args.database_url:
        host = urllib.parse.urlsplit(args.database_url).hostname or "localhost"
        if host != "localhost" and not is_loopback(host):
            parser.error(f"{host} is not on this machine: the benchmark only uses a local scratch database")
    if min(args.listings, args.contracts, args.clients) < 1 or args.seconds <= 0:
        parser.error("sizes, --clients and --seconds must be positive")
    return args


# ---------------------------------------------------------------------------------------------- build


def environment(args, workdir: str) -> dict:
    env = dict(os.environ, MARKET_INSTANCE_PATH=os.path.join(workdir, "instance"),
               MARKET_SECRET_KEY=secrets.token_urlsafe(48), FLASK_APP="app")
    env.pop("DATABASE_URL", None)
    if args.database_url:
        env["DATABASE_URL"] = args.database_url
    return env


def build(args, workdir: str, env: dict) -> dict:
    """The corpus, contracts, demo accounts and index, through the app's own code; returns what was built."""
    wanted = {"listings": args.listings, "contracts": args.contracts, "database": args.database_url or "sqlite"}
    marker = os.path.join(workdir, BUILT)
    if not args.rebuild and os.path.exists(marker):
        with open(marker, encoding="utf-8") as handle:
            built = json.load(handle)
        if {k: built.get(k) for k in wanted} == wanted:
            print(f"data: re-using {workdir} ({built['listings']:,} listings, {built['contracts']:,} contracts)")
            return built
    shutil.rmtree(os.path.join(workdir, "instance"), ignore_errors=True)
    script = "import sys; from bench.page_bench import build_data; build_data(int(sys.argv[1]), int(sys.argv[2]))"
    subprocess.run([sys.executable, "-c", script, str(args.listings), str(args.contracts)], cwd=ROOT, env=env,
                   check=True)
    with open(marker, "w", encoding="utf-8") as handle:
        json.dump(wanted, handle)
    return wanted


def build_data(listings: int, contracts: int) -> None:
    """Runs in a child process with the served app's environment (same database, same index folder)."""
    from sqlalchemy import text

    import search_index
    from bench.contract_corpus import generate as generate_contracts
    from bench.corpus import generate as generate_listings
    from marketplace import create_app
    from marketplace.cli import init_db
    from marketplace.contracts.importer import import_contracts_file
    from marketplace.demo import seed_demo
    from models import db

    app = create_app({"SEARCH_AUTO_SYNC": False})
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        init_db()
        started = time.perf_counter()
        generate_listings(listings)
        db.session.commit()
        print(f"listings: {listings:,} in {time.perf_counter() - started:.0f} s", flush=True)
        seed_demo(echo=lambda message: None)
        csv_path = os.path.join(app.instance_path, "contracts.csv")
        generate_contracts(csv_path, contracts)
        report = import_contracts_file(csv_path, progress=lambda message: print(message, flush=True))
        db.session.commit()
        os.remove(csv_path)
        print(f"contracts: {report.added:,} imported in {report.seconds:.0f} s", flush=True)
        started = time.perf_counter()
        total = search_index.rebuild(app, progress=lambda message: None)
        print(f"index: {total:,} documents in {time.perf_counter() - started:.0f} s", flush=True)
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE"))
        else:
            db.session.execute(text("ANALYZE"))
            db.session.commit()


def sample_ids(env: dict) -> dict:
    """A published result in the middle of the corpus (for the detail page)."""
    script = ("from marketplace import create_app; from models import db, TechResult; from sqlalchemy import select, func;"
              "app = create_app();\nwith app.app_context():"
              " print(db.session.scalar(select(func.min(TechResult.id)).where(TechResult.id >= "
              "db.session.scalar(select(func.max(TechResult.id))) // 2)))")
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    return {"result_id": int(out.stdout.strip().splitlines()[-1])}


# ---------------------------------------------------------------------------------------------- load


class Client:
    """One keep-alive HTTP/1.1 connection with its own cookies."""

    def __init__(self, port: int, cookies: dict | None = None):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookies = dict(cookies or {})

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, bytes]:
        headers = {"Accept-Encoding": "identity"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        data = None
        if body is not None:
            data = urllib.parse.urlencode(body)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.conn.request(method, path, body=data, headers=headers)
        response = self.conn.getresponse()
        payload = response.read()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key.strip()] = rest.split(";", 1)[0]
        return response.status, payload

    def close(self):
        self.conn.close()


def log_in(port: int, username: str) -> dict:
    client = Client(port)
    status, page = client.request("GET", "/auth/login")
    token = CSRF.search(page.decode("utf-8"))
    status, _ = client.request("POST", "/auth/login", {"username": username, "password": DEMO_PASSWORD,
                                                        "csrf_token": token.group(1) if token else ""})
    client.close()
    if status != 302:
        sys.exit(f"log-in as {username} failed ({status})")
    return client.cookies


def drive(port: int, path: str, clients: int, seconds: float, cookies: dict | None = None) -> dict:
    """`clients` threads on keep-alive connections request `path` for `seconds`."""
    latencies: list[list[float]] = [[] for _ in range(clients)]
    bad: list[int] = []
    warm = [Client(port, cookies) for _ in range(clients)]
    for client in warm:  # connections open and each worker warm before the clock starts
        client.request("GET", path)
    start = threading.Barrier(clients + 1)
    deadline = [0.0]

    def run(n: int):
        client = warm[n]
        start.wait()
        mine = latencies[n]
        while True:
            began = time.perf_counter()
            if began >= deadline[0]:
                break
            status, _ = client.request("GET", path)
            mine.append(time.perf_counter() - began)
            if status != 200:
                bad.append(status)
        client.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    deadline[0] = time.perf_counter() + seconds
    began = time.perf_counter()
    start.wait()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    every = sorted(x for mine in latencies for x in mine)
    pct = (lambda p: every[min(len(every) - 1, int(round(p * (len(every) - 1))))] * 1000) if every else (lambda p: 0.0)
    return {"requests": len(every), "rps": len(every) / elapsed, "p50": pct(0.50), "p95": pct(0.95),
            "bad": sorted(set(bad)), "bad_count": len(bad)}


def pages(ids: dict) -> list[tuple[str, str, bool]]:
    """(name, path, logged in as the official) of each page measured."""
    q = urllib.parse.quote
    return [
        ("home", "/", False),
        ("results", "/results", False),
        ("results q", f"/results?q={q('燃料电池')}", False),
        ("results filters", f"/results?field={q('新能源与高效节能')}&region=530000&maturity={q('小试')}&sort=price", False),
        ("results deep page", "/results?page=200", False),
        ("needs", "/needs", False),
        ("needs q", f"/needs?q={q('污水处理')}", False),
        ("result detail", f"/results/{ids['result_id']}", False),
        ("statistics", "/stats/", False),
        ("official dashboard", "/stats/dashboard", True),
        ("api search", f"/api/v1/search?kind=result&q={q('燃料电池')}", False),
        ("api stats regions", "/api/v1/stats/regions", False),
        ("api stats breakdown", "/api/v1/stats/breakdown?dim=field", False),
        ("api stats bulletin", "/api/v1/stats/bulletin", False),
    ]


def start_server(args, workdir: str, env: dict) -> tuple[subprocess.Popen, int]:
    from bench.load_test import free_port, wait_healthy

    port = free_port()
    env = dict(env, GUNICORN_BIND=f"127.0.0.1:{port}")
    if args.workers:
        env["WEB_CONCURRENCY"] = str(args.workers)
    log = open(os.path.join(workdir, "gunicorn.log"), "wb")
    server = subprocess.Popen([os.path.join(os.path.dirname(sys.executable), "gunicorn"), "-c", "gunicorn.conf.py",
                               "--access-logfile", os.devnull, "app:app"], cwd=ROOT, env=env, stdout=log,
                              stderr=subprocess.STDOUT, start_new_session=True)
    wait_healthy(f"http://127.0.0.1:{port}", server, 120)
    return server, port


def report(rows: list[tuple[str, dict]], health: float) -> bool:
    print(f"\n{'page':<22}{'req/s':>9}{'share':>8}{'p50 ms':>9}{'p95 ms':>9}  goal (≥{GOAL_SHARE:.0%}, p95 ≤ "
          f"{GOAL_P95_MS:.0f} ms)")
    clean = True
    for name, row in rows:
        share = row["rps"] / health if health else 0.0
        met = share >= GOAL_SHARE and row["p95"] <= GOAL_P95_MS
        note = "met" if met else "MISSED"
        if row["bad_count"]:
            note += f"  {row['bad_count']} answers not 200: {row['bad']}"
            clean = False
        print(f"{name:<22}{row['rps']:>9.1f}{share:>8.1%}{row['p50']:>9.1f}{row['p95']:>9.1f}  {note}")
    return clean


def main(argv=None) -> int:
    args = parse_args(argv)
    workdir = args.workdir or tempfile.mkdtemp(prefix="page-bench-")
    os.makedirs(workdir, exist_ok=True)
    env = environment(args, workdir)
    build(args, workdir, env)
    # Data built by an older release: bring the schema to this one's head (quick when it is there).
    subprocess.run([os.path.join(os.path.dirname(sys.executable), "flask"), "init-db"], cwd=ROOT, env=env,
                   check=True, stdout=subprocess.DEVNULL)
    ids = sample_ids(env)
    server, port = start_server(args, workdir, env)
    try:
        chosen = {name.strip() for name in args.only.split(",") if name.strip()}
        official = log_in(port, OFFICIAL)
        before = drive(port, "/healthz", args.clients, args.seconds)
        rows = []
        for name, path, logged_in in pages(ids):
            if chosen and name not in chosen:
                continue
            rows.append((name, drive(port, path, args.clients, args.seconds, official if logged_in else None)))
            print(f"  {name}: {rows[-1][1]['rps']:.1f} req/s", flush=True)
        after = drive(port, "/healthz", args.clients, args.seconds)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(30)
    health = (before["rps"] + after["rps"]) / 2
    print(f"\n{args.database_url and 'PostgreSQL' or 'SQLite'}, {args.clients} clients × {args.seconds:g} s per page, "
          f"{os.cpu_count()} CPUs; /healthz {before['rps']:.0f} req/s before the pages, {after['rps']:.0f} after "
          f"(p95 {before['p95']:.1f} / {after['p95']:.1f} ms)")
    return 0 if report(rows, health) else 1


if __name__ == "__main__":
    sys.exit(main())
