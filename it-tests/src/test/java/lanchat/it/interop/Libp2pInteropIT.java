package lanchat.it.interop;

import static lanchat.it.process.AppNode.shortId;
import static lanchat.it.process.AppNode.unsigned;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import lanchat.it.interop.InteropPeer.Kind;
import lanchat.it.process.AppNode;
import lanchat.it.process.ProcessNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * LAN Chat's libp2p transport against the reference go-libp2p and js-libp2p peers of {@code interop/} (see
 * interop/README.md), all as real processes on 127.0.0.1. The Java side is the real app
 * ({@code java -p mods -m lanchat.app --transport libp2p}), driven through stdin and read through stdout, as users run
 * it; the peers are driven through their stdin/stdout contract ({@code LISTEN}, {@code PEERID}, {@code CONNECTED},
 * {@code RECV}, {@code IDENTIFY}, {@code PING}, {@code CLOSED}).
 *
 * <p>Every scenario runs against both peers: chat in both dial directions (UTF-8, 64 KiB lines, lines larger than the
 * yamux window back to back), ping from each side, identify as the peer sees it, the peer's key type (rsa, ed25519,
 * secp256k1; ecdsa with go only), a peer speaking only /chat/1.0.0, 64 concurrent inbound streams, a peer SIGKILLed
 * mid-stream, and the keepalive (idle peers kept, frozen peers dropped). Java offers TLS first: go meets it on TLS (its
 * default), js on Noise (its default here, after answering na to TLS); TLS with both, on each of Java's TLS engines,
 * is checked explicitly at the end. A peer that is not built fails the test with
 * "run interop/build.sh" when {@code -Dit.requireInterop=true} (scripts/test-all.sh sets it) and skips it otherwise.
 * Java↔Java over libp2p is TwoProcessChatIT's job. {@code -Dit.interop.dump=true} prints every process's output.
 */
@Timeout(120)
class Libp2pInteropIT {
    static final Duration WAIT = Duration.ofSeconds(20);
    /** Java's libp2p keepalive: a ping every 10 s, a peer silent for 30 s is dropped; plus a margin for a loaded machine. */
    static final Duration DISCONNECT_BOUND = Duration.ofSeconds(35);
    static final String UTF8 = "héllo ✓ 你好 🎉";
    static final int BIG = 64 * 1024;
    static final int STREAMS = 64; // go-libp2p's default resource manager resets inbound streams beyond about that

    static Path mods;
    private final List<ProcessNode> processes = new ArrayList<>();

    @BeforeAll
    static void snapshotMods() throws IOException {
        mods = AppNode.snapshotMods("lanchat-it-interop-mods-");
    }

    @AfterAll
    static void deleteSnapshot() throws IOException {
        AppNode.deleteTree(mods);
    }

    @AfterEach
    void killAll() {
        processes.forEach(ProcessNode::kill);
        // -Dit.interop.dump=true: every process's stdout and stderr, also for passing tests
        if (Boolean.getBoolean("it.interop.dump")) processes.forEach(p -> System.out.println("[interop] " + p.name + ":\n" + p.describe()));
    }

    static Stream<Arguments> keyTypes() {
        return Stream.of(
                Arguments.of(Kind.GO, "rsa"), Arguments.of(Kind.GO, "ed25519"), Arguments.of(Kind.GO, "secp256k1"), Arguments.of(Kind.GO, "ecdsa"),
                // js-libp2p cannot make an ECDSA peer id (interop/README.md), so there is no js ecdsa case
                Arguments.of(Kind.JS, "rsa"), Arguments.of(Kind.JS, "ed25519"), Arguments.of(Kind.JS, "secp256k1"));
    }

