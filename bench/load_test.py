"""Load test: the real site on gunicorn with several workers, driven by locust, then every write checked.

    python -m bench.load_test [--duration 60] [--users 20] [--workers 4] [--database-url URL] [--keep]
    make load-test LOAD_TEST_ARGS="--duration 30"

1. Builds a scratch database and search index in a temporary folder with the app's own
   commands (`flask init-db`, `flask seed-demo`); SQLite unless --database-url names a
   PostgreSQL database on this machine, e.g. postgresql://postgres@127.0.0.1:5432/bench_load
   (a scratch database: the run adds demo data and its own rows to it).
2. Starts gunicorn with gunicorn.conf.py (WEB_CONCURRENCY=--workers) on a free loopback
   port and waits for /healthz. Only loopback addresses are accepted as targets.
3. Runs locust headless for --duration seconds with --users users (bench/load_locustfile.py):
   browse, search, statistics, listing creation and contract filing through the site forms
   (some filings sent twice), approvals by an official, and /healthz as the baseline.
4. Prints requests, req/s, p50/p95/p99 and failures per kind, then compares every
   acknowledged write with the database (lost, duplicated), checks approved listings are
   in the search index and scans the server log for Traceback, LockError and
   "database is locked". Exits 1 if any of them, or any 5xx, is not zero.

locust (pinned in bench/requirements.txt) is installed on first use into its own
virtualenv, .venv/locust: it brings gevent and registers a pytest plugin, neither of
which belongs in the app's environment. gunicorn and locust are stopped on exit and on
Ctrl+C; the temporary folder is removed after a clean run unless --keep.
"""
import argparse
import os
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from bench import load_report  # noqa: E402
from bench.load_support import is_loopback, process_stats, split_bind  # noqa: E402

LOCUSTFILE = os.path.join(ROOT, "bench", "load_locustfile.py")
REQUIREMENTS = os.path.join(ROOT, "bench", "requirements.txt")
DEMO_PASSWORD = "Demo-market-2026"  # README: every demo account
BIN = os.path.dirname(sys.executable)
SETUP_TIMEOUT = 300
STOP_GRACE = 15


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=60, help="seconds of load (default 60)")
    parser.add_argument("--users", type=int, default=20, help="simulated users (default 20)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes (default 4)")
    parser.add_argument("--think", type=float, default=0.1, help="max seconds a user waits between tasks")
    parser.add_argument("--database-url", default=None, help="PostgreSQL URL on this machine (default: SQLite)")
    parser.add_argument("--bind", default=None, help="loopback HOST:PORT for gunicorn (default: a free port)")
    parser.add_argument("--workdir", default=None, help="folder for the database, index and logs (default: temp)")
    parser.add_argument("--locust-venv", default=os.path.join(ROOT, ".venv", "locust"))
    parser.add_argument("--keep", action="store_true", help="keep the work folder after a clean run")
    args = parser.parse_args(argv)
    if args.duration < 1 or args.users < 1 or args.workers < 1:
        parser.error("--duration, --users and --workers must be positive")
    return args


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def check_targets(bind: str, database_url: str) -> None:
    """Refuse anything that would send load beyond this machine."""
    host, _port = split_bind(bind)
    if not is_loopback(host):
        sys.exit(f"refused: {host} is not a loopback address (the load test only targets this machine)")
    if not database_url.startswith("sqlite"):
        from sqlalchemy.engine import make_url

        db_host = make_url(database_url).host
        if db_host and not is_loopback(db_host):
            sys.exit(f"refused: database host {db_host} is not a loopback address")


