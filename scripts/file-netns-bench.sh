#!/usr/bin/env bash
# Issue 17's benchmark between two network namespaces: one file (1 GiB unless told) sent with /send from a LAN Chat
# node in one namespace to a node in another (--accept-from-room), over a veth pair, for each transport, against the
# transport's own single-stream throughput over the same link (lanchat-bench's BenchPeer: echo server in one
# namespace, `-bench throughput` of as many bytes from the other: the issue's goal is the file at >= 80 % of it), and
# a raw TCP copy of the same file (python3: sendfile() into a socket, the receiver counts and drops the bytes: the
# link's ceiling), and the disk alone (the same bytes written to a new file as a download writes them, then fsync: the
# receiver's other ceiling), in one run. Both the stream row and the nodes run with JAVA_OPTS (the launcher's flags),
# and each warms up with a quarter of the bytes first (the stream row's warm-up, a smaller file sent before the
# measured one), so that both are measured on warm JVMs. Real processes with the launcher's JVM flags, real sockets, SHA-256
# checked at the end like /send does; scp/rsync would need an sshd, which this machine does not have (said so).
#
# Usage (root, after `mvn -DskipTests package`, which also builds lanchat-bench): scripts/file-netns-bench.sh [MiB] [TRANSPORT...]
#   MiB: file size (default 1024); TRANSPORT: libp2p and/or netty (default both).
#   PIN=1: each side on a core of its own (taskset: the sending side on core 0, the receiving side on core 1), as two
#   machines would be; unpinned, both share every core and each side's threads also run on the other's core.
# Prints one line per row. Everything created (two namespaces, their veth pair, processes, the temp directory) is
# removed on exit; no packet leaves the namespaces; every wait is bounded.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