    // ---- 1. chat, both dial directions ------------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @EnumSource(Kind.class)
    void javaDialsPeerAndTheyChat(Kind kind) throws Exception {
        InteropPeer.requireBuilt(kind);
        InteropPeer peer = peer(kind, "P");
        AppNode java = java("J", "--peer", peer.address);
        awaitConnected(java, peer);
        chatBothWays(java, peer);
        bigLinesBothWays(java, peer);
        stopJavaAndPeerSeesClose(java, peer);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Kind.class)
    void peerDialsJavaAndTheyChat(Kind kind) throws Exception {
        InteropPeer.requireBuilt(kind);
        AppNode java = java("J");
        InteropPeer peer = peer(kind, "P", "-dial", java.address);
        awaitConnected(java, peer);
        chatBothWays(java, peer);
        bigLinesBothWays(java, peer);
        stopJavaAndPeerSeesClose(java, peer);
    }

    // ---- 1b. lines larger than the yamux window, back to back ------------------------------------------------------

    /**
     * Lines typed right after one larger than the peer's yamux receive window (256 KiB) must not be refused while
     * that one is still flowing (the peer is reading; the window only makes it wait for window updates).
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(Kind.class)
    void linesLargerThanTheYamuxWindowBackToBack(Kind kind) throws Exception {
        InteropPeer.requireBuilt(kind);
        InteropPeer peer = peer(kind, "P");
        AppNode java = java("J", "--peer", peer.address);
        awaitConnected(java, peer);
        int pm = peer.mark();
        int jm = java.mark();
        String huge = "y".repeat(1_000_000); // under Java's 1 MiB line limit
        java.type(huge);
        java.type("after the first huge line");
        java.type(huge);
        java.type("after the second huge line");
        String prefix = "RECV " + java.peerId + " ";
        peer.awaitLine(pm, (prefix + "after the second huge line")::equals, WAIT, "the last of four back-to-back lines");
        List<String> got = peer.lines().subList(pm, peer.lines().size()).stream().filter(l -> l.startsWith(prefix))
                .map(l -> summary(l.substring(prefix.length()))).toList();
        assertEquals(List.of(summary(huge), "after the first huge line", summary(huge), "after the second huge line"), got, "lines the peer received, in order");
        assertTrue(java.lines().subList(jm, java.lines().size()).stream().noneMatch(l -> l.startsWith("* could not send")),
                "the app refused a line\n" + java.describe());
    }

    // ---- 1c. a pasted burst arrives in order -------------------------------------------------------------------

    /**
     * 30 lines pasted into LAN Chat right after it connected (before any chat stream exists) and again in steady
     * state reach the go or js peer complete and in the order typed, in both dial directions.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(Kind.class)
    void aPastedBurstArrivesInOrderAtThePeer(Kind kind) throws Exception {
        for (boolean javaDials : new boolean[] {true, false}) {
            InteropPeer peer;
            AppNode java;
            if (javaDials) {
                peer = peer(kind, "P");
                java = java("J", "--peer", peer.address);
            } else {
                java = java("J2");
                peer = peer(kind, "P2", "-dial", java.address);
            }
            awaitConnected(java, peer);
            for (String when : List.of("right after connecting", "in steady state")) {
                List<String> burst = IntStream.range(0, 30).mapToObj(i -> "burst " + when + " " + i).toList();
                int pm = peer.mark();
                java.typeAll(burst);
                String prefix = "RECV " + java.peerId + " ";
                peer.awaitLine(pm, (prefix + burst.get(burst.size() - 1))::equals, WAIT, "the last line of the burst");
                assertEquals(burst, peer.linesAfter(pm, prefix).stream().filter(burst::contains).toList(),
                        "the burst as the " + kind + " peer received it (Java dials: " + javaDials + ")");
            }
            java.kill();
            peer.kill();
        }
    }

    // ---- 2. ping from each side ---------------------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @EnumSource(Kind.class)
    void pingFromEachSide(Kind kind) throws Exception {
        InteropPeer.requireBuilt(kind);
        InteropPeer peer = peer(kind, "P", "-ping"); // pings once on every new connection
        AppNode java = java("J", "--peer", peer.address);
        awaitConnected(java, peer);
        String ping = peer.awaitLine(0, l -> l.matches("PING " + java.peerId + " \\d+"), WAIT, "PING " + java.peerId + " <micros>");
        long micros = Long.parseLong(ping.substring(ping.lastIndexOf(' ') + 1));
        assertTrue(micros < 15_000_000, "the peer's ping of Java took " + micros + " µs");

        int mark = java.mark();
        java.type("/ping");
        java.awaitLine(mark, l -> l.matches("\\* ping " + shortId(peer.peerId) + ": \\d+\\.\\d{3} ms"), WAIT,
                "'* ping " + shortId(peer.peerId) + ": … ms'");
    }

    // ---- 3. identify ----------------------------------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @EnumSource(Kind.class)
    void peerSeesJavasIdentify(Kind kind) throws Exception {
        InteropPeer.requireBuilt(kind);
        InteropPeer peer = peer(kind, "P");
        AppNode java = java("J", "--peer", peer.address);
        String prefix = "IDENTIFY " + java.peerId + " agent=";
        String line = peer.awaitLine(0, l -> l.startsWith(prefix), WAIT, "'" + prefix + "…'");
        int at = line.indexOf(" protocols=");
        assertTrue(at > 0, "no protocols= in " + line);
        String agent = line.substring(prefix.length(), at);
        Set<String> protocols = new TreeSet<>(List.of(line.substring(at + " protocols=".length()).split(",")));
        assertTrue(agent.startsWith("lanchat/"), "agent version '" + agent + "' seen by " + kind + "-libp2p");
        assertTrue(protocols.containsAll(List.of("/chat/1.1.0", "/chat/1.0.0", "/ipfs/id/1.0.0", "/ipfs/ping/1.0.0")),
                "protocols seen by " + kind + "-libp2p: " + protocols);
        awaitConnected(java, peer);
    }

    // ---- 4. peer key types ----------------------------------------------------------------------------------------

    /**
     * Java verifies the peer's identity key in the Noise handshake as initiator (Java dials) and as responder (the peer
     * dials). secp256k1, which the JDK lacks, is verified by lanchat-crypto-bc, loaded from mods/lazy/ only then: the
     * node loads BouncyCastle's classes for that key type and for no other.
     */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("keyTypes")
    void peerKeyType(Kind kind, String key) throws Exception {
        InteropPeer.requireBuilt(kind);
        InteropPeer listener = peer(kind, "P-" + key + "-listens", "-key", key);
        // the peer id shows the key type: identity multihash of a protobuf key (Ed25519 "12D3KooW", secp256k1
        // "16Uiu2"), or sha2-256 of a longer one (RSA, ECDSA: "Qm")
        String idPrefix = switch (key) {
            case "ed25519" -> "12D3KooW";
            case "secp256k1" -> "16Uiu2";
            default -> "Qm";
        };
        assertTrue(listener.peerId.startsWith(idPrefix), key + " peer id " + listener.peerId);
        Path classLog = Files.createTempFile("lanchat-it-classes-", ".log");
        try {
            peerKeyType(kind, key, listener, classLog);
        } finally {
            Files.deleteIfExists(classLog);
        }
    }

