"""gunicorn.conf.py: settings, and the real server answering with several workers."""
import os
import runpy
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import text

from models import db

ROOT = Path(__file__).resolve().parents[2]
CONF = ROOT / "gunicorn.conf.py"


def load_conf(monkeypatch, **env):
    """Evaluate gunicorn.conf.py with exactly the given overrides in the environment."""
    for name in ("GUNICORN_BIND", "WEB_CONCURRENCY"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(CONF))


def test_defaults(monkeypatch):
    conf = load_conf(monkeypatch)
    assert conf["bind"] == "127.0.0.1:5000"
    assert 3 <= conf["workers"] <= 8
    assert conf["timeout"] == 30
    assert conf["preload_app"] is True
    assert conf["accesslog"] == "-"


def test_environment_overrides(monkeypatch):
    conf = load_conf(monkeypatch, GUNICORN_BIND="0.0.0.0:8080", WEB_CONCURRENCY="2")
    assert conf["bind"] == "0.0.0.0:8080"
    assert conf["workers"] == 2


def test_post_fork_drops_inherited_connections(monkeypatch, app):
    conf = load_conf(monkeypatch)
    with app.app_context():
        db.session.execute(text("SELECT 1"))
        db.session.remove()
        pool = db.engine.pool
        assert pool.checkedin() >= 1

    worker = SimpleNamespace(app=SimpleNamespace(wsgi=lambda: app))  # what gunicorn passes
    conf["post_fork"](server=None, worker=worker)
    with app.app_context():
        assert db.engine.pool is not pool  # a fresh pool: nothing shared with the parent
    pool.dispose()  # in a real fork the parent keeps these; here this process must close them


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str) -> int:
    """The HTTP status of a GET."""
    with urllib.request.urlopen(url, timeout=30) as response:  # a first page under a fully loaded run can be slow
        return response.status


@pytest.mark.slow
@pytest.mark.own_app  # gunicorn opens the app fixture's database file in tmp_path
# On PostgreSQL, tests/test_faults.py serves far more through real gunicorn workers (and kills them): this boot
# check runs on SQLite only.
@pytest.mark.dialect_free
def test_gunicorn_serves_pages_with_several_workers(app, tmp_path):
    """The app fixture's database (SQLite in tmp_path, or DATABASE_URL) behind real gunicorn workers."""
    port = free_port()
    env = {**os.environ, "GUNICORN_BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "2",
           "MARKET_INSTANCE_PATH": str(tmp_path), "MARKET_SEARCH_INDEX_DIR": str(tmp_path / "search_index"),
           "MARKET_SECRET_KEY": secrets.token_hex(32)}  # a served app refuses to start without a strong key
    gunicorn = Path(sys.executable).with_name("gunicorn")
    with subprocess.Popen([str(gunicorn), "-c", str(CONF)], cwd=ROOT, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT) as proc:
        try:
            base = f"http://127.0.0.1:{port}"
            # A start-up limit, not a timing: with both test runs and the fuzzer on two cores a boot can take 20 s.
            deadline = time.monotonic() + 60
            while True:
                try:
                    assert get(base + "/healthz") == 200
                    break
                except OSError:
                    assert proc.poll() is None, proc.stdout.read().decode(errors="replace")
                    assert time.monotonic() < deadline, "gunicorn did not start within 60 s"
                    time.sleep(0.2)
            # Database-backed pages from whichever worker answers.
            assert [get(base + "/results") for _ in range(6)] == [200] * 6
        finally:
            proc.terminate()
            proc.wait(timeout=30)
            output = proc.stdout.read().decode(errors="replace")
    assert output.count("Booting worker") == 2
    assert "GET /results" in output