def ensure_locust(venv: str) -> str:
    """The locust executable, installing bench/requirements.txt into `venv` when it changed."""
    locust, stamp = os.path.join(venv, "bin", "locust"), os.path.join(venv, ".requirements.stamp")
    with open(REQUIREMENTS, encoding="utf-8") as handle:
        wanted = handle.read()
    if os.path.exists(locust) and os.path.exists(stamp):
        with open(stamp, encoding="utf-8") as handle:
            if handle.read() == wanted:
                return locust
    print(f"installing locust into {os.path.relpath(venv, ROOT)} …", flush=True)
    if not os.path.exists(os.path.join(venv, "bin", "python")):
        subprocess.run([sys.executable, "-m", "venv", venv], check=True)
    subprocess.run([os.path.join(venv, "bin", "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                    "-r", REQUIREMENTS], check=True, timeout=SETUP_TIMEOUT)
    with open(stamp, "w", encoding="utf-8") as handle:
        handle.write(wanted)
    return locust


def app_env(workdir: str, database_url: str, bind: str, workers: int) -> dict:
    """The environment of the flask commands and gunicorn: everything points into `workdir`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MARKET_")}
    env.update(DATABASE_URL=database_url, MARKET_INSTANCE_PATH=os.path.join(workdir, "instance"),
               MARKET_SEARCH_INDEX_DIR=os.path.join(workdir, "index"), MARKET_SECRET_KEY=secrets.token_hex(32),
               GUNICORN_BIND=bind, WEB_CONCURRENCY=str(workers), PYTHONUNBUFFERED="1")
    return env


def run_flask(env: dict, *command: str) -> None:
    """Run one app command, indenting its output under the step."""
    started = time.perf_counter()
    proc = subprocess.run([os.path.join(BIN, "flask"), "--app", "app", *command], cwd=ROOT, env=env, text=True,
                          capture_output=True, timeout=SETUP_TIMEOUT)
    for line in (proc.stdout + proc.stderr).splitlines():
        if line.strip() and not line.startswith("INFO  [alembic"):
            print("    " + line)
    if proc.returncode != 0:
        sys.exit(f"flask {' '.join(command)} failed (exit {proc.returncode})")
    print(f"    ({time.perf_counter() - started:.1f} s)", flush=True)


def start_group(command: list[str], log_path: str, **kwargs) -> subprocess.Popen:
    """Start a process in its own process group, output to `log_path`."""
    log = open(log_path, "w", encoding="utf-8")
    try:
        return subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, **kwargs)
    finally:
        log.close()  # the child keeps its own descriptor


def stop_group(proc: subprocess.Popen | None) -> None:
    """SIGTERM the process group, then SIGKILL it if it is still there after STOP_GRACE seconds."""
    if proc is None or proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=STOP_GRACE)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    except ProcessLookupError:
        pass


def wait_healthy(base_url: str, server: subprocess.Popen, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode} before answering")
        try:
            with urllib.request.urlopen(f"{base_url}/healthz", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer {base_url}/healthz within {timeout:.0f} s")


def run_locust(locust: str, args, base_url: str, workdir: str, run_id: str) -> None:
    """Run the locustfile headless for the duration, printing progress every 10 s."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MARKET_", "DATABASE_URL", "LOCUST_"))}
    env.update(LOAD_RUN_ID=run_id, LOAD_OUT_DIR=workdir, LOAD_PASSWORD=DEMO_PASSWORD, LOAD_THINK=str(args.think))
    command = [locust, "-f", LOCUSTFILE, "--headless", "--host", base_url, "--users", str(args.users),
               "--spawn-rate", str(args.users), "--run-time", f"{args.duration}s", "--stop-timeout", "10",
               "--only-summary", "--exit-code-on-error", "0", "--loglevel", "WARNING"]
    proc = start_group(command, os.path.join(workdir, "locust.log"), cwd=workdir, env=env)
    try:
        started, deadline = time.monotonic(), time.monotonic() + args.duration + 60
        next_tick = started + 10
        while proc.poll() is None:
            if time.monotonic() > deadline:
                raise RuntimeError("locust did not stop in time")
            if time.monotonic() >= next_tick:
                print(f"    {next_tick - started:.0f}/{args.duration} s, "
                      f"{load_report.count_lines(os.path.join(workdir, 'writes.jsonl'))} writes sent", flush=True)
                next_tick += 10
            time.sleep(0.5)
        if proc.returncode != 0:
            raise RuntimeError(f"locust exited with {proc.returncode}; see {workdir}/locust.log")
    finally:
        stop_group(proc)


