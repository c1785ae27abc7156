#!/usr/bin/env bash
# Every benchmark in one command; rewrites the generated part of BENCHMARKS.md.
#
#   bash scripts/bench.sh            quick: fewer round trips, 256 MiB transfers, short JMH (< 5 min of benchmarks)
#   bash scripts/bench.sh --full     10,000 round trips, 1 GiB transfers, longer JMH (about 12-20 min)
#
# Further flags go to lanchat.bench.BenchSuite: --skip-jmh, --skip-profile, --out FILE, --pairs CLIENT>SERVER,...
# (only those pairs of the end-to-end matrix), --startup-only (only node startup and memory); give either of the last
# two an --out other than BENCHMARKS.md.
# Env: BENCH_SKIP_BUILD=1 uses what is built already (you vouch that it is current).
#
# What it does:
#   1. builds the tree (mvn package: the bench module's class path and mods/ for the startup figures); when the
#      build fails, the script stops: it never measures what an earlier build left behind
#   2. rebuilds interop/go-peer/go-peer when one of its sources is newer; runs interop/build.sh when js-peer's
#      node_modules is missing or older than its lockfile (a peer whose toolchain is not installed is reported as
#      "not measured"; one that fails to build stops the script)
#   3. runs lanchat.bench.BenchSuite: JMH codec benchmarks, the end-to-end matrix over 127.0.0.1 (LAN Chat libp2p and
#      netty, raw TCP, go-libp2p, js-libp2p), startup and RSS of nodes, a JFR profile; all bounded in time, every
#      process it starts is ended. Logs: lanchat-bench/target/bench-run/<time>/
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"
say() { echo "bench.sh: $*" >&2; }
die() { say "$*"; exit 1; }

mode=--quick
suite_args=()
for a in "$@"; do
  case "$a" in
    --quick | --full) mode=$a ;;
    *) suite_args+=("$a") ;;
  esac
done
limit=900
if [ "$mode" = --full ]; then limit=3600; fi

# run_logged WHAT CMD...: runs CMD with its output in a log; on failure shows the end of the log and stops.
run_logged() {
  local what=$1 log rc=0
  shift
  log=$(mktemp "${TMPDIR:-/tmp}/bench-build.XXXXXX")
  "$@" >"$log" 2>&1 || rc=$?
  if [ "$rc" -ne 0 ]; then
    tail -n 40 "$log" >&2 || true
    rm -f "$log"
    die "$what failed (exit $rc): not benchmarking an old build"
  fi
  rm -f "$log"
}

# newer_than TARGET FILE...: true when TARGET is missing or one of the files is newer.
newer_than() {
  local target=$1 f
  shift
  [ -e "$target" ] || return 0
  for f in "$@"; do
    if [ "$f" -nt "$target" ]; then return 0; fi
  done
  return 1
}

# build_go_peer GO: as interop/build.sh builds it (module graph read-only, pinned by go.sum)
build_go_peer() (
  cd interop/go-peer
  GOFLAGS="-mod=readonly -buildvcs=false" exec "$1" build -p 2 -trimpath -o go-peer .
)

if [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then
  say "building (mvn -DskipTests package)"
  # copy-dependencies only adds: jars of an earlier dependency version (Netty 4.1 before 4.2) would stay on the
  # class path beside the new ones and fail at run time (NoSuchMethodError)
  rm -rf lanchat-bench/target/lib
  run_logged "the build (mvn -B -ntp -q -DskipTests package)" mvn -B -ntp -q -DskipTests package

  GO_PEER=interop/go-peer/go-peer
  GO=$(command -v go || true)
  if [ -z "$GO" ] && [ -x /usr/local/go/bin/go ]; then GO=/usr/local/go/bin/go; fi
  if newer_than "$GO_PEER" interop/go-peer/*.go interop/go-peer/go.mod interop/go-peer/go.sum; then
    if [ -n "$GO" ]; then
      say "building $GO_PEER"
      run_logged "go build of $GO_PEER" build_go_peer "$GO"
    elif [ -e "$GO_PEER" ]; then
      die "$GO_PEER is older than its sources and go is not installed: rebuild it elsewhere or delete it"
    fi
  fi
  if command -v node >/dev/null 2>&1 \
    && newer_than interop/js-peer/node_modules/.package-lock.json interop/js-peer/package-lock.json; then
    say "building the interop peers (interop/build.sh)"
    run_logged "interop/build.sh" bash interop/build.sh
  fi
fi

# The bench jar, whatever the project's version: the newest lanchat-bench-*.jar that is not a classifier jar.
jar=""
for j in lanchat-bench/target/lanchat-bench-*.jar; do
  case "$j" in *-sources.jar | *-javadoc.jar | *-tests.jar) continue ;; esac
  if [ -f "$j" ] && { [ -z "$jar" ] || [ "$j" -nt "$jar" ]; }; then jar=$j; fi
done
[ -n "$jar" ] || die "lanchat-bench is not built (no lanchat-bench/target/lanchat-bench-*.jar)"
[ -d lanchat-bench/target/lib ] || die "lanchat-bench/target/lib is missing (build with mvn package)"

# the suite bounds itself; this is the backstop (SIGTERM lets its shutdown hook end its children)
exec timeout -k 30 "$limit" java -cp "$jar:lanchat-bench/target/lib/*" lanchat.bench.BenchSuite --repo "$REPO" "$mode" "${suite_args[@]}"
