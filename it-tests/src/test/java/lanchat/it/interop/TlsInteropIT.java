package lanchat.it.interop;

import static lanchat.it.process.AppNode.shortId;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import lanchat.it.interop.InteropPeer.Kind;
import lanchat.it.process.AppNode;
import lanchat.it.process.ProcessNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * libp2p TLS ({@code /tls/1.0.0}) between the app and the reference peers, in both dial directions, on each of
 * Java's TLS engines: go-libp2p with its default security (TLS first, as Java offers it) and js-libp2p with
 * {@code @libp2p/tls}. Each peer prints how the connection was secured ({@code SECURITY <peer> /tls/1.0.0 /yamux/1.0.0}:
 * the muxer agreed by ALPN), so a silent fall-back to Noise fails the test. The JDK's engine is not paired with js:
 * SunJSSE parses the peer's certificate before any trust manager sees it and refuses js's empty names (README, "libp2p
 * TLS"); BoringSSL hands over the raw bytes. Noise with the same peers is {@link Libp2pInteropIT}'s (js's default).
 */
@Timeout(120)
class TlsInteropIT {
    static final Duration WAIT = Duration.ofSeconds(30);
    static Path mods;
    private final List<ProcessNode> processes = new ArrayList<>();

    @BeforeAll
    static void snapshotMods() throws IOException {
        mods = AppNode.snapshotMods("lanchat-it-tls-mods-");
    }

    @AfterAll
    static void deleteSnapshot() throws IOException {
        AppNode.deleteTree(mods);
    }

    @AfterEach
    void killAll() {
        processes.forEach(ProcessNode::kill);
        if (Boolean.getBoolean("it.interop.dump")) processes.forEach(p -> System.out.println("[interop] " + p.name + ":\n" + p.describe()));
    }

    static Stream<Arguments> pairs() {
        return Stream.of(Arguments.of(Kind.GO, "openssl", "ed25519"), Arguments.of(Kind.GO, "openssl", "rsa"), Arguments.of(Kind.GO, "jdk", "ed25519"),
                Arguments.of(Kind.JS, "openssl", "ed25519"), Arguments.of(Kind.JS, "openssl", "rsa"));
    }

    @ParameterizedTest(name = "{0} {2}, Java on {1}")
    @MethodSource("pairs")
    void javaDialsThePeerOverTls(Kind kind, String engine, String key) throws Exception {
        InteropPeer peer = peer(kind, key);
        AppNode java = java(engine, "--peer", peer.address);
        chatsOverTls(java, peer);
    }

    @ParameterizedTest(name = "{0} {2}, Java on {1}")
    @MethodSource("pairs")
    void thePeerDialsJavaOverTls(Kind kind, String engine, String key) throws Exception {
        AppNode java = java(engine);
        InteropPeer peer = peer(kind, key, "-dial", java.address);
        chatsOverTls(java, peer);
    }

    private void chatsOverTls(AppNode java, InteropPeer peer) {
        peer.awaitLine(0, ("SECURITY " + java.peerId + " /tls/1.0.0 /yamux/1.0.0")::equals, WAIT, "a TLS connection with yamux by ALPN");
        peer.awaitLine(0, ("CONNECTED " + java.peerId)::equals, WAIT, "CONNECTED " + java.peerId);
        java.awaitLine(0, ("✓ connected to " + peer.peerId)::equals, WAIT, "'✓ connected to " + peer.peerId + "'");
        int pm = peer.mark();
        java.type("over TLS from Java");
        peer.awaitLine(pm, ("RECV " + java.peerId + " over TLS from Java")::equals, WAIT, "Java's line");
        int jm = java.mark();
        peer.type("over TLS from " + peer.kind);
        java.awaitLine(jm, (shortId(peer.peerId) + ": over TLS from " + peer.kind)::equals, WAIT, "the peer's line");
    }

    private InteropPeer peer(Kind kind, String key, String... flags) throws IOException {
        InteropPeer.requireBuilt(kind);
        List<String> args = new ArrayList<>(List.of("-key", key, "-security", kind == Kind.GO ? "default" : "tls"));
        args.addAll(List.of(flags));
        InteropPeer p = InteropPeer.launch(kind, kind + "-tls", args.toArray(String[]::new));
        processes.add(p);
        return p.awaitStarted();
    }

    private AppNode java(String engine, String... extra) throws IOException {
        AppNode n = AppNode.launch("J-" + engine, mods, List.of("-Dlanchat.tls.engine=" + engine), "libp2p", extra);
        processes.add(n);
        return n.awaitStarted();
    }
}
