"""The load test's figures and checks: response times per kind, writes against the database, the server log.

Reads what bench/load_locustfile.py wrote (requests.json, writes.jsonl) and the
database and index directly, with the same URL the server used.
"""
import json
import os
import re

from sqlalchemy import create_engine, select

from bench.load_support import check_writes, percentile, scan_server_log

# Table order; anything else the locustfile names comes after, the baseline last.
KIND_ORDER = ("browse", "search", "stats", "create listing", "file contract", "approve listing", "write pages", "login")
BASELINE = "healthz"


def count_lines(path: str) -> int:
    try:
        with open(path, encoding="utf-8") as handle:
            return sum(1 for _ in handle)
    except OSError:
        return 0


def print_requests(path: str) -> tuple[int, int]:
    """The per-kind table; returns (5xx answers, failed requests)."""
    with open(path, encoding="utf-8") as handle:
        data = json.load(handle)
    seconds = max(1e-9, data["stop"] - data["start"])
    kinds = data["kinds"]
    order = [k for k in KIND_ORDER if k in kinds] + sorted(k for k in kinds if k not in KIND_ORDER + (BASELINE,))
    order += [BASELINE] if BASELINE in kinds else []
    print(f"\n{'kind':<16}{'requests':>9}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}"
          f"{'failures':>10}{'5xx':>6}")
    total = fivexx = failures = 0
    for name in order:
        entry = kinds[name]
        times = entry["times"]
        if name == BASELINE:
            print("-" * 86)
        print(f"{name:<16}{len(times):>9}{len(times) / seconds:>9.1f}{percentile(times, 50):>9.0f}"
              f"{percentile(times, 95):>9.0f}{percentile(times, 99):>9.0f}{max(times):>9.0f}"
              f"{entry['failures']:>10}{entry['5xx']:>6}")
        total, fivexx, failures = total + len(times), fivexx + entry["5xx"], failures + entry["failures"]
    print("-" * 86)
    print(f"{'total':<16}{total:>9}{total / seconds:>9.1f}{'':>36}{failures:>10}{fivexx:>6}")
    print(f"(over {seconds:.1f} s)")
    for name in order:
        for error in kinds[name]["errors"]:
            print(f"  {name}: {error}")
    return fivexx, failures


def read_writes(path: str) -> list[dict]:
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def engine_url(url: str) -> str:
    """The app's URL rule: postgresql:// means psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def stored_rows(database_url: str, run_id: str) -> tuple[dict, dict]:
    """Rows of this run straight from the database: {kind: {marker: [ids]}} and {(kind, id): status}."""
    from models import Contract, TechNeed, TechResult

    pattern = re.compile(rf"LT{run_id}U\d+N\d+")
    markers, statuses = {}, {}
    engine = create_engine(engine_url(database_url))
    try:
        with engine.connect() as connection:
            for kind, model in (("result", TechResult), ("need", TechNeed), ("contract", Contract)):
                rows = connection.execute(select(model.id, model.title, model.status)
                                          .where(model.title.like(f"%LT{run_id}U%"))).all()
                found = markers.setdefault(kind, {})
                for row in rows:
                    match = pattern.search(row.title)
                    if match:
                        found.setdefault(match.group(0), []).append(row.id)
                    statuses[(kind, row.id)] = row.status
    finally:
        engine.dispose()
    return markers, statuses


def missing_from_index(index_dir: str, listings: list[tuple[str, int]]) -> int:
    """Published listings without a document in the search index."""
    from whoosh import index

    if not listings:
        return 0
    with index.open_dir(index_dir).searcher() as searcher:
        return sum(1 for kind, listing_id in listings if searcher.document_number(key=f"{kind}:{listing_id}") is None)


def print_resubmissions(writes: list[dict]) -> None:
    """How many contract forms went twice, and how many double clicks really overlapped at the server."""
    pairs = {}
    for w in writes:
        if w["kind"] == "contract" and w["mode"] in ("double", "retry"):
            pairs.setdefault((w["mode"], w["marker"]), []).append(w)
    double = [posts for (mode, _marker), posts in pairs.items() if mode == "double"]
    overlapped = sum(1 for posts in double if len(posts) == 2
                     and max(w["sent_at"] for w in posts) < min(w["answered_at"] for w in posts))
    print(f"contract forms sent twice: {len(double)} at once (double click; {overlapped} of them in flight together), "
          f"{len(pairs) - len(double)} after the answer (retry)")


def check_database(writes: list[dict], database_url: str, run_id: str, index_dir: str) -> int:
    """Print the write checks; returns the number of problems (lost, duplicated, split, unindexed)."""
    from models import ListingStatus

    markers, statuses = stored_rows(database_url, run_id)
    print(f"\n{'write':<12}{'sent':>7}{'acked':>7}{'in DB':>7}{'lost':>6}{'dup':>5}{'resent':>8}{'split':>7}")
    problems = 0
    for kind in ("result", "need", "contract"):
        check = check_writes([w for w in writes if w["kind"] == kind], markers.get(kind, {}))
        rows = sum(len(ids) for ids in markers.get(kind, {}).values())
        print(f"{kind:<12}{check.sent:>7}{check.acked:>7}{rows:>7}{check.lost:>6}{check.duplicated:>5}"
              f"{check.resubmits:>8}{check.split:>7}")
        problems += check.lost + check.duplicated + check.split
    approvals = [w for w in writes if w["kind"] == "approve" and w["acked"]]
    approved = [(w["listing_kind"], w["id"]) for w in approvals]
    not_published = sum(1 for key in approved if statuses.get(key) != ListingStatus.PUBLISHED)
    sent = sum(1 for w in writes if w["kind"] == "approve")
    print(f"{'approval':<12}{sent:>7}{len(approvals):>7}{len(approved) - not_published:>7}{not_published:>6}")
    unindexed = missing_from_index(index_dir, [key for key in approved if statuses.get(key) == ListingStatus.PUBLISHED])
    print(f"approved listings missing from the search index: {unindexed}")
    print_resubmissions(writes)
    if not any(w["acked"] for w in writes):
        print("no write was acknowledged: the run did not test writing")
        problems += 1
    return problems + not_published + unindexed


def check_log(server_log: str) -> int:
    """Print what the server log holds that must not be there; returns how many such lines."""
    with open(server_log, encoding="utf-8", errors="replace") as handle:
        counts = scan_server_log(handle.read())
    print("\nserver log: " + ", ".join(f"{name} {count}" for name, count in counts.items()))
    return sum(counts.values())


def report(workdir: str, database_url: str, run_id: str, index_dir: str, server_log: str) -> int:
    """Everything after the run; returns the number of problems (0 for a clean run)."""
    # A failed request (refused form, missing redirect, time-out) is a problem too, not only a 5xx.
    fivexx, failures = print_requests(os.path.join(workdir, "requests.json"))
    problems = fivexx + failures
    problems += check_database(read_writes(os.path.join(workdir, "writes.jsonl")), database_url, run_id, index_dir)
    problems += check_log(server_log)
    print("\nRESULT: " + ("PASS (0 failures, 0 5xx, 0 lost, 0 duplicated, no lock errors)" if not problems
                          else f"FAIL ({problems} problems above)"))
    return problems
