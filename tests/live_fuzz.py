"""The live site the OpenAPI fuzzer runs against, and the fuzzer runs themselves (tests/test_api_fuzz.py).

A throwaway database (a fresh PostgreSQL database `<test database>_fuzz`, else an SQLite file) gets the
schema and the demo data, then gunicorn serves it as in production while one Schemathesis process per
identity fuzzes /api/v1 with every phase and every check. The five runs go side by side: each waits on
the server most of the time, and the server has a worker per core.
"""
import json
import os
import re
import secrets
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field

from sqlalchemy import create_engine, select
from sqlalchemy.engine import make_url

from bench.load_test import free_port, start_group, stop_group
from marketplace.api.tokens import create_token
from marketplace.cli import init_db
from marketplace.demo import seed_demo
from models import User, db
from tests.conftest import build_app, close_app

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.dirname(sys.executable)
# Who fuzzes: None is a caller without a token; the others are demo accounts (marketplace/demo_data.py).
IDENTITIES = {"anonymous": None, "institute": "inst_kust", "enterprise": "ent_baiyao", "broker": "broker_li",
              "official": "official_km"}
# Fixed, so that a failing run can be repeated; the five runs share one server, so a repeat sees the
# same requests but not always the same answers (the stateful phase of one run creates what another reads).
SEED = 20261201
# Test cases per operation in the fuzzing phase, and the bound of the stateful phase (3 rather than 5 took
# about a sixth less time; 2 rather than 3 a fifth less CPU, 89 s against 110 s, when the axe sweep joined the
# suite; the coverage phase, which sends every documented boundary, is the same either way).
MAX_EXAMPLES = 2
PHASES = "examples,coverage,fuzzing,stateful"
# The coverage phase is not bounded by --max-examples: it sends every boundary, type and method case the
# schema defines, ~2,300 for all operations, the same cases whoever sends them. Each operation gets it once,
# in the run of the identity that gets past the access checks to the validation: the owner of its area,
# else the anonymous run for a public operation and COVERAGE_DEFAULT for one that needs a token. Every run
# has every other phase for every operation.
COVERAGE_BY_AREA = {"results": "institute", "needs": "enterprise", "contracts": "broker", "stats": "official",
                    "trades": "enterprise"}
COVERAGE_DEFAULT = "institute"
# The runs go side by side, so the longest sets the time: amendments (applied for and decided by officials
# too) go to the official's run, which would otherwise have the fewest cases.
COVERAGE_BY_PATH = {"/contracts/{contract_id}/amendments": "official",
                    "/contracts/{contract_id}/amendments/{amendment_id}/actions": "official",
                    # the owners' calls: the institute's trades, the enterprise's tenders
                    "/trades/{trade_id}/registrations/{party_id}/decision": "institute",
                    "/trades/{trade_id}/objections/{objection_id}/answer": "institute",
                    "/trades/{trade_id}/withdraw": "institute",
                    "/tenders/{tender_id}/proposals/{proposal_id}/award": "enterprise",
                    "/tenders/{tender_id}/proposals/{proposal_id}/score": "enterprise",
                    "/tenders/{tender_id}/fail": "enterprise",
                    # the contract drafts: the trade's owner, the tender's winner (an institute)
                    "/trades/{trade_id}/contract": "institute",
                    "/tenders/{tender_id}/contract": "institute"}
# calls beyond /results and /contracts that the institute makes: its trades' steps and a won tender's contract
INSTITUTE_CALLS = ("/trades/{trade_id}/registrations/{party_id}/decision",
                     "/trades/{trade_id}/objections/{objection_id}/answer", "/trades/{trade_id}/withdraw",
                     "/trades/{trade_id}/contract", "/tenders/{tender_id}/contract")
# The fuzzing phase costs each run about the same per operation, whatever the answers: each identity
# fuzzes the calls it may make (the paths below; the anonymous run every public call), and the stateful
# phase, with every check, still sends every identity through every call.
REACH = {
    "institute": ("/results", "/contracts", *INSTITUTE_CALLS, "/me"),
    "enterprise": ("/needs", "/contracts", "/trades", "/tenders", "/me"),
    "broker": ("/contracts", "/needs/{need_id}/matches", "/me"),
    "official": ("/results/{result_id}/actions", "/needs/{need_id}/actions", "/needs/{need_id}/matches",
                 "/contracts", "/me"),
}
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
GUNICORN_WORKERS = 2
DEMO_CONTRACTS_PER_YEAR = 60  # registered demo contracts: enough of every kind for the calls, a third of `make run`'s
REQUEST_TIMEOUT = 20  # seconds: a request that hangs is an error of that run, not a hung test
RUN_TIMEOUT = 600  # seconds for all five runs together
# gunicorn's access log: '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s"'
SERVER_ERROR_LINE = re.compile(r'" 5\d\d ')


