#!/usr/bin/env bash
# Private rooms on a LAN (issue 15), inside network namespaces of our own: five LAN Chat nodes (libp2p transport)
# on one bridge (10.77.15.0/24), all in the same room: three with the right passphrase, one with a wrong one, one
# with none. Exactly the three connect and chat; the other two stay alone and keep running. tcpdump records the
# bridge for the whole run (all traffic but the open node's own packets, which carry the room name by design) and
# the capture must not contain the room's name, the passphrase, a chat line, or the clear-text libp2p negotiation
# (/multistream/1.0.0): mDNS carries only the derived service name, and every TCP byte is XSalsa20 (PSK v1).
# Needs root, iproute2, tcpdump and java. Usage: scripts/private-room-netns-test.sh MODS_DIR. Exit 0: passed.
# Everything created (namespaces, processes, the temp directory) is removed on exit; no packet leaves the namespaces.
set -uo pipefail

mods=${1:?usage: private-room-netns-test.sh MODS_DIR}
JAVA=${JAVA:-java}
WAIT=${WAIT:-90}
[ "$(id -u)" = 0 ] || { echo "private-room-netns-test: needs root (network namespaces)"; exit 2; }
for t in ip tcpdump "$JAVA"; do command -v "$t" >/dev/null || { echo "private-room-netns-test: needs $t"; exit 2; }; done

ROOM="hushroom$$"
SECRET="correct horse battery staple $$"
WRONG="correct horse battery stable $$"
NET=10.77.15
BR="lcpr$$br"
work=$(mktemp -d "${TMPDIR:-/tmp}/lanchat-pnet-netns.XXXXXX")
pids=()

cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  sleep 0.5
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
  for i in 1 2 3 4 5; do ip netns del "lcpr$$n$i" 2>/dev/null; done
  ip netns del "$BR" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fail() {
  echo "private-room-netns-test: FAIL: $*"
  for i in 1 2 3 4 5; do echo "--- node $i stdout"; cat "$work/out$i" 2>/dev/null; echo "--- node $i stderr"; tail -n 20 "$work/err$i" 2>/dev/null; done
  exit 1
}

# wait_for SECONDS CMD...: until CMD succeeds
wait_for() {
  local deadline=$((SECONDS + $1)); shift
  until "$@"; do [ $SECONDS -lt $deadline ] || return 1; sleep 0.5; done
}

# ---- the LAN: a bridge in a namespace of its own, one namespace per node -------------------------------------
ip netns add "$BR" || fail "ip netns add"
ip -n "$BR" link add br0 type bridge && ip -n "$BR" link set br0 up && ip -n "$BR" link set lo up || fail "bridge"
for i in 1 2 3 4 5; do
  ns="lcpr$$n$i"
  ip netns add "$ns" || fail "ip netns add $ns"
  ip -n "$ns" link add eth0 type veth peer name "v$i" netns "$BR" || fail "veth $i"
  ip -n "$BR" link set "v$i" master br0 && ip -n "$BR" link set "v$i" up || fail "bridge port $i"
  ip -n "$ns" addr add "$NET.$i/24" dev eth0 && ip -n "$ns" link set eth0 up && ip -n "$ns" link set lo up || fail "address $i"
  ip -n "$ns" route add 224.0.0.0/4 dev eth0 || fail "multicast route $i" # mDNS goes out of eth0 (no default route)
done

# ---- the capture: everything on the bridge but the open node's own frames -----------------------------------
# by MAC, so the open node's IPv6 link-local mDNS is left out too
mac5=$(ip -n "lcpr$$n5" -o link show eth0 | grep -o 'link/ether [0-9a-f:]*' | cut -d' ' -f2)
[ -n "$mac5" ] || fail "no MAC for node 5"
ip netns exec "$BR" tcpdump -i br0 -U -s 0 -w "$work/cap.pcap" "not ether src $mac5" 2>"$work/tcpdump.err" &
pids+=($!)
wait_for 10 grep -q "listening on" "$work/tcpdump.err" || fail "tcpdump did not start: $(cat "$work/tcpdump.err")"

# ---- the nodes: 1-3 members, 4 a wrong passphrase, 5 no passphrase ------------------------------------------
printf '%s\n' "$SECRET" > "$work/secret"
printf '%s\n' "$WRONG" > "$work/wrong"
for i in 1 2 3 4 5; do
  case $i in 4) key=(--secret-file "$work/wrong") ;; 5) key=() ;; *) key=(--secret-file "$work/secret") ;; esac
  mkfifo "$work/in$i"
  ip netns exec "lcpr$$n$i" "$JAVA" -Xmx128m -p "$mods" -m lanchat.app --host "$NET.$i" -port 4001 --rendezvous "$ROOM" \
    "${key[@]}" <"$work/in$i" >"$work/out$i" 2>"$work/err$i" &
  pids+=($!)
  eval "exec $((20 + i))>\"\$work/in\$i\"" # hold the fifo open: the node reads typed lines from it
done
for i in 1 2 3 4 5; do
  wait_for "$WAIT" grep -q "^Listening on" "$work/out$i" || fail "node $i did not start"
done
members_connected() {
  local i
  for i in 1 2 3; do [ "$(grep -c '^✓ mDNS connected to' "$work/out$i")" -ge 2 ] || return 1; done
}
wait_for "$WAIT" members_connected || fail "the three members did not all connect"
for i in 1 2 3; do echo "member$i says the plan is $$" >&$((20 + i)); done
members_heard() {
  local i j
  for i in 1 2 3; do for j in 1 2 3; do
    [ "$i" = "$j" ] || grep -q ": member$j says the plan is $$\$" "$work/out$i" || return 1
  done; done
}
wait_for 30 members_heard || fail "the members did not all hear each other"
sleep 3 # time for anything that would wrongly connect the outsiders
for i in 4 5; do
  ! grep -q "connected to\|says the plan" "$work/out$i" || fail "outsider $i got in"
  kill -0 "${pids[$i]}" 2>/dev/null || fail "outsider $i stopped"
done
for i in 1 2 3; do [ "$(grep -c '^✓ mDNS connected to' "$work/out$i")" = 2 ] || fail "member $i connected to someone else too"; done
service=$(grep -o 'mDNS name lc-[a-z2-7]*' "$work/out1" | head -n1 | cut -d' ' -f3)
[ -n "$service" ] || fail "node 1 did not print its mDNS name"

# ---- stop, then read the capture ------------------------------------------------------------------------------
for i in 1 2 3 4 5; do kill "${pids[$i]}" 2>/dev/null; done
sleep 2
kill -INT "${pids[0]}" 2>/dev/null; sleep 1
mdns=$(tcpdump -r "$work/cap.pcap" -n 'udp port 5353' 2>/dev/null | wc -l)
tcp=$(tcpdump -r "$work/cap.pcap" -n 'tcp port 4001' 2>/dev/null | wc -l)
[ "$mdns" -gt 0 ] && [ "$tcp" -gt 0 ] || fail "the capture holds $mdns mDNS and $tcp TCP packets"
grep -qa "$service" "$work/cap.pcap" || fail "the capture does not show the derived mDNS name $service (is it the right capture?)"
for secret in "$ROOM" "$SECRET" "$WRONG" "says the plan" "/multistream/1.0.0" "/noise" "/yamux"; do
  ! grep -qa -- "$secret" "$work/cap.pcap" || fail "the capture contains '$secret'"
done
echo "private-room-netns-test: OK (3 members chatted, 2 outsiders alone and running; $mdns mDNS + $tcp TCP packets captured, no room name, secret, chat text or clear-text negotiation; mDNS name $service)"
