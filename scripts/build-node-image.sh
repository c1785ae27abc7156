#!/usr/bin/env bash
# Builds the local node image (default lanchat/node:dev) WITHOUT any registry:
#   jlink runtime (host JDK's jmods) + the host shared-library closure (ldd) + static busybox
#   (from the busybox-static .deb) + /tmp 1777, /etc/passwd, ...  -> `docker import`.
# The image holds NO project jars: the integration tests copy <repo>/mods (with its lazy/
# subdirectory) into /opt/lanchat/mods of each container, so Java changes never require
# rebuilding the image.
#
# Idempotent and cache-aware: the image carries the label lanchat.inputs=<sha256 of the
# inputs> (this script, the JDK release, the module list); when the image exists with the
# same label the script does nothing. Concurrent callers serialize on a lock.
#
# Env knobs:
#   NODE_IMAGE            image name (default lanchat/node:dev)
#   NODE_IMAGE_MODS       mods dir scanned by jdeps for extra JDK modules (default <repo>/mods;
#                         missing dir = use the static list only)
#   NODE_IMAGE_EXTRA_MODULES  comma-separated extra JDK modules
#   NODE_IMAGE_FORCE=1    rebuild even if the label matches
set -euo pipefail

# ---- the JDK modules of the runtime: THE one place to extend ------------------------------
# java.base        always
# java.logging     netty-common, jline-terminal (java.util.logging)
# java.naming      netty-handler (SSL/SNI helpers reference javax.naming)
# jdk.unsupported  Netty (sun.misc.Unsafe) and sun.misc.Signal (SIGTERM -> exit 0)
# jdk.crypto.ec    SunEC: X25519 / Ed25519 / ECDSA for Noise and peer identities
# java.sql         bcprov (mods/lazy/, loaded on first use for secp256k1 keys) requires it in its module
#                  descriptor: without it that child layer fails to resolve. jdeps scans mods/*.jar only.
# java.sql.rowset  sqlite-jdbc (the room history, lanchat-room) requires it in its module descriptor; jdeps does
#                  not report it (no class of it is used), but the boot layer does not resolve without it.
# Service providers: jdeps cannot see these (java.base finds them with ServiceLoader), and a
# missing one fails only at run time, so list the ones standard APIs may need:
# jdk.random       RandomGenerator.getDefault()/of(..) (L32X64MixRandom & co.) - the app uses it
# jdk.charsets     Charset.forName of non-standard charsets
# jdk.zipfs        FileSystems.newFileSystem(zip/jar)
# java.management / jdk.management / jdk.localedata: not needed today; add here if that changes.
STATIC_MODULES=(java.base java.logging java.naming jdk.unsupported jdk.crypto.ec java.sql java.sql.rowset
                jdk.random jdk.charsets jdk.zipfs)
# -------------------------------------------------------------------------------------------

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
IMAGE=${NODE_IMAGE:-lanchat/node:dev}
MODS=${NODE_IMAGE_MODS:-$REPO/mods}
LOCK=${NODE_IMAGE_LOCK:-/tmp/build-node-image.lock}
T0=$(date +%s%N)
say() { echo "build-node-image: $*" >&2; }
die() { say "ERROR: $*"; exit 1; }
ms() { echo $(( ($(date +%s%N) - T0) / 1000000 )); }

command -v docker >/dev/null || die "docker CLI missing (run scripts/docker-up.sh first)"
JLINK=$(command -v jlink) || die "jlink missing (need a JDK 17 with jmods)"
JAVA_HOME_=$(dirname "$(dirname "$(readlink -f "$JLINK")")")
[ -d "$JAVA_HOME_/jmods" ] || die "$JAVA_HOME_/jmods missing (install openjdk-17-jdk-headless)"

exec 9>"$LOCK"
flock -w 600 9 || die "could not get lock $LOCK within 600 s"