def executable(name: str) -> str:
    """A tool installed next to this Python (the dev requirements pin it); missing is a setup error."""
    path = os.path.join(BIN, name)
    if not os.access(path, os.X_OK):
        raise RuntimeError(f"{path} is missing: pip install -r requirements-dev.txt")
    return path


class FreshDatabase:
    """A database only this test uses: PostgreSQL `<base>_fuzz` (dropped and created), else an SQLite file."""

    def __init__(self, postgres_url: str | None, folder):
        self.admin_url = None
        if postgres_url:
            base = make_url(postgres_url)
            self.name = f"{base.database}_fuzz"
            self.admin_url = base
            # Like every test database (tests/conftest.py): commits do not wait for the disk. A fresh clone has
            # just written its whole virtualenv, and a commit waiting on that flush stalled answers for 15 s.
            self.url = base.set(database=self.name, query={"options": "-csynchronous_commit=off"}).render_as_string(
                hide_password=False)
        else:
            self.url = f"sqlite:///{folder / 'market.db'}"

    def _admin(self, statement: str) -> None:
        engine = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                conn.exec_driver_sql(statement)
        finally:
            engine.dispose()

    def create(self) -> None:
        if self.admin_url is not None:
            self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')  # left over by a killed run
            self._admin(f'CREATE DATABASE "{self.name}"')

    def drop(self) -> None:
        if self.admin_url is not None:
            self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


@dataclass
class LiveSite:
    base_url: str
    tokens: dict = field(repr=False)  # identity -> bearer token (None: anonymous)
    server: subprocess.Popen = field(repr=False)
    log_path: str = field(repr=False)

    def server_errors(self) -> list[str]:
        """Access-log lines of 5xx answers and the log's tracebacks: both must be absent."""
        with open(self.log_path, encoding="utf-8", errors="replace") as handle:
            return [line.rstrip() for line in handle if SERVER_ERROR_LINE.search(line) or "Traceback" in line]


def server_env(database_url: str, folder, port: int) -> dict:
    """gunicorn's environment: production settings, everything in `folder`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MARKET_")}
    env.update(DATABASE_URL=database_url, MARKET_INSTANCE_PATH=str(folder / "instance"),
               MARKET_SEARCH_INDEX_DIR=str(folder / "search_index"), MARKET_SECRET_KEY=secrets.token_hex(32),
               GUNICORN_BIND=f"127.0.0.1:{port}", WEB_CONCURRENCY=str(GUNICORN_WORKERS), PYTHONUNBUFFERED="1")
    return env


def wait_answering(url: str, server: subprocess.Popen, log_path: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode}:\n{tail(log_path)}")
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer {url} within {timeout:.0f} s:\n{tail(log_path)}")


def tail(path: str, lines: int = 40) -> str:
    with open(path, encoding="utf-8", errors="replace") as handle:
        return "".join(handle.readlines()[-lines:])


def start_site(database_url: str, folder) -> LiveSite:
    """Schema and demo data in this process, gunicorn booting meanwhile; returns once /api/v1/ answers.

    The caller stops `site.server` (stop_group) whatever happens; on an exception here it is stopped already.
    """
    app = build_app(folder, SQLALCHEMY_DATABASE_URI=database_url, DEMO_CONTRACTS_PER_YEAR=DEMO_CONTRACTS_PER_YEAR)
    port = free_port()
    log_path = str(folder / "server.log")
    server = None
    try:
        with app.app_context():
            init_db()
            # The server loads its code while the demo data goes in; it gets no request before they are in.
            server = start_group([executable("gunicorn"), "-c", "gunicorn.conf.py", "app:app"], log_path,
                                 cwd=ROOT, env=server_env(database_url, folder, port))
            seed_demo(echo=lambda _line: None)
            tokens = {}
            for identity, username in IDENTITIES.items():
                user = db.session.scalar(select(User).where(User.username == username)) if username else None
                tokens[identity] = create_token(user, "fuzz") if user else None
                assert (user is None) == (username is None), f"demo account {username} is missing"
            db.session.commit()
        close_app(app)
        base_url = f"http://127.0.0.1:{port}"
        wait_answering(f"{base_url}/api/v1/", server, log_path)
    except BaseException:
        stop_group(server)
        raise
    return LiveSite(base_url, tokens, server, log_path)


@dataclass
class FuzzRun:
    identity: str
    command: list = field(repr=False)
    returncode: int
    output: str = field(repr=False)

    @property
    def test_cases(self) -> int:
        """Test cases generated, from the summary ("Test cases:\\n  1392 generated, …"); 0 if absent."""
        found = re.search(r"Test cases:\s+(\d+) generated", self.output)
        return int(found.group(1)) if found else 0

    @property
    def passed(self) -> bool:
        """Exit 0, and a summary that counts test cases and lists no failure and no error."""
        return (self.returncode == 0 and self.test_cases > 0 and "Errors:" not in self.output
                and "Failures:" not in self.output)

    def report(self) -> str:
        """The run's failures, errors, warnings and summary (everything after the progress lines)."""
        start = min((self.output.find(f"=== {title} ===") for title in ("ERRORS", "FAILURES", "WARNINGS", "SUMMARY")
                     if f"=== {title} ===" in self.output), default=0)
        start = self.output.rfind("\n", 0, start) + 1
        return self.output[start:].strip() or self.output.strip()


