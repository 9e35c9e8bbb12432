#!/usr/bin/env bash
# Make sure a Redis server answers on 127.0.0.1:6379 (the job queue tests use it).
# Uses the one that answers; otherwise installs Debian's redis-server with apt-get (root only, e.g. CI)
# and starts one that keeps nothing on disk.
set -euo pipefail

HOST=127.0.0.1
PORT=6379

log() { echo "[redis] $*"; }
die() { echo "[redis] 错误 / error: $*" >&2; exit 1; }
answers() {
    # PING in the protocol, with bash's own /dev/tcp (no client needed): +PONG back.
    { exec 3<>"/dev/tcp/$HOST/$PORT"; } 2>/dev/null || return 1
    printf 'PING\r\n' >&3
    local reply=""
    read -r -t 2 reply <&3 || true
    exec 3>&- 3<&-
    [[ "$reply" == +PONG* ]]
}

if answers; then
    log "Redis answers on $HOST:$PORT"
    exit 0
fi
if ! command -v redis-server >/dev/null 2>&1; then
    [ "$(id -u)" -eq 0 ] || die "Redis is not installed; run as root or install the 'redis-server' package"
    log "installing the redis-server package (apt-get)…"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq redis-server >/dev/null
fi
log "starting redis-server on $HOST:$PORT (nothing kept on disk)…"
redis-server --daemonize yes --bind "$HOST" --port "$PORT" --save "" --appendonly no \
    --dir /tmp --logfile /tmp/market-test-redis.log
for _ in $(seq 1 40); do
    answers && { log "ready"; exit 0; }
    sleep 0.25
done
die "Redis did not start on $HOST:$PORT (see /tmp/market-test-redis.log)"
