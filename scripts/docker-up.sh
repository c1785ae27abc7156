#!/usr/bin/env bash
# Idempotent: install (Debian docker.io) and start dockerd when needed, then make sure
# multicast passes between containers of one bridge (needed for mDNS on the `internal`
# networks the integration tests create). Safe to run as root with no systemd and no stdin,
# and safe to run concurrently (flock). See the shared notes' testcontainers.md, section 6.
#
# Env knobs: DOCKER_SOCK (default /var/run/docker.sock), DOCKER_PIDFILE (default
# /var/run/docker.pid), DOCKERD_EXTRA_ARGS (extra dockerd flags), DOCKERD_LOG
# (default /var/log/dockerd.log), DOCKER_UP_TIMEOUT (seconds to wait for the engine, default 60).
set -euo pipefail

SOCK=${DOCKER_SOCK:-/var/run/docker.sock}
PIDFILE=${DOCKER_PIDFILE:-/var/run/docker.pid}
LOG=${DOCKERD_LOG:-/var/log/dockerd.log}
TIMEOUT=${DOCKER_UP_TIMEOUT:-60}
LOCK=${DOCKER_UP_LOCK:-/tmp/docker-up.lock}
START=$(date +%s%N)

say() { echo "docker-up: $*" >&2; }
die() { say "ERROR: $*"; exit 1; }

[ "$(id -u)" = 0 ] || die "must run as root (installs packages, starts dockerd, edits iptables)"

ping_engine() {
  if command -v curl >/dev/null 2>&1; then
    curl -sf --max-time 2 --unix-socket "$SOCK" http://localhost/_ping >/dev/null 2>&1
  else
    # no curl: any docker CLI will do (API version is negotiated)
    [ -S "$SOCK" ] && timeout 5 docker -H "unix://$SOCK" version >/dev/null 2>&1
  fi
}
dockerd_alive() { [ -s "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; }

# One caller at a time; bounded wait for the lock.
exec 9>"$LOCK"
flock -w 600 9 || die "could not get lock $LOCK within 600 s"

if ping_engine; then
  say "engine already answering on $SOCK"
else
  # --- install -----------------------------------------------------------------------------
  missing=()
  command -v dockerd  >/dev/null 2>&1 || missing+=(docker.io)
  command -v iptables >/dev/null 2>&1 || missing+=(iptables)
  command -v curl     >/dev/null 2>&1 || missing+=(curl)
  if [ ${#missing[@]} -gt 0 ]; then
    say "installing: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    timeout 600 apt-get update -qq </dev/null
    timeout 900 apt-get install -y -qq --no-install-recommends \
      -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
      "${missing[@]}" </dev/null >/dev/null
    command -v dockerd >/dev/null 2>&1 || die "dockerd still missing after install"
  fi

  # --- start -------------------------------------------------------------------------------
  if dockerd_alive; then
    say "dockerd (pid $(cat "$PIDFILE")) running but not answering yet; waiting"
  else
    rm -f "$PIDFILE"
    mkdir -p "$(dirname "$SOCK")" "$(dirname "$LOG")"
    say "starting dockerd (log: $LOG)"
    # setsid -f: own session, survives this script; 9>&- so dockerd does not inherit (and
    # hold forever) the lock descriptor, which would hang the next concurrent caller.
    # shellcheck disable=SC2086
    setsid -f dockerd --host "unix://$SOCK" --pidfile "$PIDFILE" ${DOCKERD_EXTRA_ARGS:-} \
      >>"$LOG" 2>&1 </dev/null 9>&-
  fi

  deadline=$(( $(date +%s) + TIMEOUT ))
  until ping_engine; do
    if [ "$(date +%s)" -ge "$deadline" ]; then
      tail -n 30 "$LOG" >&2 2>/dev/null || true
      die "engine not answering on $SOCK after ${TIMEOUT}s"
    fi
    sleep 0.2
  done
  say "engine answering on $SOCK"
fi

# --- multicast between containers of one bridge (mDNS on internal networks) -----------------
# Docker's isolation rule drops 224.0.0.0/4 on `internal` networks because br_netfilter sends
# bridged frames through FORWARD. physdev --physdev-is-bridged matches only frames switched
# inside one bridge, so this opens nothing across networks. dockerd keeps DOCKER-USER rules.
command -v iptables >/dev/null 2>&1 || die "iptables missing"
iptables -w 10 -n -L DOCKER-USER >/dev/null 2>&1 || iptables -w 10 -N DOCKER-USER
RULE=(-m physdev --physdev-is-bridged -d 224.0.0.0/4 -j ACCEPT)
iptables -w 10 -C DOCKER-USER "${RULE[@]}" 2>/dev/null \
  || iptables -w 10 -I DOCKER-USER "${RULE[@]}"

say "ready in $(( ($(date +%s%N) - START) / 1000000 )) ms"
