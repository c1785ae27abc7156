#!/usr/bin/env bash
# Builds the interop reference peers:
#   interop/go-peer/go-peer        (go build, module pinned by go.mod/go.sum)
#   interop/js-peer/node_modules   (npm ci, pinned by package-lock.json)
# Idempotent; prints one summary line; exits non-zero on failure.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
log="$(mktemp "${TMPDIR:-/tmp}/interop-build.XXXXXX")"
trap 'rm -f "$log"' EXIT
start=$(date +%s)

fail() {
  echo "interop build: FAIL ($1)" >&2
  tail -n 40 "$log" >&2 || true
  exit 1
}

command -v go >/dev/null 2>&1 || [ -x /usr/local/go/bin/go ] || fail "go not found"
GO="$(command -v go || echo /usr/local/go/bin/go)"
command -v npm >/dev/null 2>&1 || fail "npm not found"

# Go: read-only module graph (go.sum must already be complete), default proxy;
# no VCS stamping (the peer sets its own agent version).
# -p 2 keeps the build modest on small shared machines.
(
  cd "$here/go-peer"
  GOFLAGS="-mod=readonly -buildvcs=false" "$GO" build -p 2 -trimpath -o go-peer .
) >"$log" 2>&1 || fail "go build"
gov="$(cd "$here/go-peer" && GOFLAGS=-mod=readonly "$GO" list -m -f '{{.Version}}' github.com/libp2p/go-libp2p 2>/dev/null || echo '?')"

# JS: clean install from the lockfile (npm ci fails if package.json and
# package-lock.json disagree). The EBADENGINE warning for p-retry (wants
# Node >= 22) is expected on Node 20; see js-peer/compat.js and README.md.
(
  cd "$here/js-peer"
  npm ci --no-audit --no-fund --loglevel=error
  node --check peer.js
) >>"$log" 2>&1 || fail "npm ci"
jsv="$(cd "$here/js-peer" && node -p "require('./node_modules/libp2p/package.json').version" 2>/dev/null || echo '?')"

echo "interop build: OK go-peer (go-libp2p $gov) js-peer (libp2p $jsv, node $(node --version)) in $(( $(date +%s) - start ))s"
