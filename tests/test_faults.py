"""Workers SIGKILLed mid-write: nothing half-written, retries not duplicated, statistics and index consistent.

Real gunicorn (2 workers) on the app fixture's database; client threads publish results
(create+submit, approve) and file and register contracts (file+submit with an
Idempotency-Key, accept, register) through the JSON API while the test kills a worker
several times. A request cut off by a kill is retried: a filing with the same key, a
step or a creation only after re-reading what the database already holds.
"""
import http.client
import json
import os
import random
import secrets
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import select

import search_index
from bench.load_support import process_stats, scan_server_log
from models import Contract, ContractEvent, ContractStatus, ListingEvent, ListingStatus, TechResult, db
from tests.api_helpers import CONTRACT_BODY, RESULT_BODY, build_world
from tests.browser.test_gunicorn import CONF, ROOT, free_port

THREADS = 4
ROUNDS = 5  # each round: a result (2 requests) and a contract (3 requests); the last result is withdrawn
KILLS = 5
EXTRA_ROUNDS = 10  # at most, per client, should the kills not be done after ROUNDS
KILL_SPACING = 0.3  # seconds at least between two kills
TITLE_WORD = "钙钛矿"  # in every result's title: one query finds them all in the index


def worker_pids(master: int) -> list[int]:
    """The live child processes of the gunicorn master (its workers), from /proc."""
    return [pid for pid, fields in process_stats() if int(fields[1]) == master and fields[0] != "Z"]


