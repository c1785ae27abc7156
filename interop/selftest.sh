#!/usr/bin/env bash
# Bounded smoke test of the reference peers over 127.0.0.1 only.
# Cases: go<->go, js<->js, go dials js, js dials go (a line each way, checked
# via the stdout contract), plus go<->go over TLS and noise, echo + 64 KiB
# line + /streams across go/js, and ping. Prints PASS/FAIL per case; exits
# non-zero if any case fails. Run interop/build.sh first.
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
GO_PEER="$here/go-peer/go-peer"
JS_PEER=(node "$here/js-peer/peer.js")

[ -x "$GO_PEER" ] || { echo "missing $GO_PEER (run interop/build.sh)"; exit 2; }
[ -d "$here/js-peer/node_modules" ] || { echo "missing js-peer/node_modules (run interop/build.sh)"; exit 2; }

# shellcheck source=lib.sh
. "$here/lib.sh"
trap cleanup EXIT
trap 'exit 130' INT TERM

# chat_case NAME LISTENER DIALER [listener flags] -- [dialer flags]
# LISTENER/DIALER are go|js. Checks CONNECTED, IDENTIFY and one line each way.
chat_case() {
  local case=$1 l=$2 d=$3; shift 3
  local lflags=() dflags=()
  while [ $# -gt 0 ] && [ "$1" != -- ]; do lflags+=("$1"); shift; done
  [ "${1:-}" = -- ] && shift
  dflags=("$@")
  local A="${case//[^a-zA-Z0-9]/_}_a" B="${case//[^a-zA-Z0-9]/_}_b"
  # shellcheck disable=SC2046
  start "$A" $(impl "$l") -listen /ip4/127.0.0.1/tcp/0 "${lflags[@]}"
  expect "$A" '^PEERID ' || return 1
  local addr aid bid
  addr=$(field "$A" LISTEN); aid=$(field "$A" PEERID)
  # shellcheck disable=SC2046
  start "$B" $(impl "$d") -dial "$addr" "${dflags[@]}"
  expect "$B" '^PEERID ' || return 1
  bid=$(field "$B" PEERID)
  expect "$A" "^CONNECTED $bid\$" && expect "$B" "^CONNECTED $aid\$" || return 1
  expect "$A" "^IDENTIFY $bid agent=$d-libp2p/.* protocols=.*/chat/1.0.0,/chat/1.1.0" || return 1
  expect "$B" "^IDENTIFY $aid agent=$l-libp2p/.* protocols=.*/chat/1.0.0,/chat/1.1.0" || return 1
  say "$B" "hello from $d dialer ünïcödé"
  expect "$A" "^RECV $bid hello from $d dialer ünïcödé\$" || return 1
  say "$A" "hello from $l listener"
  expect "$B" "^RECV $aid hello from $l listener\$" || return 1
  CASE_A=$A CASE_B=$B CASE_AID=$aid CASE_BID=$bid
}

# The dialer's stream must end (CLOSED) when the listener exits, and both
# must exit 0 on SIGTERM.
finish_case() {
  stop "$CASE_A" || return 1
  expect "$CASE_B" "^CLOSED $CASE_AID\$" || return 1
  stop "$CASE_B"
}

case_go_go()   { chat_case go-go go go -key ed25519 -- -key rsa && finish_case; }
case_js_js()   { chat_case js-js js js -key ed25519 -- -key secp256k1 && finish_case; }
case_go_js()   { chat_case go-dials-js js go -key ed25519 -- -key secp256k1 && finish_case; }
case_js_go()   { chat_case js-dials-go go js -key secp256k1 -- -key rsa && finish_case; }
case_go_tls()  { chat_case go-go-tls go go -key ed25519 -security tls -- -key ed25519 -security tls && finish_case; }
case_pid_go_js(){ chat_case pid-go-js js go -key ed25519 -- -key ed25519 -pid /chat/1.0.0 && logged "$CASE_A" "chat stream inbound /chat/1.0.0" && finish_case; }
case_go_noise(){ chat_case go-go-noise go go -key ed25519 -security noise -- -key ecdsa && finish_case; }

# echo peer on one side; 64 KiB line and 8 concurrent streams from the other.
echo_case() {
  local l=$1 d=$2
  chat_case "echo-$l-$d" "$l" "$d" -key ed25519 -echo -- -key ed25519 -ping || return 1
  local big
  big=$(printf 'x%.0s' $(seq 65536))
  expect "$CASE_B" "^PING $CASE_AID [0-9]+\$" || return 1
  say "$CASE_B" "ping me"
  expect "$CASE_B" "^RECV $CASE_AID echo: ping me\$" || return 1
  say "$CASE_B" "/bigline 65536"
  expect "$CASE_A" "^RECV $CASE_BID ${big}\$" || return 1
  expect "$CASE_B" "^RECV $CASE_AID echo: ${big}\$" || return 1
  say "$CASE_B" "/streams 8"
  expect "$CASE_B" "^STREAMS-OK 8 $CASE_AID\$" || return 1
  finish_case
}
case_echo_go_js() { echo_case js go; }
case_echo_js_go() { echo_case go js; }

run "go<->go (rsa dials ed25519, default security)" case_go_go
run "js<->js (secp256k1 dials ed25519)" case_js_js
run "go dials js (secp256k1 -> ed25519)" case_go_js
run "js dials go (rsa -> secp256k1)" case_js_go
run "go<->go -security tls" case_go_tls
run "go<->go -security noise (ecdsa dials ed25519)" case_go_noise
run "go dials js with -pid /chat/1.0.0" case_pid_go_js
run "go dials js -echo: ping, 64KiB line, /streams 8" case_echo_go_js
run "js dials go -echo: ping, 64KiB line, /streams 8" case_echo_js_go

echo "selftest: $passed passed, $failed failed"
[ "$failed" = 0 ]
