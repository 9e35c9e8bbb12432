#!/usr/bin/env bash
# Make sure the system Chromium used by the browser tests exists (/usr/bin/chromium),
# plus CJK fonts so Chinese text renders in screenshots. Installs with apt-get as root.
set -euo pipefail

CHROMIUM=/usr/bin/chromium
log() { echo "[chromium] $*"; }

missing=()
[ -x "$CHROMIUM" ] || missing+=(chromium)
dpkg -s fonts-noto-cjk >/dev/null 2>&1 || missing+=(fonts-noto-cjk)

if [ "${#missing[@]}" -eq 0 ]; then
    log "ready: $CHROMIUM"
    exit 0
fi

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
    if [ -x "$CHROMIUM" ]; then
        log "fonts-noto-cjk is missing (Chinese text may render as boxes); continuing"
        exit 0
    fi
    if [ "${CI:-}" = "true" ]; then
        echo "[chromium] 错误 / error: $CHROMIUM is missing and cannot be installed (not root)" >&2
        exit 1
    fi
    log "$CHROMIUM is missing; install the 'chromium' package to run the browser tests (they will be skipped)"
    exit 0
fi

log "installing ${missing[*]} (apt-get)…"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
if ! apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; then
    # The fonts are a nicety; the browser is not.
    [ -x "$CHROMIUM" ] || apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi
[ -x "$CHROMIUM" ] || { echo "[chromium] 错误 / error: $CHROMIUM still missing" >&2; exit 1; }
log "ready: $CHROMIUM"
