"""Benchmark: a large contract file imported through the site, beside the command line in the same run.

    python -m bench.web_import_bench [--rows 100000] [--redis-url redis://127.0.0.1:6379/13]

Generates the file (bench.contract_corpus), then:
- baseline: `import_contracts_file` in this process on a fresh SQLite database (what `flask contracts import` runs);
- the site: gunicorn and one `flask jobs worker` on another fresh database; an official logs in, uploads the
  file on /office/imports/, and the script polls the progress JSON once a second as the page does.
Prints the upload time, the time from the upload to the report, the progress updates seen, and the
worker's peak memory (VmHWM).
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import requests  # noqa: E402

from bench.contract_corpus import generate  # noqa: E402
from bench.load_test import free_port, start_group, stop_group  # noqa: E402
from marketplace import create_app  # noqa: E402
from marketplace.auth.services import hash_password  # noqa: E402
from marketplace.cli import init_db  # noqa: E402
from marketplace.contracts.importer import import_contracts_file  # noqa: E402
from models import Organisation, User, db  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SECRET = "bench-secret-key-0123456789abcdef-0123456789"
PASSWORD = "Bench-import-2026"
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def fresh_site(folder: str) -> dict:
    config = {"SECRET_KEY": SECRET, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/market.db", "INSTANCE_PATH": folder,
              "SEARCH_INDEX_DIR": f"{folder}/index"}
    app = create_app(config)
    with app.app_context():
        init_db()
        bureau = Organisation(name="云南省科学技术厅（基准）", org_type="机关", region_code="530000")
        db.session.add(bureau)
        db.session.flush()
        db.session.add(User(username="importer", password_hash=hash_password(PASSWORD), role="official",
                            organisation_id=bureau.id, display_name="导入员"))
        db.session.commit()
    return config


def baseline(path: str) -> float:
    with tempfile.TemporaryDirectory() as folder:
        app = create_app(fresh_site(folder))
        with app.app_context():
            started = time.perf_counter()
            report = import_contracts_file(path)
            db.session.commit()
            return report.rows / (time.perf_counter() - started)


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    return found.group(1) or found.group(2)


def peak_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))


def through_the_site(path: str, rows: int, redis_url: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        config = fresh_site(folder)
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("MARKET_")}
        env.update(DATABASE_URL=config["SQLALCHEMY_DATABASE_URI"], MARKET_INSTANCE_PATH=folder,
                   MARKET_SEARCH_INDEX_DIR=config["SEARCH_INDEX_DIR"], MARKET_SECRET_KEY=SECRET,
                   MARKET_JOBS_REDIS_URL=redis_url, MARKET_JOBS_QUEUE=f"bench-{uuid.uuid4().hex[:8]}",
                   GUNICORN_BIND=f"127.0.0.1:{port}", WEB_CONCURRENCY="2")
        bin_dir = os.path.dirname(sys.executable)
        server = start_group([os.path.join(bin_dir, "gunicorn"), "-c", "gunicorn.conf.py", "app:app"],
                             os.path.join(folder, "server.log"), cwd=ROOT, env=env)
        worker = subprocess.Popen([os.path.join(bin_dir, "flask"), "--app", "app", "jobs", "worker", "--no-scheduler"],
                                  cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(120):
                try:
                    requests.get(base + "/auth/login", timeout=2)
                    break
                except requests.ConnectionError:
                    time.sleep(0.5)
            session = requests.Session()
            token = csrf_of(session.get(base + "/auth/login").text)
            session.post(base + "/auth/login", data={"csrf_token": token, "username": "importer", "password": PASSWORD})
            token = csrf_of(session.get(base + "/office/imports/").text)
            started = time.perf_counter()
            with open(path, "rb") as handle:
                answer = session.post(base + "/office/imports/", data={"csrf_token": token, "kind": "contract"},
                                      files={"file": ("contracts.csv", handle, "text/csv")}, allow_redirects=False)
            uploaded = time.perf_counter() - started
            assert answer.status_code == 302, (answer.status_code, answer.text[:500])
            page = answer.headers["Location"]
            seen, last = [], None
            while True:
                data = session.get(base + page + "/progress").json()
                if (data["done"], data["note"]) != last:
                    seen.append(data["percent"])
                    last = (data["done"], data["note"])
                if data["state"] in ("done", "failed"):
                    break
                time.sleep(1)
            elapsed = time.perf_counter() - started
            report = session.get(base + page).text
            assert "导入完成" in report, report[-2000:]
            print(f"through the site: upload {os.path.getsize(path) / 1e6:.1f} MB in {uploaded:.1f} s; upload → report "
                  f"{elapsed:.1f} s = {rows / elapsed:,.0f} rows/s; {len(seen)} distinct progress updates seen by polling "
                  f"once a second ({', '.join(f'{p}%' for p in seen[:12])}{' …' if len(seen) > 12 else ''}); "
                  f"worker peak memory {peak_kib(worker.pid) / 1024:.0f} MiB")
        finally:
            worker.terminate()
            worker.wait(timeout=30)
            stop_group(server)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/13")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "contracts.csv")
        generate(path, args.rows)
        rate = baseline(path)
        print(f"baseline, import_contracts_file in this process: {args.rows:,} rows at {rate:,.0f} rows/s "
              f"({args.rows / rate:.1f} s)")
        through_the_site(path, args.rows, args.redis_url)


if __name__ == "__main__":
    main()
