"""An independent fuzzer (Schemathesis) against the live API with demo data, as five identities.

Every phase (examples, coverage, fuzzing, stateful) and every check, a fixed seed and few examples per
operation; the coverage phase, whose size the schema sets, is sent once per operation, in the run of the
identity that reaches its validation (tests/live_fuzz.py). A run passes only with no failure, no error and no 5xx answer; a failing run's message is
Schemathesis' own report: each failing case with its curl line. `make test` runs this once, on PostgreSQL.
Only this test: pytest -m fuzz tests/test_api_fuzz.py
"""
import shutil

import pytest

from bench.load_test import stop_group
from tests.conftest import POSTGRES_URL
from tests.live_fuzz import IDENTITIES, MAX_EXAMPLES, SEED, FreshDatabase, run_fuzzers, start_site

pytestmark = [pytest.mark.fuzz, pytest.mark.database]


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory):
    """The five runs against one freshly seeded server, stopped and removed afterwards whatever happened."""
    folder = tmp_path_factory.mktemp("fuzz")
    database = FreshDatabase(POSTGRES_URL, folder)
    site = None
    try:
        database.create()
        site = start_site(database.url, folder)
        runs = run_fuzzers(site, folder)
        stop_group(site.server)  # every request answered: the log is complete
        yield site, runs
    finally:
        if site is not None:
            stop_group(site.server)
        database.drop()
        shutil.rmtree(folder, ignore_errors=True)


def replay_hint(identity: str, site) -> str:
    username = IDENTITIES[identity]
    who = f"with a token of {username} (flask --app app tokens create {username}) in place of [Filtered]" \
        if username else "without a token"
    return (f"Schemathesis as {identity}, --seed {SEED} --max-examples {MAX_EXAMPLES}, against {site.base_url} "
            f"(demo data, stopped since). To repeat a case: `make run`, then the curl line on port 5000 {who}.")


@pytest.mark.parametrize("identity", list(IDENTITIES))
def test_fuzzer_finds_nothing(fuzzed, identity):
    site, runs = fuzzed
    run = runs[identity]
    assert run.passed, f"{replay_hint(identity, site)}\n\n{run.report()}"


def test_server_answered_no_request_with_a_server_error(fuzzed):
    site, runs = fuzzed
    assert all(run.test_cases > 0 for run in runs.values()), {name: run.report() for name, run in runs.items()}
    errors = site.server_errors()
    assert not errors, "gunicorn's log (5xx answers and tracebacks):\n" + "\n".join(errors[:60])
