#!/usr/bin/env bash
# mDNS (-rendezvous) test of the reference peers inside two private network
# namespaces joined by a veth pair on 10.77.9.0/24. No multicast ever leaves
# the namespaces: neither veth end is in the host namespace, and mDNS is never
# enabled on a real interface. Needs root and iproute2; everything created is
# removed on exit. Not part of selftest.sh (which is loopback only).
# Cases: go<->go, js<->js, go<->js discover each other, connect, chat.
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
GO_PEER="$here/go-peer/go-peer"
JS_PEER=(node "$here/js-peer/peer.js")

[ "$(id -u)" = 0 ] || { echo "mdns-netns-test: needs root (network namespaces)"; exit 2; }
command -v ip >/dev/null || { echo "mdns-netns-test: needs iproute2 (ip)"; exit 2; }
[ -x "$GO_PEER" ] || { echo "missing $GO_PEER (run interop/build.sh)"; exit 2; }
[ -d "$here/js-peer/node_modules" ] || { echo "missing js-peer/node_modules (run interop/build.sh)"; exit 2; }

# shellcheck source=lib.sh
. "$here/lib.sh"
WAIT=${SELFTEST_WAIT:-30}

NS_A="lanchat-mdns-$$-a" NS_B="lanchat-mdns-$$-b"
VETH_A="lcm$$a" VETH_B="lcm$$b"
IP_A=10.77.9.1 IP_B=10.77.9.2

cleanup_hook() {
  ip netns del "$NS_A" 2>/dev/null
  ip netns del "$NS_B" 2>/dev/null
}
trap cleanup EXIT
trap 'exit 130' INT TERM

setup() {
  ip netns add "$NS_A" && ip netns add "$NS_B" || return 1
  ip -n "$NS_A" link add "$VETH_A" type veth peer name "$VETH_B" netns "$NS_B" || return 1
  ip -n "$NS_A" addr add "$IP_A/24" dev "$VETH_A" || return 1
  ip -n "$NS_B" addr add "$IP_B/24" dev "$VETH_B" || return 1
  local ns dev
  for ns in "$NS_A:$VETH_A" "$NS_B:$VETH_B"; do
    dev=${ns#*:}; ns=${ns%%:*}
    ip -n "$ns" link set lo up && ip -n "$ns" link set "$dev" up || return 1
    # mDNS group 224.0.0.251 goes out of the veth (there is no default route).
    ip -n "$ns" route add 224.0.0.0/4 dev "$dev" || return 1
  done
}

# mdns_case NAME IMPL_A IMPL_B : A in NS_A, B in NS_B, same fresh rendezvous.
mdns_case() {
  local case=$1 ia=$2 ib=$3
  local A="${case//[^a-zA-Z0-9]/_}_a" B="${case//[^a-zA-Z0-9]/_}_b"
  local tag="lanchat-$case-$$"
  # shellcheck disable=SC2046
  start "$A" ip netns exec "$NS_A" $(impl "$ia") -key ed25519 -listen "/ip4/$IP_A/tcp/0" -rendezvous "$tag"
  # shellcheck disable=SC2046
  start "$B" ip netns exec "$NS_B" $(impl "$ib") -key ed25519 -listen "/ip4/$IP_B/tcp/0" -rendezvous "$tag"
  expect "$A" '^PEERID ' && expect "$B" '^PEERID ' || return 1
  local aid bid
  aid=$(field "$A" PEERID); bid=$(field "$B" PEERID)
  expect "$A" "^CONNECTED $bid\$" && expect "$B" "^CONNECTED $aid\$" || return 1
  say "$A" "hello from $ia over mdns"
  expect "$B" "^RECV $aid hello from $ia over mdns\$" || return 1
  say "$B" "hello from $ib over mdns"
  expect "$A" "^RECV $bid hello from $ib over mdns\$" || return 1
  local va="${A}_out"
  echo "    chat streams opened on A: $(grep -c '^CONNECTED ' "${!va}") (1 expected; 2 if both sides dialed)"
  stop "$A" && stop "$B"
}

setup || { echo "FAIL namespace setup"; exit 1; }
run "mdns go<->go" mdns_case go-go go go
run "mdns js<->js" mdns_case js-js js js
run "mdns go<->js" mdns_case go-js go js

echo "mdns-netns-test: $passed passed, $failed failed"
[ "$failed" = 0 ]
