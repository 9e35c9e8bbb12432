#!/usr/bin/env bash
# Fetch axe-core (the accessibility rules the browser tests run in each page) from the npm registry once,
# check it against the pinned integrity, and keep it under .cache/ for later runs.
set -euo pipefail

VERSION=4.14.1
INTEGRITY="sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ=="
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
TARGET="$ROOT/.cache/axe-core-$VERSION/axe.min.js"
REGISTRY="${NPM_REGISTRY:-https://registry.npmjs.org}"
log() { echo "[axe-core] $*"; }

if [ -s "$TARGET" ]; then
    log "ready: $TARGET"
    exit 0
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
tarball="$work/axe-core-$VERSION.tgz"
log "downloading axe-core $VERSION…"
if ! curl -fsSL --retry 3 -o "$tarball" "$REGISTRY/axe-core/-/axe-core-$VERSION.tgz"; then
    echo "[axe-core] 错误 / error: cannot download axe-core $VERSION from $REGISTRY" >&2
    exit 1
fi
actual="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
if [ "$actual" != "$INTEGRITY" ]; then
    echo "[axe-core] 错误 / error: integrity mismatch ($actual)" >&2
    exit 1
fi
tar -xzf "$tarball" -C "$work" package/axe.min.js
mkdir -p "$(dirname "$TARGET")"
mv "$work/package/axe.min.js" "$TARGET"
log "ready: $TARGET"