    private void peerKeyType(Kind kind, String key, InteropPeer listener, Path classLog) throws Exception {
        AppNode java = AppNode.launch("J", mods, AppNode.logClassLoading(classLog), "libp2p", "--peer", listener.address);
        processes.add(java);
        java.awaitStarted();
        awaitConnectedWithKey(java, listener, key, "Java dials the " + kind + " peer");
        chatBothWays(java, listener);

        InteropPeer dialer = peer(kind, "P-" + key + "-dials", "-key", key, "-dial", java.address);
        awaitConnectedWithKey(java, dialer, key, "the " + kind + " peer dials Java");
        int mark = java.mark();
        dialer.type("hi from the dialing " + key + " peer");
        java.awaitLine(mark, (unsigned(dialer.peerId) + "hi from the dialing " + key + " peer")::equals, WAIT, "the dialing peer's line");

        java.quit();
        java.assertExitedCleanly();
        List<String> lazy = AppNode.lazyCryptoClasses(classLog);
        if (key.equals("secp256k1")) {
            assertTrue(lazy.stream().anyMatch(l -> l.contains(" lanchat.crypto.bc.BcSecp256k1Verifier source: ") && l.contains("/lazy/lanchat-crypto-bc")), String.join("\n", lazy));
            assertTrue(lazy.stream().anyMatch(l -> l.contains(" org.bouncycastle.crypto.signers.ECDSASigner source: ") && l.contains("/lazy/bcprov-jdk18on")), String.join("\n", lazy));
        } else {
            assertEquals(List.of(), lazy, "a " + key + " peer needs no lazily loaded crypto");
        }
    }