# ---- module list: static list + whatever jdeps finds in mods/ (if built) -----------------
modules=("${STATIC_MODULES[@]}")
if [ -n "${NODE_IMAGE_EXTRA_MODULES:-}" ]; then
  IFS=, read -r -a extra <<<"$NODE_IMAGE_EXTRA_MODULES"; modules+=("${extra[@]}")
fi
if compgen -G "$MODS/*.jar" >/dev/null; then
  # Automatic modules (Netty, JmDNS, JLine) declare nothing, so ask jdeps what the code uses.
  if found=$(timeout 120 "$JAVA_HOME_/bin/jdeps" --multi-release 17 --ignore-missing-deps \
                --print-module-deps --module-path "$MODS" "$MODS"/*.jar 2>/dev/null | tail -n 1); then
    IFS=, read -r -a dmods <<<"$found"
    for m in "${dmods[@]}"; do
      [[ "$m" =~ ^(java|jdk)\.[a-z.]+$ ]] || continue
      [[ " ${modules[*]} " == *" $m "* ]] || { say "jdeps: mods/ also need $m"; modules+=("$m"); }
    done
  else
    say "WARNING: jdeps over $MODS failed; using the static module list only"
  fi
fi
MODLIST=$(printf '%s\n' "${modules[@]}" | sort -u | paste -sd, -)

INPUTS=$( { sha256sum "${BASH_SOURCE[0]}" | cut -d' ' -f1; cat "$JAVA_HOME_/release"; echo "$MODLIST"; } \
          | sha256sum | cut -c1-32)
current=$(docker image inspect -f '{{index .Config.Labels "lanchat.inputs"}}' "$IMAGE" 2>/dev/null || true)
if [ "$current" = "$INPUTS" ] && [ "${NODE_IMAGE_FORCE:-0}" != 1 ]; then
  say "$IMAGE is up to date (inputs $INPUTS, modules $MODLIST) [$(ms) ms]"
  exit 0
fi
old_id=$(docker image inspect -f '{{.Id}}' "$IMAGE" 2>/dev/null || true)
say "building $IMAGE (modules $MODLIST)"

WORK=$(mktemp -d /tmp/lanchat-node-image.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
ROOT=$WORK/rootfs
mkdir -p "$ROOT"

# ---- 1. jlink runtime -----------------------------------------------------------------------
"$JLINK" --module-path "$JAVA_HOME_/jmods" --add-modules "$MODLIST" \
  --strip-debug --no-header-files --no-man-pages --compress=2 --generate-cds-archive \
  --output "$ROOT/opt/jre" >/dev/null

# ---- 2. shared-library closure of the runtime (ldd) -----------------------------------------
mapfile -t elfs < <(find "$ROOT/opt/jre" -type f \( -path '*/bin/*' -o -name '*.so' -o -name '*.so.*' \))
# ... and of the native libraries jars in mods/ extract at run time (sqlite-jdbc's libsqlitejdbc.so, for the room
# history, needs libpthread.so.0, which the JRE alone does not pull in)
if compgen -G "$MODS/*.jar" >/dev/null; then
  mkdir -p "$WORK/native"
  for jar in "$MODS"/*.jar; do  # the JDK's jar tool: unzip may not be installed
    mapfile -t entries < <("$JAVA_HOME_/bin/jar" tf "$jar" | grep -E '/Linux/x86_64/[^/]+\.so$' || true)
    [ ${#entries[@]} -gt 0 ] || continue
    mkdir -p "$WORK/native/$(basename "$jar")"
    (cd "$WORK/native/$(basename "$jar")" && "$JAVA_HOME_/bin/jar" xf "$jar" "${entries[@]}")
  done
  mapfile -t -O "${#elfs[@]}" elfs < <(find "$WORK/native" -type f -name '*.so')
fi
libs=$(for f in "${elfs[@]}"; do ldd "$f" 2>/dev/null || true; done \
        | grep -oE '/[^ ]+' | grep -v "^$ROOT" | sort -u)
[ -n "$libs" ] || die "ldd found no libraries"
for lib in $libs; do
  [ -e "$lib" ] || die "ldd names $lib but it does not exist"
  mkdir -p "$ROOT$(dirname "$lib")"
  cp -L "$lib" "$ROOT$lib"
done
grep -q 'libgcc_s' <<<"$libs" || {  # glibc dlopens it for thread unwinding
  g=$(ldconfig -p | awk '/libgcc_s.so.1 .*x86-64/{print $NF; exit}')
  [ -n "$g" ] && mkdir -p "$ROOT$(dirname "$g")" && cp -L "$g" "$ROOT$g"
}

# ---- 3. busybox (static) from the Debian package ---------------------------------------------
mkdir -p "$WORK/deb" "$ROOT/bin"
( cd "$WORK/deb"
  timeout 300 apt-get download -qq busybox-static </dev/null 2>/dev/null \
   || { timeout 600 apt-get update -qq </dev/null && timeout 300 apt-get download -qq busybox-static </dev/null; } )
dpkg-deb -x "$WORK"/deb/busybox-static_*.deb "$WORK/bb"
cp "$WORK/bb/bin/busybox" "$ROOT/bin/busybox"
for applet in $("$ROOT/bin/busybox" --list); do
  [ "$applet" = busybox ] || ln -sf busybox "$ROOT/bin/$applet"
done

# C.UTF-8 locale (libc-bin ships it; not built into glibc): with LANG=C.UTF-8 the JVM's
# default charset is UTF-8, so "✓"/"✗" and non-ASCII chat text survive stdin/stdout.
if [ -d /usr/lib/locale/C.utf8 ]; then
  mkdir -p "$ROOT/usr/lib/locale" && cp -a /usr/lib/locale/C.utf8 "$ROOT/usr/lib/locale/"
else
  say "WARNING: /usr/lib/locale/C.utf8 missing on the host; the image's default charset will be ASCII"
fi

# ---- 4. minimal /etc, /tmp, workdir -----------------------------------------------------------
mkdir -p "$ROOT/etc" "$ROOT/root" "$ROOT/tmp" "$ROOT/opt/lanchat/mods" "$ROOT/proc" "$ROOT/sys" "$ROOT/dev"
chmod 1777 "$ROOT/tmp"
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$ROOT/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$ROOT/etc/group"
printf 'passwd: files\ngroup: files\nhosts: files dns\n' >"$ROOT/etc/nsswitch.conf"

# ---- 5. import ---------------------------------------------------------------------------------
tar -C "$ROOT" --numeric-owner --owner=0 --group=0 -c . | docker import \
  -c 'ENV PATH=/opt/jre/bin:/bin' \
  -c 'ENV LANG=C.UTF-8' \
  -c 'WORKDIR /opt/lanchat' \
  -c 'CMD ["/bin/sh"]' \
  -c "LABEL lanchat.inputs=$INPUTS" \
  -c "LABEL lanchat.modules=$MODLIST" \
  - "$IMAGE" >/dev/null

# ---- 6. smoke test (no network at all) ---------------------------------------------------------
out=$(docker run --rm --network none "$IMAGE" java -XX:+UseSerialGC -XshowSettings:properties -version 2>&1) \
  || { echo "$out" >&2; die "smoke test failed: java -version in $IMAGE"; }
grep -q 'file.encoding = UTF-8' <<<"$out" || { echo "$out" >&2; die "smoke test: default charset is not UTF-8"; }
out=$(grep -m1 'version "' <<<"$out")
new_id=$(docker image inspect -f '{{.Id}}' "$IMAGE")
if [ -n "$old_id" ] && [ "$old_id" != "$new_id" ]; then
  docker rmi "$old_id" >/dev/null 2>&1 || say "note: old image $old_id still in use, left in place"
fi
size=$(docker image inspect -f '{{.Size}}' "$IMAGE")
say "built $IMAGE ${new_id:7:12} ($(( size / 1000000 )) MB, $(head -n1 <<<"$out")) [$(ms) ms]"
