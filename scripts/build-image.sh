#!/bin/sh
# Links mods/image: one runtime image (jlink) of LAN Chat's modules, its libraries and the JDK modules they need, which
# ./lanchat starts from when it is there (issue 16, start-up). Run by the build (lanchat-app, `mvn package`) after it
# filled mods/; by hand: scripts/build-image.sh mods target/image-work.
#
# Why: started as `java -p mods -m lanchat.app`, JDK 17 spends most of a start's first 0.3 s initialising the module
# system: it opens every jar of mods/, reads its descriptor, resolves the graph and binds services against the whole
# JDK (java.desktop, jdk.compiler and some 30 other JDK modules end up in the boot layer). A runtime image has all of
# that done at link time (jlink's system-modules plugin stores the resolved graph), and holds only the JDK modules
# LAN Chat needs. Measured: "Initialize module system" 242 → 23 ms (-Xlog:startuptime), BENCHMARKS.md has the rest.
#
# jlink takes only explicit modules. JLine 3's jars are automatic modules (no module-info), so this script gives the
# copies it links a descriptor that jdeps derives from their classes (what they export, require and provide); the jars
# in mods/ stay as they are, and so does every class. The JDK modules named below are those the modules' own
# descriptors do not require but the JDK finds through services or loads by name at run time.
#
# Never fails the build: a JDK without jmods/ (some distributions ship them in a separate package), or any step that
# fails, prints one line, leaves no image behind, and ./lanchat runs from the module path as before.
set -eu

mods=$(cd "${1:?usage: build-image.sh MODS_DIR WORK_DIR}" && pwd)
work=${2:?usage: build-image.sh MODS_DIR WORK_DIR}
image="$mods/image"
bin="${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")}/bin"
jmods="$(dirname "$bin")/jmods"
# services and names the JDK looks up at run time: Netty's use of sun.misc.Unsafe, the EC and XDH keys of the JDK's
# TLS engine, RandomGenerator's algorithms, charsets and locale data beyond java.base's, JFR (the bench's profiles via
# jcmd), and java.naming, which the lazily loaded BouncyCastle (mods/lazy, a layer of its own) requires
jdk_extras=jdk.unsupported,jdk.crypto.ec,jdk.random,jdk.charsets,jdk.localedata,jdk.jfr,java.naming

rm -rf "$image" "$work"
if [ ! -f "$jmods/java.base.jmod" ]; then
  echo "build-image: no runtime image: this JDK has no $jmods/java.base.jmod; ./lanchat runs from the module path"
  exit 0
fi
fail() {
  echo "build-image: no runtime image: $1 failed (output in $work/log); ./lanchat runs from the module path"
  rm -rf "$image"
  exit 0
}
mkdir -p "$work/jars" "$work/gen" "$work/classes" || fail "mkdir $work"
cp "$mods"/*.jar "$work/jars/" 2>>"$work/log" || fail "copying $mods/*.jar"
# from here on, paths relative to the work directory: jar names have no spaces, whatever the checkout's path holds
cd "$work" || fail "cd $work"

modules=
automatic=
for jar in jars/*.jar; do
  # "name@version …" (or "name …"), after a "releases: …" line for a multi-release jar and a "No module descriptor
  # found. Derived automatic module." line for an automatic module
  desc=$("$bin/jar" --describe-module --file "$jar" --release 17 2>>log) || fail "jar --describe-module"
  name=$(printf '%s\n' "$desc" | grep -v -e '^releases:' -e '^No module descriptor' -e '^$' | head -n 1 | sed 's/[@ ].*//')
  [ -n "$name" ] || fail "reading the module name of $jar"
  modules="$modules${modules:+,}$name"
  if printf '%s\n' "$desc" | grep -q '^No module descriptor'; then automatic="$automatic $name=$jar"; fi
done

if [ -n "$automatic" ]; then
  jars=
  for a in $automatic; do jars="$jars ${a#*=}"; done
  # shellcheck disable=SC2086 # jars/NAME.jar words: jar names have no spaces
  "$bin/jdeps" --multi-release 17 --module-path jars --generate-module-info gen $jars >>log 2>&1 \
    || fail "jdeps --generate-module-info"
  for a in $automatic; do
    name=${a%%=*} jar=${a#*=}
    src=$(find "gen/$name" -name module-info.java | head -n 1)
    [ -n "$src" ] || fail "jdeps (no descriptor for $name)"
    "$bin/javac" --release 17 -nowarn -p jars --patch-module "$name=$jar" -d "classes/$name" "$src" >>log 2>&1 \
      || fail "javac of $name's descriptor"
    "$bin/jar" --update --file "$jar" -C "classes/$name" module-info.class >>log 2>&1 || fail "jar --update of $jar"
  done
fi

"$bin/jlink" --module-path "jars:$jmods" --add-modules "$modules,$jdk_extras" --output "$image" \
  --no-header-files --no-man-pages >>log 2>&1 || fail "jlink"
echo "build-image: $image: $(echo "$modules" | tr ',' '\n' | wc -l) modules of mods/ and the JDK's they need ($(du -sm "$image" | cut -f1) MiB)"