    // ---- 5. chat protocol fallback --------------------------------------------------------------------------------

    /**
     * A peer that speaks /chat/1.0.0 (go-libp2p's examples/chat) rather than /chat/1.1.0 (chat-with-mdns): Java
     * accepts its /chat/1.0.0 stream and answers on it. (Both reference peers always SERVE both versions, so Java's
     * own "/chat/1.1.0 → na → /chat/1.0.0" fallback as a dialer cannot be provoked with them.)
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(Kind.class)
    void peerSpeakingOnlyChat100(Kind kind) throws Exception {
        InteropPeer.requireBuilt(kind);
        AppNode java = java("J");
        InteropPeer peer = peer(kind, "P", "-pid", "/chat/1.0.0", "-dial", java.address);
        awaitConnected(java, peer);
        chatBothWays(java, peer);
        // both peers log "chat stream <direction> <protocol> with <peer>" on stderr for every chat stream
        peer.awaitStderr(l -> l.matches("(?i).*chat stream outbound /chat/1\\.0\\.0 with " + java.peerId), WAIT, "an outbound /chat/1.0.0 stream");
        assertTrue(peer.stderrLines().stream().noneMatch(l -> l.contains("/chat/1.1.0 with " + java.peerId)),
                "Java opened a /chat/1.1.0 stream although the peer chose /chat/1.0.0\n" + peer.describe());
    }

    // ---- 6. many concurrent streams -------------------------------------------------------------------------------

    /**
     * The peer's {@code /streams 64} opens 64 more chat streams to Java at once and sends {@code stream-<i>} on each.
     * Java reads every inbound chat stream, so all 64 lines must come out of the app. Java does not echo, so the
     * peer's own STREAMS-OK (which needs {@code echo: stream-<i>} back on each stream) cannot happen and is not
     * waited for; afterwards the connection must still carry chat both ways.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(Kind.class)
    void manyConcurrentInboundStreams(Kind kind) throws Exception {
        InteropPeer.requireBuilt(kind);
        AppNode java = java("J");
        InteropPeer peer = peer(kind, "P", "-dial", java.address);
        awaitConnected(java, peer);
        int mark = java.mark();
        peer.type("/streams " + STREAMS);
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        for (int i = 0; i < STREAMS; i++) {
            String expected = unsigned(peer.peerId) + "stream-" + i;
            java.awaitLine(mark, expected::equals, Duration.ofNanos(Math.max(1, deadline - System.nanoTime())), "'" + expected + "' (all "
                    + STREAMS + " streams' lines within 30 s)");
        }
        assertTrue(peer.lines().stream().noneMatch(l -> l.startsWith("STREAMS-FAIL")), "streams failed early (reset by Java?)\n" + peer.describe());
        chatBothWays(java, peer);
    }

    // ---- 7. a peer that dies mid-stream ---------------------------------------------------------------------------

    /**
     * SIGKILL while the peer sends ~1 MB lines: the kernel ends the TCP connection at once, so this proves the prompt
     * path (Java counts a plain end of stream as an orderly close and reports it after PeerManager's 500 ms grace),
     * not the keepalive; {@link #idlePeersOutliveTheKeepaliveBoundAndFrozenPeersAreDropped} covers that.
     */