def serving(pid: int, port: int) -> bool:
    """Whether the worker holds an open client connection to the server's port: a request is under way."""
    try:
        sockets = {os.readlink(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd")}
        with open(f"/proc/{pid}/net/tcp", encoding="ascii") as handle:
            rows = [line.split() for line in handle.readlines()[1:]]
    except OSError:
        return False
    # Columns: sl, local address:port (hex), remote, state (01 = established), …, inode (10th).
    return any(row[1].endswith(f":{port:04X}") and row[3] == "01" and f"socket:[{row[9]}]" in sockets
               for row in rows)


class Client:
    """One thread's requests to the loopback server, with the figures the test prints."""

    def __init__(self, port: int, stats: dict, lock: threading.Lock):
        self.port, self.stats, self.lock = port, stats, lock
        self.in_flight = False

    def call(self, method: str, path: str, token: str, body: dict | None = None, key: str | None = None):
        """(status, JSON body), or None when the connection broke (the worker died)."""
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json", "Connection": "close"}
        if key:
            headers["Idempotency-Key"] = key
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=15)
        self.in_flight = True
        try:
            connection.request(method, "/api/v1" + path, body=json.dumps(body) if body is not None else None,
                               headers=headers)
            response = connection.getresponse()
            payload = response.read()
        except (OSError, http.client.HTTPException):
            with self.lock:
                self.stats["broken"] += 1
            return None
        finally:
            self.in_flight = False
            connection.close()
            with self.lock:
                self.stats["sent"] += 1
        assert 200 <= response.status < 300, (method, path, response.status, payload[:300])
        return response.status, json.loads(payload)

    def retried(self, make_request, recheck=None):
        """The request's answer, retried after a broken connection; `recheck` returns an answer already stored."""
        while True:
            answer = make_request()
            if answer is not None:
                return answer
            with self.lock:
                self.stats["retries"] += 1
            time.sleep(0.05)  # the killed worker's transaction has ended by now, committed or not
            if recheck is not None and (stored := recheck()) is not None:
                with self.lock:
                    self.stats["stored"] += 1  # the killed worker had committed before it died
                return stored


def run_client(app, client: Client, world: dict, thread_no: int, acked: list, kills_done=None, rounds=None) -> None:
    """Publish ROUNDS results and register ROUNDS contracts, keeping every acknowledged effect.

    While the kills are not all done (`kills_done` not set), up to EXTRA_ROUNDS more rounds keep the workers
    busy; `rounds[thread_no]` counts the rounds begun.
    """
    owner, official = world["tokens"]["inst"], world["tokens"]["official_km"]

    def current_status(path):
        return client.retried(lambda: client.call("GET", path, owner))[1]["status"]

    def step(path, action, token, target):
        def recheck():
            return (200, {"status": target}) if current_status(path) == target else None
        _status, body = client.retried(
            lambda: client.call("POST", path + "/actions", token, {"action": action}), recheck)
        assert body["status"] == target
        acked.append((path, target))

    round_no = -1
    while (round_no := round_no + 1) < ROUNDS or (
            kills_done is not None and not kills_done.is_set() and round_no < ROUNDS + EXTRA_ROUNDS):
        if rounds is not None:
            rounds[thread_no] = round_no + 1
        title = f"{TITLE_WORD}组件封装技术 F{thread_no}R{round_no}"

        def stored_result(title=title):
            with app.app_context():
                found = db.session.scalar(select(TechResult.id).where(TechResult.title == title))
            return None if found is None else (201, {"id": found, "status": ListingStatus.PENDING})
        _status, body = client.retried(
            lambda: client.call("POST", "/results", owner, {**RESULT_BODY, "title": title, "submit": True}),
            stored_result)
        path = f"/results/{body['id']}"
        acked.append((path, ListingStatus.PENDING))
        step(path, "approve", official, ListingStatus.PUBLISHED)
        if round_no == ROUNDS - 1:  # the index must drop it again
            step(path, "withdraw", owner, ListingStatus.WITHDRAWN)

        key = f"faults-{thread_no}-{round_no}-{secrets.token_hex(4)}"
        filing = {**CONTRACT_BODY, "title": f"{CONTRACT_BODY['title']} F{thread_no}R{round_no}", "submit": True}
        status, body = client.retried(lambda: client.call("POST", "/contracts", owner, filing, key=key))
        assert body["status"] == ContractStatus.FILED
        if status == 200:  # a retry answered with the contract the killed worker had committed
            with client.lock:
                client.stats["stored"] += 1
        path = f"/contracts/{body['id']}"
        acked.append((path, ContractStatus.FILED))
        step(path, "accept", official, ContractStatus.ACCEPTED)
        step(path, "register", official, ContractStatus.REGISTERED)


STARTUP_SECONDS = 60


def start_gunicorn(tmp_path: Path, port: int):
    env = {**os.environ, "GUNICORN_BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "2",
           "MARKET_INSTANCE_PATH": str(tmp_path), "MARKET_SEARCH_INDEX_DIR": str(tmp_path / "search_index"),
           "MARKET_SECRET_KEY": secrets.token_hex(32), "PYTHONUNBUFFERED": "1"}
    with open(tmp_path / "gunicorn.log", "w", encoding="utf-8") as log:  # the child keeps its own descriptor
        proc = subprocess.Popen([str(Path(sys.executable).with_name("gunicorn")), "-c", str(CONF)], cwd=ROOT,
                                env=env, stdout=log, stderr=subprocess.STDOUT)
    # Generous: `make test` runs the SQLite and PostgreSQL halves side by side on two cores.
    deadline = time.monotonic() + STARTUP_SECONDS
    while len(worker_pids(proc.pid)) < 2 or not _answers(port):
        assert proc.poll() is None, (tmp_path / "gunicorn.log").read_text()
        if time.monotonic() >= deadline:
            proc.terminate()  # not left running after the test has failed
            proc.wait(timeout=30)
            raise AssertionError(f"gunicorn did not start within {STARTUP_SECONDS} s")
        time.sleep(0.1)
    return proc


def _answers(port: int) -> bool:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        connection.request("GET", "/healthz")
        return connection.getresponse().status == 200
    except (OSError, http.client.HTTPException):
        return False
    finally:
        connection.close()


def kill_workers(proc, port: int, clients: list[Client], stats: dict, threads: list[threading.Thread]) -> list[int]:
    """SIGKILL a worker amid a request, KILL_SPACING apart, once the first tenth of the requests went out.

    Returns how many client requests were in flight at each kill. (Kills timed by request counts
    sometimes came after the clients had finished; spaced in time they all land mid-run.)
    """
    first = THREADS * (ROUNDS * 5 + 1) / 10
    in_flight, rng = [], random.Random(12)
    last = 0.0
    while any(t.is_alive() for t in threads) and len(in_flight) < KILLS:
        due = stats["sent"] >= first
        busy = [pid for pid in worker_pids(proc.pid) if serving(pid, port)] if due else []
        if busy and time.monotonic() - last >= KILL_SPACING:
            counted = sum(c.in_flight for c in clients)
            try:
                os.kill(rng.choice(busy), signal.SIGKILL)
            except ProcessLookupError:  # it exited between the look in /proc and the kill: look again
                continue
            in_flight.append(counted)
            last = time.monotonic()
        time.sleep(0.01)
    return in_flight


def chain_ok(events, status) -> bool:
    """History rows from creation to the current status, each step starting where the last one ended."""
    if not events or events[0].action != "create" or events[0].from_status is not None:
        return False
    return all(e.from_status == p.to_status for p, e in zip(events, events[1:])) and events[-1].to_status == status


@pytest.mark.slow
@pytest.mark.own_app  # gunicorn opens the app fixture's database and index folder
def test_killed_workers_leave_nothing_half_written(app, runner, tmp_path):
    started = time.monotonic()
    world = build_world(app)
    with app.app_context():
        db.engine.dispose()  # gunicorn's workers write now; nothing of this process holds the database
    port = free_port()
    proc = start_gunicorn(tmp_path, port)
    stats, lock, acked = {"sent": 0, "broken": 0, "retries": 0, "stored": 0}, threading.Lock(), []
    clients = [Client(port, stats, lock) for _ in range(THREADS)]
    failures = []

    def guarded(thread_no):
        try:
            run_client(app, clients[thread_no], world, thread_no, acked, kills_done, rounds)
        except BaseException as exc:  # noqa: BLE001 — reported by the main thread
            failures.append(exc)

    threads = [threading.Thread(target=guarded, args=(n,)) for n in range(THREADS)]
    kills_done, rounds = threading.Event(), [0] * THREADS
    try:
        for thread in threads:
            thread.start()
        in_flight = kill_workers(proc, port, clients, stats, threads)
        kills_done.set()
        for thread in threads:
            thread.join(timeout=30)
        assert not any(t.is_alive() for t in threads), "client threads did not finish"
        deadline = time.monotonic() + STARTUP_SECONDS  # a worker's boot, as slow as the first under load
        while len(worker_pids(proc.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)  # the master replaces the last killed worker
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    log = (tmp_path / "gunicorn.log").read_text(errors="replace")
    if failures:
        raise failures[0]
    assert len(in_flight) == KILLS, f"only {len(in_flight)} kills happened"
    assert log.count("Booting worker") == 2 + KILLS
    assert {name: count for name, count in scan_server_log(log).items() if count} == {}, log

    with app.app_context():
        contracts = db.session.scalars(select(Contract).order_by(Contract.id)).all()
        results = db.session.scalars(select(TechResult).order_by(TechResult.id)).all()
        contract_events = {c.id: [] for c in contracts}
        for event in db.session.scalars(select(ContractEvent).order_by(ContractEvent.id)):
            contract_events[event.contract_id].append(event)
        result_events = {r.id: [] for r in results}
        for event in db.session.scalars(select(ListingEvent).order_by(ListingEvent.id)):
            result_events[event.result_id].append(event)
        # Nothing half-written: every row has its full history, a registered contract its number and date.
        assert [c.id for c in contracts if not chain_ok(contract_events[c.id], c.status)] == []
        assert [r.id for r in results if not chain_ok(result_events[r.id], r.status)] == []
        assert all(c.registration_no and c.registered_on and c.submitted_at for c in contracts
                   if c.status == ContractStatus.REGISTERED)
        assert all(r.published_at for r in results if r.status == ListingStatus.PUBLISHED)
        # Retries duplicated nothing: one contract per key, one result per title, one per round.
        assert len(contracts) == len({c.idempotency_key for c in contracts}) == sum(rounds)
        assert len(results) == len({r.title for r in results}) == sum(rounds)
        # Nothing acknowledged is lost: each 2xx step is in its object's history.
        history = {f"/contracts/{cid}": {e.to_status for e in events} for cid, events in contract_events.items()}
        history |= {f"/results/{rid}": {e.to_status for e in events} for rid, events in result_events.items()}
        lost = sum(1 for path, target in acked if target not in history.get(path, ()))
        assert lost == 0
        assert {c.status for c in contracts} == {ContractStatus.REGISTERED}
        published = {r.id for r in results if r.status == ListingStatus.PUBLISHED}
        assert len(published) == sum(rounds) - THREADS  # each client withdraws one
        assert len([r for r in results if r.status == ListingStatus.WITHDRAWN]) == THREADS
        rows_checked = len(contracts) + len(results) + sum(map(len, contract_events.values())) + sum(
            map(len, result_events.values()))

    # The pre-aggregated statistics equal a recount.
    verified = runner.invoke(args=["stats", "verify"])
    assert verified.exit_code == 0, verified.output

    # The index catches up with the database: every published result found, nothing else.
    with app.app_context():
        search_index.sync(app)
        state = search_index.status(app)
        assert state["pending"] == 0 and state["problem"] is None
        assert state["documents"] == len(published)
        found, _units, _notice = search_index.ranked_ids("result", TITLE_WORD)
        assert set(found) == published

    elapsed = time.monotonic() - started
    print(f"\nfaults: {stats['sent']} requests sent ({THREADS} threads), {len(in_flight)} workers killed "
          f"with {in_flight} requests in flight, {stats['broken']} connections broken, {stats['retries']} retries "
          f"({stats['stored']} found already stored), "
          f"{len(acked)} acknowledged writes, {rows_checked} rows checked, lost {lost}, {elapsed:.1f} s")
