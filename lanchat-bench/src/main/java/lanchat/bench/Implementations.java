package lanchat.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Every implementation the suite compares, found on this machine: LAN Chat libp2p and netty and the raw TCP baseline
 * (Java bench peers), LAN Chat libp2p on a newer JDK, the go-libp2p and js-libp2p interop peers.
 *
 * @param newerJdkVersion the version of the JDK in the "newer JDK" column, "" when there is none
 */
record Implementations(Map<String, Impl> byId, String newerJdkVersion) {

    Impl get(String id) {
        return byId.get(id);
    }

    /** Looks for each implementation; adds one note per implementation that cannot run. */
    static Implementations find(RunContext ctx, List<String> notes) {
        Map<String, Impl> impls = new LinkedHashMap<>();
        List<String> javaPeer = List.of(ctx.java(), "-cp", ctx.classPath(), BenchPeer.class.getName(), "-transport");
        impls.put("tcp", new Impl("tcp", "raw TCP (Java sockets)", Commands.concat(javaPeer, "tcp"), true, ""));
        impls.put("libp2p", new Impl("libp2p", "LAN Chat libp2p (TLS)", Commands.concat(javaPeer, "libp2p"), true, ""));
        // the same with Noise only, as against a peer without TLS (js-libp2p's default)
        impls.put("libp2p-noise", new Impl("libp2p-noise", "LAN Chat libp2p (Noise)",
                List.of(ctx.java(), "-Dlanchat.security=noise", "-cp", ctx.classPath(), BenchPeer.class.getName(), "-transport", "libp2p"), true, ""));
        // with a room key (PSK v1, issue 15): one swarm key file in the run's directory, the same for LAN Chat and go
        Path swarmKey = swarmKey(ctx);
        impls.put("libp2p-psk", new Impl("libp2p-psk", "LAN Chat libp2p (TLS) with a room key",
                Commands.concat(javaPeer, "libp2p", "-psk", swarmKey.toString()), true, ""));
        // every resource limit far above the run's needs (issue 13): the accounting cost of the default path
        impls.put("libp2p-unlimited", new Impl("libp2p-unlimited", "LAN Chat libp2p (TLS), limits unlimited",
                List.of(ctx.java(), "-Dlanchat.bench.limits=unlimited", "-cp", ctx.classPath(), BenchPeer.class.getName(), "-transport", "libp2p"), true, ""));
        impls.put("netty", new Impl("netty", "LAN Chat netty", Commands.concat(javaPeer, "netty"), true, ""));
        Optional<Path> newer = newerJdk();
        String newerVersion = newer.map(Implementations::jdkVersion).orElse("");
        impls.put("libp2p-newjdk", new Impl("libp2p-newjdk", "LAN Chat libp2p on JDK " + newerVersion,
                List.of(newer.map(h -> h.resolve("bin/java").toString()).orElse("java"), "-cp", ctx.classPath(), BenchPeer.class.getName(), "-transport", "libp2p"),
                newer.isPresent(), "no JDK 20 or later found (set BENCH_NEWER_JDK to its home)"));
        Path go = ctx.repo().resolve("interop/go-peer/go-peer");
        boolean goOk = Files.isExecutable(go);
        // go with its default security (TLS first, then Noise), and with Noise only
        impls.put("go", new Impl("go", "go-libp2p (TLS)", List.of(go.toString(), "-key", "ed25519"), goOk,
                goOk ? "" : "interop/go-peer/go-peer missing (run interop/build.sh)"));
        impls.put("go-noise", new Impl("go-noise", "go-libp2p (Noise)", List.of(go.toString(), "-key", "ed25519", "-security", "noise"), goOk,
                goOk ? "" : "interop/go-peer/go-peer missing (run interop/build.sh)"));
        impls.put("go-psk", new Impl("go-psk", "go-libp2p (TLS) with a room key", List.of(go.toString(), "-key", "ed25519", "-psk", swarmKey.toString()), goOk,
                goOk ? "" : "interop/go-peer/go-peer missing (run interop/build.sh)"));
        Path js = ctx.repo().resolve("interop/js-peer/peer.js");
        boolean jsOk = Files.isDirectory(ctx.repo().resolve("interop/js-peer/node_modules")) && Commands.which("node");
        impls.put("js", new Impl("js", "js-libp2p (Noise)", List.of("node", js.toString(), "-key", "ed25519"), jsOk,
                jsOk ? "" : "node or interop/js-peer/node_modules missing (run interop/build.sh)"));
        for (Impl i : impls.values()) if (!i.available()) notes.add(i.label() + " not measured: " + i.why());
        return new Implementations(impls, newerVersion);
    }

    /** A fresh swarm key file (the format go-libp2p's pnet reads: PSK v1, base16) in the run's directory. */
    private static Path swarmKey(RunContext ctx) {
        byte[] key = new byte[32];
        new java.security.SecureRandom().nextBytes(key);
        Path file = ctx.work().resolve("swarm.key");
        try {
            Files.writeString(file, "/key/swarm/psk/1.0.0/\n/base16/\n" + java.util.HexFormat.of().formatHex(key) + "\n");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return file;
    }

    /**
     * A second, newer JDK for one extra column: JDK 20+ has ChaCha20 and Poly1305 intrinsics, JDK 17's are pure Java.
     * {@code BENCH_NEWER_JDK} (a JDK home), else the newest {@code /usr/lib/jvm/*} whose release is 20 or later.
     */
    private static Optional<Path> newerJdk() {
        String env = System.getenv("BENCH_NEWER_JDK");
        if (env != null && !env.isBlank()) return Optional.of(Path.of(env)).filter(h -> Files.isExecutable(h.resolve("bin/java")));
        try (var dirs = Files.list(Path.of("/usr/lib/jvm"))) {
            return dirs.filter(h -> Files.isExecutable(h.resolve("bin/java")) && !Files.isSymbolicLink(h))
                    .filter(h -> feature(jdkVersion(h)) >= 20)
                    .max(Comparator.comparingInt(h -> feature(jdkVersion(h))));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** JAVA_VERSION from the JDK's release file, e.g. "25.0.1"; "" when unknown. */
    private static String jdkVersion(Path home) {
        try {
            return Files.readAllLines(home.resolve("release")).stream().filter(l -> l.startsWith("JAVA_VERSION="))
                    .map(l -> l.substring("JAVA_VERSION=".length()).replace("\"", "")).findFirst().orElse("");
        } catch (IOException e) {
            return "";
        }
    }

    private static int feature(String version) {
        try {
            return Integer.parseInt(version.split("[.+-]")[0]);
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