    @ParameterizedTest(name = "{0}")
    @EnumSource(Kind.class)
    void peerKilledMidStreamIsReportedAndJavaKeepsRunning(Kind kind) throws Exception {
        InteropPeer.requireBuilt(kind);
        AppNode java = java("J");
        InteropPeer victim = peer(kind, "P-victim", "-dial", java.address);
        awaitConnected(java, victim);

        int mark = java.mark();
        for (int i = 0; i < 4; i++) victim.type("/bigline 1000000"); // ~4 MB in lines just under Java's 1 MiB limit
        String bigPrefix = unsigned(victim.peerId) + "xxxxxxxx";
        java.awaitLine(mark, l -> l.startsWith(bigPrefix), WAIT, "the first big line");
        long killed = System.nanoTime();
        victim.process.destroyForcibly(); // SIGKILL
        String disconnected = "✗ disconnected from " + victim.peerId;
        java.awaitLine(mark, l -> l.startsWith(disconnected), DISCONNECT_BOUND, "'" + disconnected + "' within " + DISCONNECT_BOUND.toSeconds() + " s of SIGKILL");
        long ms = (System.nanoTime() - killed) / 1_000_000;
        System.out.printf("[interop] %s peer SIGKILLed mid-stream: Java reported the disconnect after %d ms%n", kind, ms);
        assertTrue(java.process.isAlive(), "the app died with the peer\n" + java.describe());

        InteropPeer second = peer(kind, "P-second", "-dial", java.address);
        awaitConnected(java, second);
        chatBothWays(java, second);
        assertTrue(java.stderrLines().stream().noneMatch(l -> l.matches("\\s+at .*") || l.startsWith("Exception in thread")),
                "the app printed a stack trace\n" + java.describe());
    }

    // ---- 7b. keepalive: idle peers stay, frozen peers go --------------------------------------------------------

    /**
     * One app, four peers that dialed it: a go and a js peer that stay idle, and a go and a js peer that are frozen
     * (SIGSTOP: the kernel still ACKs, so only the keepalive can notice). The frozen ones must be reported within
     * {@link #DISCONNECT_BOUND} (Java pings a silent connection every 10 s and drops it after 30 s without a read);
     * the idle ones must still be connected and chatting after more than that (js-libp2p also pings Java every 10 s
     * and drops the connection when a ping fails). Both stacks in one test so the long wait is paid once.
     */
    @Test
    void idlePeersOutliveTheKeepaliveBoundAndFrozenPeersAreDropped() throws Exception {
        InteropPeer.requireBuilt(Kind.GO);
        InteropPeer.requireBuilt(Kind.JS);
        AppNode java = java("J");
        InteropPeer goIdle = peer(Kind.GO, "idle", "-dial", java.address);
        InteropPeer jsIdle = peer(Kind.JS, "idle", "-dial", java.address);
        InteropPeer goFrozen = peer(Kind.GO, "frozen", "-dial", java.address);
        InteropPeer jsFrozen = peer(Kind.JS, "frozen", "-dial", java.address);
        for (InteropPeer p : List.of(goIdle, jsIdle, goFrozen, jsFrozen)) awaitConnected(java, p);
        long idleSince = System.nanoTime();

        signal("STOP", goFrozen, jsFrozen);
        long frozenAt = System.nanoTime();
        for (InteropPeer p : List.of(goFrozen, jsFrozen)) {
            String gone = "✗ disconnected from " + p.peerId;
            Duration left = DISCONNECT_BOUND.minusNanos(System.nanoTime() - frozenAt);
            java.awaitLine(0, l -> l.startsWith(gone), left.isNegative() ? Duration.ZERO : left,
                    "'" + gone + "' (" + p.kind + " peer frozen by SIGSTOP) within " + DISCONNECT_BOUND.toSeconds() + " s");
            System.out.printf("[interop] frozen %s peer reported after %d ms%n", p.kind, (System.nanoTime() - frozenAt) / 1_000_000);
        }

        // the idle peers have been idle longer than Java's idle timeout (30 s) and three js connection-monitor pings
        long idleMs = (System.nanoTime() - idleSince) / 1_000_000;
        if (idleMs < 32_000) Thread.sleep(32_000 - idleMs); // bounded; only reached when the frozen peers went early
        for (InteropPeer p : List.of(goIdle, jsIdle)) {
            List<String> gone = java.lines().stream().filter(l -> l.startsWith("✗ disconnected from " + p.peerId)).toList();
            assertTrue(gone.isEmpty(), "the idle " + p.kind + " peer was disconnected: " + gone + "\n" + java.describe() + "\n" + p.describe());
            assertTrue(p.lines().stream().noneMatch(("CLOSED " + java.peerId)::equals), "the idle " + p.kind + " peer's chat stream ended\n" + p.describe());
            chatBothWays(java, p);
        }
        assertTrue(java.process.isAlive(), "the app died\n" + java.describe());
    }

