#!/usr/bin/env bash
# Make sure a PostgreSQL server answers on 127.0.0.1:5432 with trust auth for the
# "postgres" user, and that the test database exists.
# Installs and starts PostgreSQL with apt-get when needed (root only, e.g. CI).
# Usage: scripts/ensure_postgres.sh [DBNAME]   (default: market_test)
set -euo pipefail

DB_NAME="${1:-market_test}"
PGHOST=127.0.0.1
PGPORT=5432
export PGCONNECT_TIMEOUT=5

log() { echo "[postgres] $*"; }
die() { echo "[postgres] 错误 / error: $*" >&2; exit 1; }
is_root() { [ "$(id -u)" -eq 0 ]; }
answers() { pg_isready -q -h "$PGHOST" -p "$PGPORT" 2>/dev/null; }
can_connect() { psql -w -h "$PGHOST" -p "$PGPORT" -U postgres -d postgres -tAc "SELECT 1" >/dev/null 2>&1; }

wait_until_ready() {
    for _ in $(seq 1 60); do
        answers && return 0
        sleep 0.5
    done
    die "PostgreSQL did not start on $PGHOST:$PGPORT within 30 s"
}

install_postgres() {
    is_root || die "PostgreSQL is not installed; run as root or install the 'postgresql' package"
    log "installing the postgresql package (apt-get)…"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq postgresql postgresql-client >/dev/null
}

latest_version() { ls /usr/lib/postgresql 2>/dev/null | sort -V | tail -n 1; }

# Allow password-less connections from 127.0.0.1 (test machines and CI only).
trust_localhost() {
    local hba="$1" reload_cmd="$2"
    if ! grep -Eq '^host[[:space:]]+all[[:space:]]+all[[:space:]]+127\.0\.0\.1/32[[:space:]]+trust' "$hba"; then
        log "enabling trust authentication for 127.0.0.1 in $hba"
        sed -i '1i host all all 127.0.0.1/32 trust' "$hba"
        eval "$reload_cmd"
        sleep 1
    fi
}

start_debian_cluster() {
    local version="$1"
    if ! pg_lsclusters -h 2>/dev/null | awk '{print $1" "$2}' | grep -qx "$version main"; then
        log "creating cluster $version/main"
        pg_createcluster "$version" main -p "$PGPORT" >/dev/null
    fi
    trust_localhost "/etc/postgresql/$version/main/pg_hba.conf" "true"
    log "starting cluster $version/main"
    pg_ctlcluster "$version" main start || true
}

start_plain_cluster() {
    # No Debian wrappers: initdb + pg_ctl as the postgres user in a private data dir.
    local bin="$1" data=/var/lib/postgresql/market-test
    id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --create-home postgres
    mkdir -p "$data" && chown -R postgres: "$(dirname "$data")"
    if [ ! -s "$data/PG_VERSION" ]; then
        log "initdb in $data"
        su postgres -s /bin/sh -c "'$bin/initdb' -D '$data' -U postgres --auth=trust -E UTF8 >/dev/null"
    fi
    su postgres -s /bin/sh -c "'$bin/pg_ctl' -D '$data' -l '$data/server.log' -w \
        -o '-c listen_addresses=$PGHOST -p $PGPORT' start >/dev/null"
}

if ! answers; then
    command -v pg_isready >/dev/null && [ -n "$(latest_version)" ] || install_postgres
    is_root || die "PostgreSQL is installed but not running; start it (as root: pg_ctlcluster <version> main start)"
    version="$(latest_version)"
    [ -n "$version" ] || die "no PostgreSQL server binaries under /usr/lib/postgresql"
    if command -v pg_ctlcluster >/dev/null; then
        start_debian_cluster "$version"
    else
        start_plain_cluster "/usr/lib/postgresql/$version/bin"
    fi
    wait_until_ready
fi

if ! can_connect; then
    # Running, but the postgres user needs a password from 127.0.0.1.
    if is_root && command -v pg_lsclusters >/dev/null && [ -n "$(latest_version)" ]; then
        version="$(latest_version)"
        trust_localhost "/etc/postgresql/$version/main/pg_hba.conf" "pg_ctlcluster $version main reload"
    fi
    can_connect || die "cannot connect as postgres@$PGHOST:$PGPORT without a password (need trust auth for 127.0.0.1)"
fi

exists="$(psql -w -h "$PGHOST" -p "$PGPORT" -U postgres -d postgres -tAc \
    "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'")"
if [ "$exists" != "1" ]; then
    log "creating database $DB_NAME"
    createdb -w -h "$PGHOST" -p "$PGPORT" -U postgres -E UTF8 -T template0 "$DB_NAME"
fi
log "ready: postgresql://postgres@$PGHOST:$PGPORT/$DB_NAME"