def group_cpu_seconds(pgid: int) -> float:
    """User + system CPU seconds used so far by the live processes of a process group (Linux /proc)."""
    ticks, total = os.sysconf("SC_CLK_TCK"), 0
    for _pid, fields in process_stats():
        if int(fields[2]) == pgid:  # fields after "(comm)": state, ppid, pgrp, …, utime (12), stime (13)
            total += int(fields[11]) + int(fields[12])
    return total / ticks


def load_with_cpu(server, locust: str, args, base_url: str, workdir: str, run_id: str) -> tuple[float, float]:
    """Run locust; returns the cores gunicorn and locust used meanwhile (others may use the machine too)."""
    started, server_cpu = time.monotonic(), group_cpu_seconds(server.pid)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    run_locust(locust, args, base_url, workdir, run_id)
    elapsed, server_cpu = time.monotonic() - started, group_cpu_seconds(server.pid) - server_cpu
    after = resource.getrusage(resource.RUSAGE_CHILDREN)  # locust has been waited for: its CPU is in here
    client_cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return server_cpu / elapsed, client_cpu / elapsed


def catch_up_index(base_url: str) -> None:
    """Searches let a worker apply outbox changes nobody applied yet (at most once a second per worker)."""
    time.sleep(1.2)
    for _ in range(8):
        try:
            urllib.request.urlopen(f"{base_url}/api/v1/search?q=%E8%B4%9F%E8%BD%BD", timeout=10).read()
        except OSError:
            pass


def interrupt(_signum, _frame):
    """SIGTERM cleans up like Ctrl+C: main's finally stops gunicorn and locust."""
    raise KeyboardInterrupt


def main(argv=None) -> int:
    args = parse_args(argv)
    bind = args.bind or f"127.0.0.1:{free_port()}"
    check_targets(bind, args.database_url or "sqlite://")
    workdir = args.workdir or tempfile.mkdtemp(prefix="load-test-")
    os.makedirs(workdir, exist_ok=True)
    database_url = args.database_url or f"sqlite:///{os.path.join(workdir, 'market.db')}"
    host, port = split_bind(bind)
    base_url = f"http://{'[' + host + ']' if ':' in host else host}:{port}"
    run_id = secrets.token_hex(3)
    env = app_env(workdir, database_url, bind, args.workers)
    server_log = os.path.join(workdir, "server.log")
    server = None
    signal.signal(signal.SIGTERM, interrupt)
    try:
        locust = ensure_locust(args.locust_venv)
        engine_name = "SQLite" if database_url.startswith("sqlite") else "PostgreSQL"
        print(f"work folder: {workdir}  database: {engine_name}  run: LT{run_id}", flush=True)
        print("[1/5] flask init-db", flush=True)
        run_flask(env, "init-db")
        print("[2/5] flask seed-demo", flush=True)
        run_flask(env, "seed-demo")
        print(f"[3/5] gunicorn, {args.workers} workers, on {base_url}", flush=True)
        server = start_group([os.path.join(BIN, "gunicorn"), "-c", "gunicorn.conf.py", "app:app"], server_log,
                             cwd=ROOT, env=env)
        wait_healthy(base_url, server)
        print(f"[4/5] locust: {args.users} users for {args.duration} s "
              f"(load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs)", flush=True)
        server_cores, client_cores = load_with_cpu(server, locust, args, base_url, workdir, run_id)
        catch_up_index(base_url)
        stop_group(server)  # every request finished: the database and the log are final
        print("[5/5] results", flush=True)
        print(f"CPU during the load: gunicorn {server_cores:.2f} cores, locust {client_cores:.2f} cores, "
              f"of {os.cpu_count()}")
        problems = load_report.report(workdir, database_url, run_id, env["MARKET_SEARCH_INDEX_DIR"], server_log)
    except KeyboardInterrupt:
        print(f"\ninterrupted; stopping gunicorn and locust (logs kept in {workdir})", file=sys.stderr)
        return 130
    except RuntimeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        print(f"(logs kept in {workdir})", file=sys.stderr)
        return 2
    finally:
        stop_group(server)
    if problems or args.keep:
        print(f"logs and database kept in {workdir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