    // ---- helpers --------------------------------------------------------------------------------------------------

    private InteropPeer peer(Kind kind, String name, String... flags) throws IOException {
        InteropPeer.requireBuilt(kind);
        InteropPeer p = InteropPeer.launch(kind, kind + "-" + name, flags);
        processes.add(p);
        return p.awaitStarted();
    }

    private AppNode java(String name, String... extra) throws IOException {
        AppNode n = AppNode.launch(name, mods, "libp2p", extra);
        processes.add(n);
        return n.awaitStarted();
    }

    /** A long line as "<n × c>" when it is one repeated character, so that assertion messages stay readable. */
    private static String summary(String line) {
        if (line.length() < 1000) return line;
        char c = line.charAt(0);
        return line.chars().allMatch(x -> x == c) ? "<" + line.length() + " × " + c + ">" : ProcessNode.abbreviate(line);
    }

    // ---- TLS (/tls/1.0.0), both dial directions, on each of Java's TLS engines ------------------------------------

    /**
     * go-libp2p with its default security (TLS first, as Java offers it) and js-libp2p with {@code @libp2p/tls}. Each
     * peer prints how the connection was secured ({@code SECURITY <peer> /tls/1.0.0 /yamux/1.0.0}: the muxer agreed
     * by ALPN), so a silent fall-back to Noise fails the test (the other tests here meet js on Noise, its default). The
     * JDK's engine is not paired with js: SunJSSE parses the peer's certificate before any trust manager sees it and
     * refuses js's empty names (lanchat-security-tls/README.md); BoringSSL hands over the bytes.
     */
    static Stream<Arguments> tlsPairs() {
        return Stream.of(Arguments.of(Kind.GO, "openssl", "ed25519"), Arguments.of(Kind.GO, "openssl", "rsa"), Arguments.of(Kind.GO, "jdk", "ed25519"),
                Arguments.of(Kind.JS, "openssl", "ed25519"), Arguments.of(Kind.JS, "openssl", "rsa"));
    }

    @ParameterizedTest(name = "{0} {2}, Java on {1}")
    @MethodSource("tlsPairs")
    void javaDialsThePeerOverTls(Kind kind, String engine, String key) throws Exception {
        InteropPeer peer = tlsPeer(kind, key);
        AppNode java = javaOn(engine, "--peer", peer.address);
        chatsOverTls(java, peer);
    }

    @ParameterizedTest(name = "{0} {2}, Java on {1}")
    @MethodSource("tlsPairs")
    void thePeerDialsJavaOverTls(Kind kind, String engine, String key) throws Exception {
        AppNode java = javaOn(engine);
        InteropPeer peer = tlsPeer(kind, key, "-dial", java.address);
        chatsOverTls(java, peer);
    }

    private void chatsOverTls(AppNode java, InteropPeer peer) {
        peer.awaitLine(0, ("SECURITY " + java.peerId + " /tls/1.0.0 /yamux/1.0.0")::equals, WAIT, "a TLS connection with yamux by ALPN");
        awaitConnected(java, peer);
        chatBothWays(java, peer);
    }

