package lanchat.it.lan;

import static lanchat.it.lan.Rooms.chatLine;
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
 * Scenario 3: three rooms on ONE network (same multicast domain): "red" and "green" with two nodes
 * each and "blue" with three, all started at once. Every node connects to each of its room-mates; for
 * {@link Rooms#QUIET} after both rooms are complete (and again after the chat) no node prints
 * any line naming a node of the other room (no connection, no refusal), and a line sent in one
 * room never shows up in the other.
 */
@Testcontainers(disabledWithoutDocker = true)
@Timeout(240)
class RoomIsolationIT {

  @BeforeEach
  void prerequisites() {
    ItEnv.requireImageAndMods();
  }

  @ParameterizedTest(name = "--transport {0}")
  @ValueSource(strings = {"libp2p", "netty"})
  void roomsOnOneLanStayApart(String transport) {
    String red = Rooms.roomName("red");
    String blue = Rooms.roomName("blue");
    String green = Rooms.roomName("green");
    String nonce = UUID.randomUUID().toString().substring(0, 8);
    try (LanNetwork lan = new LanNetwork("isolation-" + transport)) {
      List<RoomNode> all = new ArrayList<>();
      try {
        List<List<RoomNode>> rooms = List.of(
            List.of(new RoomNode("red1", lan, 11, red, transport), new RoomNode("red2", lan, 12, red, transport)),
            List.of(new RoomNode("blue1", lan, 21, blue, transport), new RoomNode("blue2", lan, 22, blue, transport),
                new RoomNode("blue3", lan, 23, blue, transport)),
            List.of(new RoomNode("green1", lan, 31, green, transport), new RoomNode("green2", lan, 32, green, transport)));
        rooms.forEach(all::addAll);
        long startNs = Rooms.startAll(all);
        Rooms.readIds(all);
        long t0 = System.nanoTime();
        for (List<RoomNode> room : rooms) Rooms.awaitMesh(room, Rooms.CONNECT);
        Rooms.log("isolation %s: parallel start of %d %s; all rooms complete %s after the ids were printed",
            transport, all.size(), Rooms.ms(startNs), Rooms.ms(System.nanoTime() - t0));

        Rooms.sleep(Rooms.QUIET);
        assertNoCrossTalk(rooms);

        // chat inside each room: room-mates get it exactly once, the other rooms never
        for (List<RoomNode> room : rooms) Rooms.chatEveryoneToEveryone(room, nonce);
        Rooms.sleep(Rooms.QUIET);
        for (RoomNode from : all) {
          for (RoomNode to : all) {
            if (to.room().equals(from.room())) continue;
            assertEquals(0, to.count(chatLine(from.nodeName(), "hello from " + from.nodeName() + " " + nonce)),
                to.nodeName() + " (room " + to.room() + ") must never see " + from.nodeName() + "'s line\n"
                    + to.diagnostics());
          }
        }
        assertNoCrossTalk(rooms);
        for (RoomNode n : all) {
          assertEquals(0, n.count(Pattern.compile("✗ disconnected")), n.nodeName() + ": no disconnect\n" + n.diagnostics());
        }
      } finally {
        Rooms.stopAll(all);
      }
    }
  }

  /** No node prints a line naming a node of another room; each room-mate is reported connected exactly once. */
  private static void assertNoCrossTalk(List<List<RoomNode>> rooms) {
    for (List<RoomNode> room : rooms) {
      for (RoomNode n : room) {
        for (List<RoomNode> other : rooms) {
          if (other == room) continue;
          for (RoomNode o : other) {
            List<String> lines = n.matching(Pattern.compile(Pattern.quote(o.peerId())), 0);
            assertTrue(lines.isEmpty(), n.nodeName() + " (room " + n.room() + ") printed lines naming "
                + o.nodeName() + " of room " + o.room() + ": " + lines + "\n" + n.diagnostics());
          }
        }
        for (RoomNode mate : room) {
          if (mate == n) continue;
          assertEquals(1, n.count(Rooms.anyConnected(mate.peerId())),
              n.nodeName() + ": exactly one connection report for " + mate.nodeName() + "\n" + n.diagnostics());
        }
      }
    }
  }
}
