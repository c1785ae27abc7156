package lanchat.it.lan;

import static lanchat.it.lan.Rooms.chatLine;
import static lanchat.it.lan.Rooms.mdnsConnected;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.regex.Pattern;
import lanchat.it.ItEnv;
import lanchat.it.LanNetwork;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.testcontainers.junit.jupiter.Testcontainers;

/**
 * Issue 14, "one room across both transports", found by mDNS alone (scenario 4 with {@code --rendezvous} instead of
 * {@code --peer}: {@code MixedTransportsIT}): alice runs {@code --transport netty}, carol {@code --transport libp2p},
 * bob {@code --transport libp2p,netty}, all three in one room on one {@code internal} network. bob's record says
 * which transport listens on which port ({@code lanchat-transports=}), so alice reaches him with netty and carol with
 * libp2p; alice and carol share no transport, never dial each other, and each says so once ({@code skipping …}); their
 * lines cross through bob, once each.
 */
@Testcontainers(disabledWithoutDocker = true)
@Timeout(240)
class MixedTransportsMdnsIT {

  @BeforeEach
  void prerequisites() {
    ItEnv.requireImageAndMods();
  }

  @Test
  void nettyAndLibp2pMembersMeetThroughADualTransportMemberByMdns() {
    String room = Rooms.roomName("mixed-mdns");
    String nonce = UUID.randomUUID().toString().substring(0, 8);
    try (LanNetwork lan = new LanNetwork("mixed-mdns")) {
      List<RoomNode> nodes = new ArrayList<>();
      try {
        RoomNode alice = new RoomNode("alice", lan, 11, room, "netty");
        RoomNode bob = new RoomNode("bob", lan, 12, room, "libp2p,netty");
        RoomNode carol = new RoomNode("carol", lan, 13, room, "libp2p");
        nodes.addAll(List.of(alice, bob, carol));
        Rooms.startAll(nodes);
        Rooms.readIds(nodes);
        for (RoomNode n : List.of(alice, carol)) {
          n.awaitLine(mdnsConnected(bob.peerId()), Rooms.CONNECT);
          bob.awaitLine(mdnsConnected(n.peerId()), Rooms.CONNECT);
        }
        alice.awaitLine(skipping(carol.peerId(), "libp2p"), Rooms.CONNECT);
        carol.awaitLine(skipping(alice.peerId(), "netty"), Rooms.CONNECT);

        String fromAlice = "alice on netty " + nonce, fromCarol = "carol on libp2p " + nonce;
        alice.send(fromAlice);
        carol.send(fromCarol);
        carol.awaitLine(chatLine("alice", fromAlice), Rooms.MESSAGE);
        alice.awaitLine(chatLine("carol", fromCarol), Rooms.MESSAGE);
        bob.awaitLine(chatLine("alice", fromAlice), Rooms.MESSAGE);
        bob.awaitLine(chatLine("carol", fromCarol), Rooms.MESSAGE);

        Rooms.sleep(Duration.ofSeconds(3)); // a duplicate, or a late direct dial, would show by now
        assertEquals(1, carol.count(chatLine("alice", fromAlice)), "exactly once\n" + carol.diagnostics());
        assertEquals(1, alice.count(chatLine("carol", fromCarol)), "exactly once\n" + alice.diagnostics());
        assertEquals(0, alice.count(Rooms.anyConnected(carol.peerId())), "no common transport: never connected\n" + alice.diagnostics());
        assertEquals(0, carol.count(Rooms.anyConnected(alice.peerId())), "no common transport: never connected\n" + carol.diagnostics());
        for (RoomNode n : nodes) {
          assertEquals(0, n.count(Pattern.compile("✗ disconnected")), n.nodeName() + ": no disconnect\n" + n.diagnostics());
        }
        assertEquals(1, alice.count(skipping(carol.peerId(), "libp2p")), "said once\n" + alice.diagnostics());
      } finally {
        Rooms.stopAll(nodes);
      }
    }
  }

  private static Pattern skipping(String peerId, String theirTransport) {
    return Pattern.compile("skipping " + Pattern.quote(peerId) + ": it listens with the " + theirTransport + " transport");
  }
}
