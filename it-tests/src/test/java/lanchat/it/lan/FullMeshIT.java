package lanchat.it.lan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
 * Scenario 4: six nodes in one room, their containers started in parallel (everyone discovers
 * everyone at about the same moment: the worst case for duplicate dials). Exactly one connection
 * per pair: each node prints {@code ✓ mDNS connected to} exactly once for each of the five others
 * and no other connection line, never {@code ✗ disconnected}, nothing refused; one line from each
 * node reaches each of the five others exactly once.
 */
@Testcontainers(disabledWithoutDocker = true)
@Timeout(300)
class FullMeshIT {
  static final int NODES = 6;

  @BeforeEach
  void prerequisites() {
    ItEnv.requireImageAndMods();
  }

  @ParameterizedTest(name = "--transport {0}")
  @ValueSource(strings = {"libp2p", "netty"})
  void sixNodesStartedTogetherFormOneConnectionPerPair(String transport) {
    String room = Rooms.roomName("mesh");
    String nonce = UUID.randomUUID().toString().substring(0, 8);
    try (LanNetwork lan = new LanNetwork("mesh-" + transport)) {
      List<RoomNode> nodes = new ArrayList<>();
      try {
        for (int i = 1; i <= NODES; i++) nodes.add(new RoomNode("n" + i, lan, 10 + i, room, transport));
        long startNs = Rooms.startAll(nodes);
        Rooms.readIds(nodes);
        long t0 = System.nanoTime();
        Rooms.awaitMesh(nodes, Rooms.CONNECT);
        long meshNs = System.nanoTime() - t0;
        // from the last "Joined room" to the last "✓ mDNS connected" line, by arrival time
        long lastJoined = nodes.stream().mapToLong(n -> n.arrival(Pattern.compile("^Joined room"), 0)).max().orElseThrow();
        long lastConnected = 0;
        for (RoomNode n : nodes) {
          for (RoomNode o : nodes) {
            if (o != n) lastConnected = Math.max(lastConnected, n.arrival(Rooms.mdnsConnected(o.peerId()), 0));
          }
        }
        Rooms.log("mesh %s: parallel start of %d %s; last 'Joined room' -> last of 30 '✓ mDNS connected' %s"
                + " (mesh complete %s after the ids were printed)",
            transport, NODES, Rooms.ms(startNs), Rooms.ms(lastConnected - lastJoined), Rooms.ms(meshNs));

        Rooms.sleep(Rooms.QUIET); // a duplicate connection or a late replacement would show up here
        Pattern anyConnectLine = Pattern.compile("connected to ");
        for (RoomNode n : nodes) {
          for (RoomNode o : nodes) {
            if (o == n) continue;
            assertEquals(1, n.count(Rooms.mdnsConnected(o.peerId())),
                n.nodeName() + ": '✓ mDNS connected to' " + o.nodeName() + " exactly once\n" + n.diagnostics());
          }
          assertEquals(NODES - 1, n.count(anyConnectLine),
              n.nodeName() + ": exactly " + (NODES - 1) + " connection lines\n" + n.diagnostics());
          assertEquals(0, n.count(Pattern.compile("✗ disconnected")), n.nodeName() + ": no disconnect\n" + n.diagnostics());
          assertEquals(0, n.count(Pattern.compile("^\\* refused")), n.nodeName() + ": nobody refused\n" + n.diagnostics());
        }

        Rooms.chatEveryoneToEveryone(nodes, nonce);
        for (RoomNode n : nodes) {
          assertEquals(0, n.count(Pattern.compile("✗ disconnected")), n.nodeName() + ": no disconnect\n" + n.diagnostics());
          assertTrue(n.count(Pattern.compile("^\\* (could not send|no peers connected)")) == 0,
              n.nodeName() + ": every send went out\n" + n.diagnostics());
        }
      } finally {
        Rooms.stopAll(nodes);
      }
    }
  }
}
