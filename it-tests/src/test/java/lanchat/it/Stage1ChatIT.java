package lanchat.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.UUID;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.testcontainers.junit.jupiter.Testcontainers;

/**
 * Scenario 1: two nodes on one isolated LAN. B dials A by its printed multiaddr; both report
 * the connection; a line typed in A reaches B and vice versa; SIGTERM (docker stop) ends each
 * node with exit code 0 within 3 s, and the survivor reports the disconnect.
 */
@Testcontainers(disabledWithoutDocker = true)
class Stage1ChatIT {
  static final Duration START = Duration.ofSeconds(60);
  static final Duration CONNECT = Duration.ofSeconds(20);
  static final Duration MESSAGE = Duration.ofSeconds(10);
  static final Duration DISCONNECT = Duration.ofSeconds(10);
  /** Contract: SIGTERM -> exit 0 within 3 s (plus docker stop's own round trip). */
  static final Duration STOP_BUDGET = Duration.ofMillis(3500);
  static final String PORT = "4001";

  @BeforeEach
  void prerequisites() {
    ItEnv.requireImageAndMods();
  }

  @ParameterizedTest(name = "--transport {0}")
  @ValueSource(strings = {"netty", "libp2p"}) // every transport the app ships; add new ones here
  void twoNodesConnectChatAndShutDownCleanly(String transport) {
    String nonce = UUID.randomUUID().toString().substring(0, 8);
    try (LanNetwork lan = new LanNetwork("stage1-" + transport);
         ChatNodeContainer a = new ChatNodeContainer("alice", lan, 11,
             "--transport", transport, "--nick", "alice", "--port", PORT)) {
      a.start();
      String aAddr = a.listenAddress();
      String aId = a.peerId();
      assertTrue(aAddr.startsWith("/ip4/" + a.ip() + "/tcp/" + PORT + "/p2p/"),
          "A's LAN listen address should be its container address " + a.ip() + ":" + PORT
              + ", got " + aAddr + "\n" + a.diagnostics());

      try (ChatNodeContainer b = new ChatNodeContainer("bob", lan, 12,
          "--transport", transport, "--nick", "bob", "--port", PORT, "--peer", aAddr)) {
        b.start();
        String bId = b.peerId();
        assertNotEquals(aId, bId, "two nodes with fresh identities must have different peer ids");

        // both sides report the connection, naming the other
        b.awaitLine(connected(aId), CONNECT);
        a.awaitLine(connected(bId), CONNECT);

        // A -> B
        String fromA = "hello from alice " + nonce;
        a.send(fromA);
        b.awaitText(fromA, MESSAGE);

        // B -> A (non-ASCII on purpose: stdin and stdout must both be UTF-8 end to end)
        String fromB = "hi alice, bob here " + nonce + " — grüße ✓";
        b.send(fromB);
        a.awaitText(fromB, MESSAGE);

        // SIGTERM A: exit 0, promptly; B notices
        int aExit = a.stopGracefully();
        assertEquals(0, aExit, "A: exit code after SIGTERM (143 = JVM default for SIGTERM, "
            + "137 = did not exit within 10 s)\n" + a.diagnostics());
        assertTrue(a.lastStopDuration().orElseThrow().compareTo(STOP_BUDGET) <= 0,
            "A took " + a.lastStopDuration().orElseThrow().toMillis() + " ms to exit after SIGTERM (contract: 3 s)");
        b.awaitLine(disconnected(aId), DISCONNECT);

        // SIGTERM B (now alone): exit 0, promptly
        int bExit = b.stopGracefully();
        assertEquals(0, bExit, "B: exit code after SIGTERM\n" + b.diagnostics());
        assertTrue(b.lastStopDuration().orElseThrow().compareTo(STOP_BUDGET) <= 0,
            "B took " + b.lastStopDuration().orElseThrow().toMillis() + " ms to exit after SIGTERM (contract: 3 s)");
      }
    }
  }

  static Pattern connected(String peerId) {
    return Pattern.compile("✓ connected to " + Pattern.quote(peerId));
  }

  static Pattern disconnected(String peerId) {
    return Pattern.compile("✗ disconnected from " + Pattern.quote(peerId));
  }
}
