#!/usr/bin/env bash
# Run the whole test suite on SQLite and on PostgreSQL.
# Usage: scripts/run_tests.sh POSTGRES_URL [pytest args…]
# Exits non-zero if either run fails; "no tests collected" (pytest exit 5) is a failure.
# The two runs share nothing (own database, own temporary directories), so with two or
# more CPUs they run side by side; TEST_PARALLEL=0 runs them one after the other.
# TEST_TIMEOUT (seconds, default 2400: well past a slow machine's run, well inside CI's 90 minutes) stops a run that hangs.
# TEST_WORKERS (default 2 with two or more CPUs, else 1) splits each run over that many pytest-xdist
# processes, a test file per process at a time: the four processes keep both cores busy until the end
# (three each were measured slower: 11 min 28 s against 9 min 24 s, the extra processes' start-up and
# contention outweighing the idle time they fill). On PostgreSQL each
# process has a database of its own (<name>_gw0, … made by tests/conftest.py).
set -uo pipefail

PG_URL="$1"
shift
PYTEST="${PYTEST:-.venv/bin/pytest}"
TEST_TIMEOUT="${TEST_TIMEOUT:-2400}"
if [ -z "${TEST_PARALLEL:-}" ]; then
    TEST_PARALLEL=$([ "$(nproc 2>/dev/null || echo 1)" -ge 2 ] && echo 1 || echo 0)
fi

describe() {
    case "$1" in
        0) echo "passed" ;;
        5) echo "FAILED: no tests were collected (pytest exit 5)" ;;
        124) echo "FAILED: still running after ${TEST_TIMEOUT} s, stopped" ;;
        *) echo "FAILED (pytest exit $1)" ;;
    esac
}

if [ -z "${TEST_WORKERS:-}" ]; then
    TEST_WORKERS=$([ "$(nproc 2>/dev/null || echo 1)" -ge 2 ] && echo 2 || echo 1)
fi
SPLIT=()
if [ "$TEST_WORKERS" -gt 1 ]; then
    SPLIT=(-n "$TEST_WORKERS" --dist loadfile)
fi

# The OpenAPI fuzzer (`fuzz`, tests/test_api_fuzz.py: a live server with demo data) runs once, on PostgreSQL,
# the production database; the SQLite run leaves it out.
sqlite_run() { env -u DATABASE_URL HOSTILE_EXAMPLES="${HOSTILE_EXAMPLES_SQLITE:-6}" timeout --foreground "$TEST_TIMEOUT" "$PYTEST" -q -p no:cacheprovider "${SPLIT[@]}" \
    -m "not fuzz and not postgres_run" "$@"; }
# On PostgreSQL: the `frontend` browser checks (CSP, local assets, layout, the journeys clicked through) are left to the SQLite run
# (but those marked `postgres_run`, such as the staff half of the axe sweep, run here instead, to balance the two runs), as are
# tests that use no database and those marked `dialect_free` (tests/conftest.py). The property tests of hostile
# input draw 6 examples per test on SQLite and 4 on PostgreSQL (their fixed lists of bad values are all sent on
# both); HOSTILE_EXAMPLES_SQLITE / HOSTILE_EXAMPLES_POSTGRES change that.
postgres_run() { env DATABASE_URL="$PG_URL" HOSTILE_EXAMPLES="${HOSTILE_EXAMPLES_POSTGRES:-4}" \
    timeout --foreground "$TEST_TIMEOUT" "$PYTEST" -q -p no:cacheprovider "${SPLIT[@]}" -m "not frontend or postgres_run" "$@"; }

# The project's own modules compiled once for the many processes of a run (test workers, gunicorn, spawned
# children, CLI subprocesses), which would otherwise each compile them anew when PYTHONDONTWRITEBYTECODE is set.
root="$(cd "$(dirname "$0")/.." && pwd)"
python="$(dirname "$(command -v "$PYTEST")")/python"
[ -x "$python" ] || python=python3
(cd "$root" && "$python" -m compileall -q -j 0 app.py marketplace models search_index tests bench >/dev/null) || true

# The job queue tests use this Redis (make test starts one when none answers); each test has a queue of its own.
export TEST_REDIS_URL="${TEST_REDIS_URL:-redis://127.0.0.1:6379/15}"

sqlite_code=0
postgres_code=0
if [ "$TEST_PARALLEL" = "1" ]; then
    logs="$(mktemp -d)"
    trap 'rm -rf "$logs"' EXIT
    echo "==> 测试 / tests on SQLite and PostgreSQL, side by side…"
    sqlite_run "$@" >"$logs/sqlite.log" 2>&1 &
    sqlite_pid=$!
    postgres_run "$@" >"$logs/postgres.log" 2>&1 &
    postgres_pid=$!
    wait "$sqlite_pid" || sqlite_code=$?
    wait "$postgres_pid" || postgres_code=$?
    echo "==> SQLite"
    cat "$logs/sqlite.log"
    echo "==> PostgreSQL ($PG_URL)"
    cat "$logs/postgres.log"
else
    echo "==> 测试 / tests on SQLite"
    sqlite_run "$@" || sqlite_code=$?
    echo "==> 测试 / tests on PostgreSQL ($PG_URL)"
    postgres_run "$@" || postgres_code=$?
fi

echo "==> SQLite: $(describe "$sqlite_code"); PostgreSQL: $(describe "$postgres_code")"
[ "$sqlite_code" -eq 0 ] && [ "$postgres_code" -eq 0 ]
