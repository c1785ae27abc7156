package lanchat.it.lan;

import static lanchat.it.lan.Rooms.chatLine;
import static lanchat.it.lan.Rooms.disconnected;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.regex.Pattern;
import lanchat.it.ItEnv;
import lanchat.it.LanNetwork;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.testcontainers.junit.jupiter.Testcontainers;

/**
 * Scenario 6: in a complete room of three, {@code docker stop} (SIGTERM) carol: she exits with
 * code 0 within the 3 s contract; alice and bob each print {@code ✗ disconnected from carol}
 * promptly (she said goodbye: no keepalive wait), do not dial her again or report her again
 * during {@link Rooms#QUIET}, and still chat with each other.
 */
@Testcontainers(disabledWithoutDocker = true)
@Timeout(240)
class GracefulStopIT {
  static final Duration NOTICE = Duration.ofSeconds(10);
  /** Contract: SIGTERM -> exit 0 within 3 s (plus docker stop's own round trip). */
  static final Duration STOP_BUDGET = Duration.ofMillis(3500);

  @BeforeEach
  void prerequisites() {
    ItEnv.requireImageAndMods();
  }

  @ParameterizedTest(name = "--transport {0}")
  @ValueSource(strings = {"libp2p", "netty"})
  void stoppedNodeLeavesTheRoomCleanly(String transport) {
    String room = Rooms.roomName("stop");
    String nonce = UUID.randomUUID().toString().substring(0, 8);
    try (LanNetwork lan = new LanNetwork("stop-" + transport)) {
      List<RoomNode> nodes = new ArrayList<>();
      try {
        RoomNode alice = new RoomNode("alice", lan, 11, room, transport);
        RoomNode bob = new RoomNode("bob", lan, 12, room, transport);
        RoomNode carol = new RoomNode("carol", lan, 13, room, transport);
        nodes.addAll(List.of(alice, bob, carol));
        Rooms.startAll(nodes);
        Rooms.readIds(nodes);
        Rooms.awaitMesh(nodes, Rooms.CONNECT);

        int ma = alice.mark();
        int mb = bob.mark();
        long t0 = System.nanoTime();
        int exit = carol.stopGracefully();
        assertEquals(0, exit, "carol: exit code after SIGTERM (143 = JVM default for SIGTERM, 137 = killed after 10 s)\n"
            + carol.diagnostics());
        Duration took = carol.lastStopDuration().orElseThrow();
        assertTrue(took.compareTo(STOP_BUDGET) <= 0,
            "carol took " + took.toMillis() + " ms to exit after SIGTERM (contract: 3 s)\n" + carol.diagnostics());
        for (RoomNode n : List.of(alice, bob)) {
          int m = n == alice ? ma : mb;
          n.awaitLine(disconnected(carol.peerId()), NOTICE, m);
          Rooms.log("stop %s: %s printed '✗ disconnected from carol' %s after docker stop was called (carol exited in %d ms)",
              transport, n.nodeName(), Rooms.ms(n.arrival(disconnected(carol.peerId()), m) - t0), took.toMillis());
        }

        Rooms.sleep(Rooms.QUIET);
        for (RoomNode n : List.of(alice, bob)) {
          int m = n == alice ? ma : mb;
          assertEquals(1, n.count(disconnected(carol.peerId()), m), n.nodeName() + ": exactly one drop of carol\n" + n.diagnostics());
          assertEquals(0, n.count(Rooms.anyConnected(carol.peerId()), m),
              n.nodeName() + ": must not connect to the departed carol again\n" + n.diagnostics());
          assertEquals(0, n.count(Pattern.compile("^\\* cannot reach"), m),
              n.nodeName() + ": must not try to redial a peer that left the room\n" + n.diagnostics());
          RoomNode other = n == alice ? bob : alice;
          assertEquals(0, n.count(disconnected(other.peerId())), n.nodeName() + ": must keep " + other.nodeName() + "\n"
              + n.diagnostics());
        }

        String fromAlice = "carol left, alice here " + nonce;
        alice.send(fromAlice);
        bob.awaitLine(chatLine("alice", fromAlice), Rooms.MESSAGE);
        String fromBob = "bob here too " + nonce;
        bob.send(fromBob);
        alice.awaitLine(chatLine("bob", fromBob), Rooms.MESSAGE);
      } finally {
        Rooms.stopAll(nodes);
      }
    }
  }
}
