package lanchat.it.lan;

import static lanchat.it.lan.Rooms.chatLine;
import static lanchat.it.lan.Rooms.mdnsConnected;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

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
 * Scenario 2: two containers join the same room with {@code --rendezvous}, nothing else. Each
 * finds the other by mDNS; both print {@code ✓ mDNS connected to <other>} exactly once; a line
 * typed in either reaches the other exactly once; no disconnect happens meanwhile.
 */
@Testcontainers(disabledWithoutDocker = true)
@Timeout(240)
class Stage2MdnsChatIT {

  @BeforeEach
  void prerequisites() {
    ItEnv.requireImageAndMods();
  }

  static List<String> burst(String tag) {
    return java.util.stream.IntStream.range(0, 30).mapToObj(i -> "burst " + tag + " " + i).toList();
  }

  /** Waits for the burst's last line at {@code to}, then checks that its lines came once each, in order. */
  static void assertBurst(RoomNode to, int mark, String fromNick, List<String> sent) {
    to.awaitLine(chatLine(fromNick, sent.get(sent.size() - 1)), Rooms.MESSAGE, mark);
    String prefix = fromNick + ": ";
    List<String> lines = to.stdoutLines();
    List<String> got = lines.subList(mark, lines.size()).stream()
        .filter(l -> l.startsWith(prefix)).map(l -> l.substring(prefix.length())).filter(sent::contains).toList();
    assertEquals(sent, got, to.nodeName() + ": the burst from " + fromNick + ", in order\n" + to.diagnostics());
  }

  @ParameterizedTest(name = "--transport {0}")
  @ValueSource(strings = {"libp2p", "netty"})
  void twoNodesFindEachOtherByMdnsAndChat(String transport) {
    String room = Rooms.roomName("stage2");
    String nonce = UUID.randomUUID().toString().substring(0, 8);
    try (LanNetwork lan = new LanNetwork("stage2-" + transport)) {
      List<RoomNode> nodes = new ArrayList<>();
      try {
        RoomNode a = new RoomNode("alice", lan, 11, room, transport);
        RoomNode b = new RoomNode("bob", lan, 12, room, transport);
        nodes.addAll(List.of(a, b));
        long startNs = Rooms.startAll(nodes);
        Rooms.readIds(nodes);
        assertNotEquals(a.peerId(), b.peerId());
        a.awaitJoined();
        b.awaitJoined();

        Rooms.awaitMesh(nodes, Rooms.CONNECT);
        long joined = Math.max(a.arrival(Pattern.compile("Joined room"), 0), b.arrival(Pattern.compile("Joined room"), 0));
        long connected = Math.max(a.arrival(mdnsConnected(b.peerId()), 0), b.arrival(mdnsConnected(a.peerId()), 0));
        Rooms.log("stage2 %s: parallel start %s; both joined -> both '✓ mDNS connected' %s",
            transport, Rooms.ms(startNs), Rooms.ms(connected - joined));

        String fromA = "hello bob, alice here " + nonce;
        a.send(fromA);
        b.awaitLine(chatLine("alice", fromA), Rooms.MESSAGE);
        String fromB = "hi alice " + nonce + " — grüße ✓";
        b.send(fromB);
        a.awaitLine(chatLine("bob", fromB), Rooms.MESSAGE);

        // a pasted burst each way: every line arrives, in the order typed (issue: the first line came last)
        List<String> burstA = burst("from alice " + nonce), burstB = burst("from bob " + nonce);
        int markA = a.mark(), markB = b.mark();
        a.sendAll(burstA);
        b.sendAll(burstB);
        assertBurst(b, markB, "alice", burstA);
        assertBurst(a, markA, "bob", burstB);

        Rooms.sleep(Rooms.QUIET);
        for (RoomNode n : nodes) {
          RoomNode other = n == a ? b : a;
          assertEquals(1, n.count(mdnsConnected(other.peerId())),
              n.nodeName() + ": exactly one '✓ mDNS connected to' the other\n" + n.diagnostics());
          assertEquals(0, n.count(Pattern.compile("✗ disconnected")),
              n.nodeName() + ": no disconnect\n" + n.diagnostics());
          assertEquals(0, n.count(Pattern.compile("^\\* refused")),
              n.nodeName() + ": nobody refused\n" + n.diagnostics());
        }
        assertEquals(1, b.count(chatLine("alice", fromA)), "exactly once\n" + b.diagnostics());
        assertEquals(1, a.count(chatLine("bob", fromB)), "exactly once\n" + a.diagnostics());
      } finally {
        Rooms.stopAll(nodes);
      }
    }
  }
}
