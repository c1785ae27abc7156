#!/usr/bin/env bash
# Every benchmark in one command; rewrites the generated part of BENCHMARKS.md.
#
#   bash scripts/bench.sh            quick: fewer round trips, 256 MiB transfers, short JMH (< 5 min of benchmarks)
#   bash scripts/bench.sh --full     10,000 round trips, 1 GiB transfers, longer JMH (about 12-20 min)
#
# Further flags go to lanchat.bench.BenchSuite: --skip-jmh, --skip-profile, --out FILE.
# Env: BENCH_SKIP_BUILD=1 uses what is built already.
#
# What it does:
#   1. builds the tree (mvn install: the bench module's class path and mods/ for the startup figures); if the
#      whole tree does not build (work in progress elsewhere), builds only lanchat-bench and what it needs
#   2. rebuilds interop/go-peer/go-peer when main.go is newer; runs interop/build.sh when js-peer has no node_modules
#      (peers that cannot be built are reported as "not measured")
#   3. runs lanchat.bench.BenchSuite: JMH codec benchmarks, the end-to-end matrix over 127.0.0.1 (LAN Chat libp2p and
#      netty, raw TCP, go-libp2p, js-libp2p), startup and RSS of nodes, a JFR profile; all bounded in time, every
#      process it starts is ended. Logs: lanchat-bench/target/bench-run/<time>/
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"
say() { echo "bench.sh: $*" >&2; }

mode=--quick
for a in "$@"; do [ "$a" = --full ] && mode=--full; done
limit=900; [ "$mode" = --full ] && limit=3600

if [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then
  MVN=(mvn -B -q -DskipTests install)
  say "building (mvn -DskipTests install)"
  if ! "${MVN[@]}" -o >/tmp/bench-build.$$.log 2>&1 && ! "${MVN[@]}" >>/tmp/bench-build.$$.log 2>&1; then
    say "the whole tree does not build right now; building lanchat-bench and its dependencies only (mods/ as it is)"
    tail -n 20 /tmp/bench-build.$$.log >&2 || true
    "${MVN[@]}" -pl lanchat-bench -am -o >/tmp/bench-build.$$.log 2>&1 || "${MVN[@]}" -pl lanchat-bench -am \
      || { tail -n 40 /tmp/bench-build.$$.log >&2; rm -f /tmp/bench-build.$$.log; exit 1; }
  fi
  rm -f /tmp/bench-build.$$.log

  GO_PEER=interop/go-peer/go-peer
  if command -v go >/dev/null 2>&1 && { [ ! -x "$GO_PEER" ] || [ interop/go-peer/main.go -nt "$GO_PEER" ]; }; then
    say "building $GO_PEER"
    (cd interop/go-peer && GOFLAGS="-mod=readonly -buildvcs=false" go build -p 2 -trimpath -o go-peer .) \
      || say "go-peer did not build: its figures will be missing"
  fi
  if command -v node >/dev/null 2>&1 && [ ! -d interop/js-peer/node_modules ]; then
    bash interop/build.sh || say "interop/build.sh failed: go/js figures may be missing"
  fi
fi

CP="lanchat-bench/target/lanchat-bench-0.1.0.jar:lanchat-bench/target/lib/*"
[ -f lanchat-bench/target/lanchat-bench-0.1.0.jar ] || { say "lanchat-bench is not built"; exit 1; }
# the suite bounds itself; this is the backstop (SIGTERM lets its shutdown hook end its children)
exec timeout -k 30 "$limit" java -cp "$CP" lanchat.bench.BenchSuite --repo "$REPO" "$mode" \
  $(for a in "$@"; do [ "$a" != --full ] && [ "$a" != --quick ] && printf '%s ' "$a"; done)