@dataclass(frozen=True)
class Operation:
    name: str  # "METHOD /path"
    path: str
    public: bool  # callable without a token
    coverage_owner: str  # the identity whose run gives it the coverage phase


def operations(base_url: str) -> list[Operation]:
    """Every operation of the document, with who sends its coverage phase."""
    with urllib.request.urlopen(f"{base_url}/api/v1/openapi.json", timeout=10) as answer:
        document = json.load(answer)
    found = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method not in HTTP_METHODS:
                continue
            security = operation.get("security", document.get("security")) or []
            public = not security or {} in security
            area = COVERAGE_BY_PATH.get(path) or COVERAGE_BY_AREA.get(path.split("/")[1])
            found.append(Operation(f"{method.upper()} {path}", path, public,
                                   area or ("anonymous" if public else COVERAGE_DEFAULT)))
    return found


def reaches(identity: str, operation: Operation) -> bool:
    if identity == "anonymous":
        return operation.public
    return any(operation.path == prefix or operation.path.startswith(prefix + "/") for prefix in REACH[identity])


def fuzz_config(identity: str, found: list[Operation]) -> str:
    """schemathesis.toml of one run: the coverage phase of the operations this identity owns, the
    fuzzing phase of those it reaches; every other phase of every operation."""
    sections = []
    for operation in found:
        off = [phase for phase, on in (("coverage", operation.coverage_owner == identity),
                                       ("fuzzing", reaches(identity, operation))) if not on]
        if off:
            sections.append(f'[[operations]]\ninclude-name = "{operation.name}"\n'
                            + "".join(f"phases.{phase}.enabled = false\n" for phase in off))
    return "\n".join(sections)


def fuzz_command(base_url: str, token: str | None, config_file: str) -> list[str]:
    command = [executable("schemathesis"), "--config-file", config_file, "run", f"{base_url}/api/v1/openapi.json",
               "--checks", "all",
               "--phases", PHASES, "--max-examples", str(MAX_EXAMPLES), "--seed", str(SEED),
               "--generation-database", "none", "--request-timeout", str(REQUEST_TIMEOUT), "--no-color"]
    if token:
        command += ["-H", f"Authorization: Bearer {token}"]
    return command


def run_fuzzers(site: LiveSite, folder) -> dict[str, FuzzRun]:
    """One Schemathesis process per identity, side by side; each in a folder of its own (it writes caches)."""
    # A small environment: requests reads the proxy variables of the whole environment on every request.
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8", "PYTHONIOENCODING": "utf-8"}
    found = operations(site.base_url)
    procs = {}
    try:
        for identity, token in site.tokens.items():
            workdir = folder / identity
            workdir.mkdir()
            config_file = workdir / "schemathesis.toml"
            config_file.write_text(fuzz_config(identity, found), encoding="utf-8")
            command = fuzz_command(site.base_url, token, str(config_file))
            log = open(workdir / "output.txt", "w", encoding="utf-8")
            procs[identity] = (command, workdir, subprocess.Popen(
                command, cwd=workdir, env={**env, "HOME": str(workdir)}, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True))
            log.close()
        deadline = time.monotonic() + RUN_TIMEOUT
        runs = {}
        for identity, (command, workdir, proc) in procs.items():
            try:
                returncode = proc.wait(timeout=max(1.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                stop_group(proc)
                returncode = -1
            output = (workdir / "output.txt").read_text(encoding="utf-8", errors="replace")
            if returncode == -1:
                output += f"\n(stopped after {RUN_TIMEOUT} s)"
            runs[identity] = FuzzRun(identity, command, returncode, output)
        return runs
    finally:
        for _command, _workdir, proc in procs.values():
            stop_group(proc)
