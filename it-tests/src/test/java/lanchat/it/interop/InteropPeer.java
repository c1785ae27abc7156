package lanchat.it.interop;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import lanchat.it.process.ProcessNode;

/**
 * A reference libp2p chat peer from {@code interop/} (see interop/README.md for its flags and stdout contract),
 * run as a real process on 127.0.0.1: {@code interop/go-peer/go-peer} (go-libp2p) or
 * {@code node interop/js-peer/peer.js} (js-libp2p). Ready once it printed {@code PEERID}.
 *
 * <p>{@code -Dit.interop} (set by Failsafe) is the interop directory, {@code ../interop} from the module directory
 * by default. When a peer is not built, {@link #requireBuilt} fails the test if {@code -Dit.requireInterop=true}, and
 * skips it otherwise.
 */
final class InteropPeer extends ProcessNode {
    static final boolean REQUIRE_INTEROP = Boolean.getBoolean("it.requireInterop");
    static final Path INTEROP = Path.of(System.getProperty("it.interop", "../interop")).toAbsolutePath().normalize();
    static final Duration START = Duration.ofSeconds(30);
    private static final Pattern LISTEN = Pattern.compile("LISTEN (/ip4/127\\.0\\.0\\.1/tcp/\\d+/p2p/(\\w+))");

    /** The two reference stacks. */
    enum Kind {
        GO, JS;

        /** The agent prefix the peer reports in identify (and the README's names for it). */
        String stack() {
            return this == GO ? "go-libp2p" : "js-libp2p";
        }

        List<String> command() {
            return this == GO ? List.of(INTEROP.resolve("go-peer/go-peer").toString())
                    : List.of(System.getProperty("it.node", "node"), INTEROP.resolve("js-peer/peer.js").toString());
        }

        /** Why this peer cannot run, or null. */
        String missing() {
            if (this == GO) {
                Path bin = INTEROP.resolve("go-peer/go-peer");
                return Files.isExecutable(bin) ? null : bin + " is missing";
            }
            if (!Files.isRegularFile(INTEROP.resolve("js-peer/peer.js"))) return INTEROP.resolve("js-peer/peer.js") + " is missing";
            if (!Files.isDirectory(INTEROP.resolve("js-peer/node_modules"))) return INTEROP.resolve("js-peer/node_modules") + " is missing";
            if (!onPath(System.getProperty("it.node", "node"))) return "node is not on the PATH";
            return null;
        }

        @Override
        public String toString() {
            return name().toLowerCase();
        }
    }

    final Kind kind;
    /** {@code /ip4/127.0.0.1/tcp/<port>/p2p/<id>}: the peer's LISTEN address. */
    String address;
    String peerId;

    private InteropPeer(Kind kind, String name, List<String> command) throws IOException {
        super(name, command);
        this.kind = kind;
    }

    /** Fails ({@code -Dit.requireInterop=true}) or skips the test unless the peer is built. */
    static void requireBuilt(Kind kind) {
        String why = kind.missing();
        String message = kind + "-peer cannot run: " + why + ". Run: bash interop/build.sh";
        if (REQUIRE_INTEROP) {
            if (why != null) fail("[it.requireInterop=true] " + message);
        } else {
            assumeTrue(why == null, message + " (skipping; -Dit.requireInterop=true turns this into a failure)");
        }
    }

    /** Starts a peer (flags as in interop/README.md, go style {@code -flag value}) without waiting for it. */
    static InteropPeer launch(Kind kind, String name, String... flags) throws IOException {
        List<String> cmd = new ArrayList<>(kind.command());
        cmd.addAll(List.of(flags));
        return new InteropPeer(kind, name, cmd);
    }

    /** Waits for {@code PEERID} and reads the 127.0.0.1 LISTEN address. */
    InteropPeer awaitStarted() {
        String id = awaitLine(0, l -> l.startsWith("PEERID "), START, "PEERID line").substring("PEERID ".length()).strip();
        String listen = awaitLine(0, l -> LISTEN.matcher(l).matches(), Duration.ofMillis(1), "LISTEN /ip4/127.0.0.1/tcp/… line");
        Matcher m = LISTEN.matcher(listen);
        if (!m.matches() || !m.group(2).equals(id)) fail(name + ": LISTEN and PEERID disagree\n" + describe());
        address = m.group(1);
        peerId = id;
        return this;
    }

    private static boolean onPath(String exe) {
        if (exe.contains("/")) return Files.isExecutable(Path.of(exe));
        String path = System.getenv("PATH");
        if (path == null) return false;
        for (String dir : path.split(java.io.File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, exe))) return true;
        }
        return false;
    }
}