    private InteropPeer tlsPeer(Kind kind, String key, String... flags) throws IOException {
        List<String> args = new ArrayList<>(List.of("-key", key, "-security", kind == Kind.GO ? "default" : "tls"));
        args.addAll(List.of(flags));
        return peer(kind, "tls", args.toArray(String[]::new));
    }

    private AppNode javaOn(String tlsEngine, String... extra) throws IOException {
        AppNode n = AppNode.launch("J-" + tlsEngine, mods, List.of("-Dlanchat.tls.engine=" + tlsEngine), "libp2p", extra);
        processes.add(n);
        return n.awaitStarted();
    }

    /** Sends a signal (STOP, CONT, …) to the peers' processes. */
    private static void signal(String name, InteropPeer... peers) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("kill", "-" + name));
        for (InteropPeer p : peers) cmd.add(Long.toString(p.process.pid()));
        Process kill = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        assertTrue(kill.waitFor(5, java.util.concurrent.TimeUnit.SECONDS) && kill.exitValue() == 0, "kill -" + name + " " + cmd);
    }

    private static void awaitConnected(AppNode java, InteropPeer peer) {
        peer.awaitLine(0, ("CONNECTED " + java.peerId)::equals, WAIT, "CONNECTED " + java.peerId);
        java.awaitLine(0, ("✓ connected to " + peer.peerId)::equals, WAIT, "'✓ connected to " + peer.peerId + "'");
    }

    /** Like {@link #awaitConnected}, but fails at once, with a clear message, when Java rejects the peer's key. */
    private static void awaitConnectedWithKey(AppNode java, InteropPeer peer, String key, String direction) {
        String connected = "✓ connected to " + peer.peerId;
        String line = java.awaitAny(0, l -> l.equals(connected) || l.startsWith("* cannot reach"),
                l -> l.contains("handshake") && l.contains("failed"), WAIT, "'" + connected + "' (" + direction + ")");
        if (!line.equals(connected)) {
            if (key.equals("secp256k1") && line.matches("(?i).*secp256k1 keys need .*")) {
                fail("Java cannot load its secp256k1 verifier from mods/lazy/ (" + direction + "): " + line + "\n" + java.describe());
            }
            fail("Java could not connect to the " + peer.kind + " peer with a " + key + " key (" + direction + "): " + line + "\n" + java.describe()
                    + "\n" + peer.describe());
        }
        peer.awaitLine(0, ("CONNECTED " + java.peerId)::equals, WAIT, "CONNECTED " + java.peerId);
    }

    /** A UTF-8 line each way. */
    private static void chatBothWays(AppNode java, InteropPeer peer) {
        int pm = peer.mark();
        java.type(UTF8 + " from Java");
        peer.awaitLine(pm, ("RECV " + java.peerId + " " + UTF8 + " from Java")::equals, WAIT, "Java's UTF-8 line");
        int jm = java.mark();
        peer.type(UTF8 + " from " + peer.kind);
        java.awaitLine(jm, (unsigned(peer.peerId) + UTF8 + " from " + peer.kind)::equals, WAIT, "the peer's UTF-8 line");
    }

    /** A 64 KiB line each way, arriving whole. */
    private static void bigLinesBothWays(AppNode java, InteropPeer peer) {
        String big = "x".repeat(BIG);
        int jm = java.mark();
        peer.type("/bigline " + BIG);
        java.awaitLine(jm, (unsigned(peer.peerId) + big)::equals, WAIT, "the peer's 64 KiB line, whole");
        int pm = peer.mark();
        java.type(big);
        peer.awaitLine(pm, ("RECV " + java.peerId + " " + big)::equals, WAIT, "Java's 64 KiB line, whole");
    }

    /** SIGTERM: the app exits 0 within 3 s, and the peer sees the chat stream end. */
    private static void stopJavaAndPeerSeesClose(AppNode java, InteropPeer peer) throws InterruptedException {
        int pm = peer.mark();
        java.terminate();
        java.assertExitedCleanly();
        peer.awaitLine(pm, ("CLOSED " + java.peerId)::equals, WAIT, "CLOSED " + java.peerId);
    }
}
