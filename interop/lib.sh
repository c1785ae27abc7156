# Shared helpers for interop/selftest.sh and interop/mdns-netns-test.sh.
# Source it after setting GO_PEER and JS_PEER. Every wait is bounded.
# shellcheck shell=bash

WAIT=${SELFTEST_WAIT:-20} # seconds allowed for each expected line
work="$(mktemp -d "${TMPDIR:-/tmp}/interop-selftest.XXXXXX")"
pids=()
fds=()
failed=0
passed=0

cleanup() {
  trap - EXIT
  for fd in "${fds[@]}"; do eval "exec ${fd}>&-" 2>/dev/null; done
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null
  done
  if [ "${KEEP:-0}" = 1 ]; then echo "logs kept in $work"; else rm -rf "$work"; fi
  if declare -F cleanup_hook >/dev/null; then cleanup_hook; fi
}

# start NAME CMD... : runs a peer with stdin from a FIFO held open by this
# shell; sets ${NAME}_pid, ${NAME}_in (fd), ${NAME}_out, ${NAME}_err.
start() {
  local name=$1; shift
  local fifo="$work/$name.in" fd
  mkfifo "$fifo"
  exec {fd}<>"$fifo"
  "$@" <"$fifo" >"$work/$name.out" 2>"$work/$name.err" &
  local pid=$!
  pids+=("$pid"); fds+=("$fd")
  printf -v "${name}_pid" '%s' "$pid"
  printf -v "${name}_in" '%s' "$fd"
  printf -v "${name}_out" '%s' "$work/$name.out"
  printf -v "${name}_err" '%s' "$work/$name.err"
}

# say NAME TEXT : write a line to the peer's stdin.
say() { local v="${1}_in"; printf '%s\n' "$2" >&"${!v}"; }

# expect NAME REGEX [SECONDS] : wait until a stdout line matches (grep -E).
expect() {
  local v="${1}_out" limit=$(( ${3:-$WAIT} * 10 ))
  for _ in $(seq "$limit"); do
    grep -Eq -- "$2" "${!v}" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "    $1: no line matching /$2/ within ${3:-$WAIT}s" >&2
  return 1
}

# logged NAME REGEX : the peer's stderr log has a matching line (no wait).
logged() {
  local v="${1}_err"
  grep -Eq -- "$2" "${!v}" || { echo "    $1: stderr has no line matching /$2/" >&2; return 1; }
}

# field NAME PREFIX : first field after PREFIX on the first matching line.
field() { local v="${1}_out"; awk -v p="$2" '$1 == p { print $2; exit }' "${!v}"; }

# stop NAME : SIGTERM and require exit status 0 within 10 s.
stop() {
  local v="${1}_pid" pid rc
  pid=${!v}
  kill -TERM "$pid" 2>/dev/null || return 1
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then
    echo "    $1: did not exit on SIGTERM" >&2; kill -KILL "$pid"; return 1
  fi
  wait "$pid"; rc=$?
  [ "$rc" = 0 ] || { echo "    $1: exit status $rc after SIGTERM" >&2; return 1; }
}

impl() { if [ "$1" = go ]; then echo "$GO_PEER"; else echo "${JS_PEER[*]}"; fi; }

run() {
  local name=$1; shift
  local t0=$SECONDS
  if "$@"; then
    echo "PASS $name ($((SECONDS - t0))s)"; passed=$((passed + 1))
  else
    echo "FAIL $name ($((SECONDS - t0))s)"; failed=$((failed + 1))
  fi
}