MIB=${1:-1024}
shift || true
TRANSPORTS=("$@")
[ ${#TRANSPORTS[@]} -gt 0 ] || TRANSPORTS=(libp2p netty)
JAVA=${JAVA:-java}
JAVA_OPTS=${JAVA_OPTS:--XX:+UseSerialGC -Xms8m -Xmx128m} # the ./lanchat launcher's flags
MODS=${LANCHAT_MODS:-mods}
WAIT=${WAIT:-60}
TRANSFER_WAIT=${TRANSFER_WAIT:-900}
NET=10.77.41
TX=() RX=()
if [ "${PIN:-0}" = 1 ]; then TX=(taskset -c 0) RX=(taskset -c 1); fi
[ "$(id -u)" = 0 ] || { echo "file-netns-bench: needs root (network namespaces)"; exit 2; }
for t in ip python3 sha256sum "$JAVA"; do command -v "$t" >/dev/null || { echo "file-netns-bench: needs $t"; exit 2; }; done
[ -d "$MODS" ] || { echo "file-netns-bench: no $MODS/ (run: mvn -B -ntp -DskipTests package)"; exit 2; }
BENCH_CP=$(ls lanchat-bench/target/lanchat-bench-*.jar 2>/dev/null | grep -v -e '-sources' -e '-tests' | head -n1)
[ -n "$BENCH_CP" ] && [ -d lanchat-bench/target/lib ] || { echo "file-netns-bench: lanchat-bench is not built (mvn -B -ntp -DskipTests package)"; exit 2; }
BENCH_CP="$BENCH_CP:lanchat-bench/target/lib/*"

NS1="lcfb$$a" NS2="lcfb$$b"
work=$(mktemp -d "${TMPDIR:-/tmp}/lanchat-file-netns.XXXXXX")
pids=()

cleanup() {
  # the nodes (a pipeline's $! is its last command) and anything else started inside our two namespaces
  for p in "${pids[@]}" $(ip netns pids "$NS1" 2>/dev/null) $(ip netns pids "$NS2" 2>/dev/null); do kill "$p" 2>/dev/null; done
  sleep 0.5
  for p in "${pids[@]}" $(ip netns pids "$NS1" 2>/dev/null) $(ip netns pids "$NS2" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
  ip netns del "$NS1" 2>/dev/null
  ip netns del "$NS2" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fail() {
  echo "file-netns-bench: FAIL: $*"
  for f in "$work"/*.out "$work"/*.err; do [ -s "$f" ] && { echo "--- $f"; tail -n 15 "$f"; }; done
  exit 1
}

# wait_for SECONDS CMD...: until CMD succeeds
wait_for() {
  local deadline=$((SECONDS + $1)); shift
  until "$@"; do [ $SECONDS -lt $deadline ] || return 1; sleep 0.1; done
}

# stamp: each line of stdin prefixed with the wall clock in microseconds when it was read
stamp() {
  while IFS= read -r l; do printf '%s %s\n' "${EPOCHREALTIME/./}" "$l"; done
}

# first_stamp FILE REGEX: the stamp of the first line matching REGEX
first_stamp() { grep -m1 -E "$2" "$1" | cut -d' ' -f1; }

# ---- the link: one veth pair between two namespaces ---------------------------------------------------------
ip netns add "$NS1" || fail "ip netns add"
ip netns add "$NS2" || fail "ip netns add"
ip -n "$NS1" link add eth0 type veth peer name eth0 netns "$NS2" || fail "veth"
for i in 1 2; do
  ns=$([ $i = 1 ] && echo "$NS1" || echo "$NS2")
  ip -n "$ns" addr add "$NET.$i/24" dev eth0 || fail "address $i"
  ip -n "$ns" link set eth0 up || fail "eth0 $i up"
  ip -n "$ns" link set lo up || fail "lo $i up"
done

src="$work/file.bin"
head -c "$((MIB << 20))" /dev/urandom >"$src" || fail "writing the test file"
want=$(sha256sum "$src" | cut -d' ' -f1)
warm="$work/warm.bin"
head -c "$((MIB << 18))" "$src" >"$warm" || fail "writing the warm-up file"
bytes=$((MIB << 20))
mbps() { python3 -c "import sys; print('%.0f' % ($bytes / ($2 - $1) if $2 > $1 else 0))"; } # bytes/µs = MB/s

echo "file-netns-bench: $MIB MiB between two network namespaces (veth, $NET.0/24), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"

# ---- raw TCP over the same link -------------------------------------------------------------------------------
ip netns exec "$NS2" "${RX[@]}" python3 -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 9100)); s.listen(1); s.settimeout(60)
c, _ = s.accept(); c.settimeout(600)
buf = bytearray(1 << 20); n = 0; t0 = None
while True:
    k = c.recv_into(buf)
    if t0 is None: t0 = time.monotonic()
    if k == 0: break
    n += k
print(n, int((time.monotonic() - t0) * 1e6))
' "$NET.2" >"$work/raw.out" 2>"$work/raw.err" &
pids+=($!)
rawpid=$!
wait_for "$WAIT" ip netns exec "$NS2" sh -c "ss -ltn | grep -q ':9100 '" || fail "raw TCP receiver did not listen"
ip netns exec "$NS1" "${TX[@]}" python3 -c '
import socket, sys
c = socket.create_connection((sys.argv[1], 9100), timeout=60)
with open(sys.argv[2], "rb") as f: c.sendfile(f)
c.close()
' "$NET.2" "$src" 2>"$work/rawsend.err" || fail "raw TCP send"
wait "$rawpid" 2>/dev/null
read -r got us <"$work/raw.out" || fail "raw TCP receiver said nothing"
[ "$got" = "$bytes" ] || fail "raw TCP receiver counted $got bytes, expected $bytes"
echo "raw TCP (python3 sendfile into a socket, the receiver drops the bytes): $(mbps 0 "$us") MB/s"

# ---- the disk alone: what a download's writes cost here, without any network ------------------------------------
disk_mbps() {
  python3 -c '
import os, sys, time
path, size = sys.argv[1], int(sys.argv[2])
buf = os.urandom(64 << 10)
fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
t0 = time.monotonic(); pos = 0
while pos < size:
    pos += os.pwrite(fd, buf[:min(len(buf), size - pos)], pos)
os.fsync(fd); os.close(fd); os.unlink(path)
print("%.0f" % (size / (time.monotonic() - t0) / 1e6))
' "$work/disk.bin" "$bytes"
}

# ---- LAN Chat: /send from a node in one namespace to a node in the other --------------------------------------
for t in "${TRANSPORTS[@]}"; do
  # the transport's own single stream over the same link, as many bytes as the file (a quarter first, to warm up)
  # shellcheck disable=SC2086 # JAVA_OPTS is a list of flags
  ip netns exec "$NS2" "${RX[@]}" "$JAVA" $JAVA_OPTS -cp "$BENCH_CP" lanchat.bench.BenchPeer -transport "$t" -bench echo -listen "/ip4/$NET.2/tcp/0" \
    -timeout "$TRANSFER_WAIT" >"$work/echo-$t.out" 2>"$work/echo-$t.err" &
  pids+=($!)
  echopid=$!
  wait_for "$WAIT" grep -qs "^PEERID " "$work/echo-$t.out" || fail "$t echo peer did not start"
  echo_addr=$(grep -m1 "^LISTEN /ip4/$NET.2/" "$work/echo-$t.out" | cut -d' ' -f2)
  # shellcheck disable=SC2086
  ip netns exec "$NS1" "${TX[@]}" "$JAVA" $JAVA_OPTS -cp "$BENCH_CP" lanchat.bench.BenchPeer -transport "$t" -bench throughput -dial "$echo_addr" \
    -bytes "$bytes" -warmup-bytes "$((bytes / 4))" -timeout "$TRANSFER_WAIT" >"$work/tput-$t.out" 2>"$work/tput-$t.err" \
    || fail "$t throughput client"
  channel=$(grep -o 'mb_s=[0-9.]*' "$work/tput-$t.out" | cut -d= -f2)
  [ -n "$channel" ] || fail "$t throughput: $(cat "$work/tput-$t.out")"
  kill "$echopid" 2>/dev/null
  echo "LAN Chat --transport $t, its own single stream (BenchPeer throughput, chat-stream writes, nothing read, hashed or written): $channel MB/s"

  dl="$work/downloads-$t"
  mkdir -p "$dl"
  mkfifo "$work/rx-$t.in" "$work/tx-$t.in"
  # shellcheck disable=SC2086 # JAVA_OPTS is a list of flags
  ip netns exec "$NS2" "${RX[@]}" "$JAVA" $JAVA_OPTS -p "$MODS" -m lanchat.app --transport "$t" --host "$NET.2" -port 4001 --nick rx \
    --no-history --downloads "$dl" --accept-from-room <"$work/rx-$t.in" 2>"$work/rx-$t.err" | stamp >"$work/rx-$t.out" &
  pids+=($!)
  exec {rxfd}>"$work/rx-$t.in" # hold the fifo open: the node reads typed lines from it
  wait_for "$WAIT" grep -qs "Listening on /ip4/$NET.2/" "$work/rx-$t.out" || fail "$t receiver did not start"
  addr=$(grep -o "Listening on /ip4/$NET.2/tcp/4001/p2p/[A-Za-z0-9]*" "$work/rx-$t.out" | head -n1 | cut -d' ' -f3)
  # shellcheck disable=SC2086
  ip netns exec "$NS1" "${TX[@]}" "$JAVA" $JAVA_OPTS -p "$MODS" -m lanchat.app --transport "$t" --host "$NET.1" -port 4001 --nick tx \
    --no-history --peer "$addr" <"$work/tx-$t.in" 2>"$work/tx-$t.err" | stamp >"$work/tx-$t.out" &
  pids+=($!)
  exec {txfd}>"$work/tx-$t.in"
  wait_for "$WAIT" grep -qs "connected to" "$work/tx-$t.out" || fail "$t sender did not connect"
  wait_for "$WAIT" grep -qs "connected to" "$work/rx-$t.out" || fail "$t receiver did not see the sender"

  # warm-up: a quarter of the bytes, as the stream row had
  echo "/send $warm" >&"$txfd"
  wait_for "$TRANSFER_WAIT" grep -qs "warm\.bin.*SHA-256 verified" "$work/rx-$t.out" || fail "$t: the warm-up file did not arrive verified"
  disk_before=$(disk_mbps)
  typed=${EPOCHREALTIME/./}
  echo "/send $src" >&"$txfd"
  wait_for "$TRANSFER_WAIT" grep -qs "file\.bin.*SHA-256 verified" "$work/rx-$t.out" || fail "$t: the file did not arrive verified"
  disk=$(( ($(disk_mbps) + disk_before) / 2 ))
  offered=$(first_stamp "$work/rx-$t.out" " offers file\.bin")
  done_at=$(first_stamp "$work/rx-$t.out" "file\.bin.*SHA-256 verified")
  [ -n "$offered" ] && [ -n "$done_at" ] || fail "$t: no offer or verified line"
  got=$(find "$dl" -type f -name 'file*.bin' | head -n1)
  [ -n "$got" ] && [ "$(sha256sum "$got" | cut -d' ' -f1)" = "$want" ] || fail "$t: the file landed with another hash"
  file=$(mbps "$offered" "$done_at")
  echo "LAN Chat --transport $t (/send, auto-accepted, hashed, written and verified): $file MB/s from the offer's arrival to 'SHA-256 verified' = $(python3 -c "print('%.2f' % ($file / $channel))")× its own single stream; $(mbps "$typed" "$done_at") MB/s from /send typed (includes the sender hashing the file before it offers it); the disk alone $disk MB/s (mean of a run just before and one just after), so $(python3 -c "print('%.2f' % ($file / min($channel, $disk)))")× the slower of the stream and the disk"

  echo "/quit" >&"$txfd"
  echo "/quit" >&"$rxfd"
  exec {txfd}>&- {rxfd}>&-
  sleep 1
  rm -rf "$dl"
done
