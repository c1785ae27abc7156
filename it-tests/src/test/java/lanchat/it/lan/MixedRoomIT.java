package lanchat.it.lan;

import static lanchat.it.lan.Rooms.chatLine;
import static lanchat.it.lan.Rooms.mdnsConnected;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.regex.Pattern;
import lanchat.it.ItEnv;
import lanchat.it.LanNetwork;
import lanchat.it.lan.RefPeerContainer.Kind;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.junit.jupiter.Testcontainers;

/**
 * Scenario 7: a mixed room. Two LAN Chat nodes ({@code --transport libp2p}) and one reference
 * peer of {@code interop/} (go-libp2p, or js-libp2p with @libp2p/mdns), each in its own
 * container, all with the same rendezvous and nothing else. The LAN Chat nodes find the reference
 * peer by mDNS and it finds them (its own mDNS implementation, with the same dial rule: the larger
 * id dials at once, the smaller only after a wait in which nothing arrived); after things settle
 * each LAN Chat node reports exactly one connection to it, the reference peer holds exactly one
 * chat stream to each, none is dropped, and every member's line reaches the two others exactly
 * once.
 *
 * <p>{@code -Dit.requireInterop=true} (scripts/test-all.sh) makes a reference peer that
 * interop/build.sh did not build a failure; otherwise that case is skipped.
 */
@Testcontainers(disabledWithoutDocker = true)
@Timeout(240)
class MixedRoomIT {

  @BeforeEach
  void prerequisites() {
    ItEnv.requireImageAndMods();
  }

  @ParameterizedTest(name = "{0}-libp2p peer with two LAN Chat nodes")
  @EnumSource(Kind.class)
  void referencePeerChatsInTheRoom(Kind kind) {
    RefPeerContainer.requireBuilt(kind);
    String room = Rooms.roomName("mixed");
    String nonce = UUID.randomUUID().toString().substring(0, 8);
    try (LanNetwork lan = new LanNetwork("mixed-" + kind)) {
      List<GenericContainer<?>> started = new ArrayList<>();
      try {
        RoomNode alice = new RoomNode("alice", lan, 11, room, "libp2p");
        RoomNode bob = new RoomNode("bob", lan, 12, room, "libp2p");
        RefPeerContainer ref = new RefPeerContainer(kind, kind + "peer", lan, 13, room);
        List<RoomNode> lanchat = List.of(alice, bob);
        started.addAll(List.of(alice, bob, ref));
        long startNs = Rooms.startAll(started);
        Rooms.readIds(lanchat);
        String refId = ref.peerId();
        Rooms.log("mixed %s: parallel start %s; %s peer id %s, listening on %s", kind, Rooms.ms(startNs), kind, refId,
            ref.listenAddress());

        Rooms.awaitMesh(lanchat, Rooms.CONNECT);
        long refReady = ref.arrivalOfPeerId();
        for (RoomNode n : lanchat) {
          try {
            n.awaitLine(mdnsConnected(refId), Rooms.CONNECT);
          } catch (AssertionError e) {
            throw new AssertionError(n.nodeName() + " never connected to the " + kind + " peer\n" + ref.diagnostics(), e);
          }
          ref.awaitLine(RefPeerContainer.connected(n.peerId()), Rooms.CONNECT);
          Rooms.log("mixed %s: %s printed '✓ mDNS connected to %speer' %s after its PEERID line", kind, n.nodeName(), kind,
              Rooms.ms(n.arrival(mdnsConnected(refId), 0) - refReady));
        }

        Rooms.sleep(Rooms.QUIET); // a duplicate connection (both ends dialed) is retired meanwhile
        for (RoomNode n : lanchat) {
          assertEquals(1, n.count(mdnsConnected(refId)),
              n.nodeName() + ": exactly one connection to the " + kind + " peer\n" + n.diagnostics() + "\n" + ref.diagnostics());
          assertEquals(0, n.count(Pattern.compile("✗ disconnected")), n.nodeName() + ": no disconnect\n" + n.diagnostics()
              + "\n" + ref.diagnostics());
          Rooms.log("mixed %s: %s peer printed CONNECTED %d and CLOSED %d time(s) for %s", kind, kind,
              ref.count(RefPeerContainer.connected(n.peerId()), 0), ref.count(RefPeerContainer.closed(n.peerId()), 0),
              n.nodeName());
        }

        // alice -> bob + ref
        String fromAlice = "alice to the mixed room " + nonce;
        alice.send(fromAlice);
        bob.awaitLine(chatLine("alice", fromAlice), Rooms.MESSAGE);
        ref.awaitLine(RefPeerContainer.recv(alice.peerId(), fromAlice), Rooms.MESSAGE);
        // ref -> alice + bob (the reference peers send no nick: LAN Chat shows the id's short form).
        // With one dial rule on both sides there is one chat stream per LAN Chat node (the reference peer writes each
        // line once per connection, interop/README.md), so each line must show up exactly once.
        for (RoomNode n : lanchat) {
          int open = ref.count(RefPeerContainer.connected(n.peerId()), 0) - ref.count(RefPeerContainer.closed(n.peerId()), 0);
          assertEquals(1, open, "the " + kind + " peer must hold exactly one chat stream to " + n.nodeName()
              + " (both sides follow the larger-id-dials rule)\n" + ref.diagnostics());
        }
        String fromRef = kind + " peer says hi " + nonce + " ✓";
        ref.send(fromRef);
        // shown unsigned (no room protocol, no signature), once: straight from the peer or relayed by the other node
        Pattern refLine = Pattern.compile("^\\S+ \\((relayed by \\S+, )?unsigned\\): " + Pattern.quote(fromRef) + "$");
        alice.awaitLine(refLine, Rooms.MESSAGE);
        bob.awaitLine(refLine, Rooms.MESSAGE);
        // bob -> alice + ref
        String fromBob = "bob answers " + nonce;
        bob.send(fromBob);
        alice.awaitLine(chatLine("bob", fromBob), Rooms.MESSAGE);
        ref.awaitLine(RefPeerContainer.recv(bob.peerId(), fromBob), Rooms.MESSAGE);

        Rooms.sleep(java.time.Duration.ofSeconds(2));
        assertEquals(1, bob.count(chatLine("alice", fromAlice)), "bob: alice's line once\n" + bob.diagnostics());
        assertEquals(1, alice.count(chatLine("bob", fromBob)), "alice: bob's line once\n" + alice.diagnostics());
        for (RoomNode n : lanchat) {
          assertEquals(1, n.count(refLine), n.nodeName() + ": the " + kind + " peer's line exactly once\n"
              + n.diagnostics() + "\n" + ref.diagnostics());
        }
        assertEquals(1, ref.count(RefPeerContainer.recv(alice.peerId(), fromAlice), 0),
            kind + " peer: alice's line once\n" + ref.diagnostics());
        assertEquals(1, ref.count(RefPeerContainer.recv(bob.peerId(), fromBob), 0),
            kind + " peer: bob's line once\n" + ref.diagnostics());
      } finally {
        Rooms.stopAll(started);
      }
    }
  }
}
