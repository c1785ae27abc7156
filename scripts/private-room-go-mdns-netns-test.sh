#!/usr/bin/env bash
# A go-libp2p peer finds a private room by mDNS (issue 15), inside network namespaces of our own: one LAN Chat node
# (libp2p transport) with a room key, and interop/go-peer with the same swarm key file and, as its mDNS rendezvous,
# the service name LAN Chat derives from the key and the room (the "mDNS name lc-…" of its start-up lines). Neither
# is given the other's address: they find each other by mDNS only, connect through the PSK v1 layer and chat both
# ways. Needs root, iproute2, java and the go peer. Usage: scripts/private-room-go-mdns-netns-test.sh MODS_DIR GO_PEER.
# Exit 0: passed. Everything created (namespaces, processes, the temp directory) is removed on exit; no packet
# leaves the namespaces.
set -uo pipefail

mods=${1:?usage: private-room-go-mdns-netns-test.sh MODS_DIR GO_PEER}
go_peer=${2:?usage: private-room-go-mdns-netns-test.sh MODS_DIR GO_PEER}
JAVA=${JAVA:-java}
WAIT=${WAIT:-90}
[ "$(id -u)" = 0 ] || { echo "private-room-go-mdns-netns-test: needs root (network namespaces)"; exit 2; }
for t in ip "$JAVA" "$go_peer"; do command -v "$t" >/dev/null || { echo "private-room-go-mdns-netns-test: needs $t"; exit 2; }; done

ROOM="gohush$$"
NET=10.77.16
BR="lcpg$$br"
work=$(mktemp -d "${TMPDIR:-/tmp}/lanchat-pnet-go-mdns.XXXXXX")
pids=()

cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  sleep 0.5
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
  for i in 1 2; do ip netns del "lcpg$$n$i" 2>/dev/null; done
  ip netns del "$BR" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fail() {
  echo "private-room-go-mdns-netns-test: FAIL: $*"
  echo "--- LAN Chat stdout"; cat "$work/out1" 2>/dev/null
  echo "--- LAN Chat stderr"; tail -n 20 "$work/err1" 2>/dev/null
  echo "--- go stdout"; cat "$work/out2" 2>/dev/null
  echo "--- go stderr"; tail -n 20 "$work/err2" 2>/dev/null
  exit 1
}

# wait_for SECONDS CMD...: until CMD succeeds
wait_for() {
  local deadline=$((SECONDS + $1)); shift
  until "$@"; do [ $SECONDS -lt $deadline ] || return 1; sleep 0.5; done
}

# ---- the LAN: a bridge in a namespace of its own, one namespace per node -------------------------------------
ip netns add "$BR" || fail "ip netns add"
ip -n "$BR" link add br0 type bridge || fail "bridge"
ip -n "$BR" link set br0 up || fail "bridge up"
for i in 1 2; do
  ns="lcpg$$n$i"
  ip netns add "$ns" || fail "ip netns add $ns"
  ip -n "$ns" link add eth0 type veth peer name "v$i" netns "$BR" || fail "veth $i"
  ip -n "$BR" link set "v$i" master br0 || fail "bridge port $i"
  ip -n "$BR" link set "v$i" up || fail "bridge port $i up"
  ip -n "$ns" addr add "$NET.$i/24" dev eth0 || fail "address $i"
  ip -n "$ns" link set eth0 up || fail "eth0 $i up"
  ip -n "$ns" link set lo up || fail "lo $i up"
  ip -n "$ns" route add 224.0.0.0/4 dev eth0 || fail "multicast route $i" # mDNS goes out of eth0 (no default route)
done

# ---- the key: written by LAN Chat, read by both ---------------------------------------------------------------
"$JAVA" -p "$mods" -m lanchat.app --gen-room-key "$work/swarm.key" >"$work/keygen" 2>&1 || fail "--gen-room-key: $(cat "$work/keygen")"

# ---- LAN Chat, then go with the service name LAN Chat printed -----------------------------------------------
for i in 1 2; do mkfifo "$work/in$i"; done
ip netns exec "lcpg$$n1" "$JAVA" -Xmx128m -p "$mods" -m lanchat.app --host "$NET.1" -port 4001 --rendezvous "$ROOM" \
  --room-key "$work/swarm.key" <"$work/in1" >"$work/out1" 2>"$work/err1" &
pids+=($!)
exec 21>"$work/in1" # hold the fifo open: the node reads typed lines from it
wait_for "$WAIT" grep -qs "^Listening on" "$work/out1" || fail "LAN Chat did not start"
lanchat_id=$(grep -o '^Listening on .*/p2p/[A-Za-z0-9]*' "$work/out1" | head -n1 | sed 's#.*/p2p/##')
service=$(grep -o 'mDNS name lc-[a-z2-7]*' "$work/out1" | head -n1 | cut -d' ' -f3)
[ -n "$lanchat_id" ] && [ -n "$service" ] || fail "LAN Chat did not print its peer id and mDNS name"

ip netns exec "lcpg$$n2" "$go_peer" -key ed25519 -listen "/ip4/$NET.2/tcp/4001" -psk "$work/swarm.key" \
  -rendezvous "$service" <"$work/in2" >"$work/out2" 2>"$work/err2" &
pids+=($!)
exec 22>"$work/in2"
wait_for "$WAIT" grep -qs "^PEERID " "$work/out2" || fail "the go peer did not start"
go_id=$(grep '^PEERID ' "$work/out2" | head -n1 | cut -d' ' -f2)

# ---- they find each other by mDNS and chat both ways ---------------------------------------------------------
wait_for "$WAIT" grep -q "connected to $go_id" "$work/out1" || fail "LAN Chat did not connect to the go peer $go_id"
wait_for "$WAIT" grep -q "^CONNECTED $lanchat_id" "$work/out2" || fail "the go peer did not open a chat stream with $lanchat_id"
echo "from lanchat $$" >&21
wait_for 30 grep -q "^RECV $lanchat_id from lanchat $$\$" "$work/out2" || fail "the go peer did not receive LAN Chat's line"
echo "from go $$" >&22
wait_for 30 grep -q ": from go $$\$" "$work/out1" || fail "LAN Chat did not receive the go peer's line"
grep -q "not in this private room" "$work/out1" "$work/err1" && fail "LAN Chat reported a key mismatch"
echo "private-room-go-mdns-netns-test: OK (go found LAN Chat's private room by its keyed mDNS name $service; both connected through PSK v1 and chatted both ways)"
