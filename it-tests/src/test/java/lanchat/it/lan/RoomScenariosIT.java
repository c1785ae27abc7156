package lanchat.it.lan;

import static lanchat.it.lan.Rooms.chatLine;
import static lanchat.it.lan.Rooms.disconnected;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.Volume;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;
import lanchat.it.ChatNodeContainer;
import lanchat.it.ItEnv;
import lanchat.it.LanNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.testcontainers.junit.jupiter.Testcontainers;

/**
 * Issue 14, "Proof": the room log between real nodes in containers on {@code internal} Docker
 * networks.
 *
 * <ul>
 *   <li>{@link #partitionThenLateJoiner}: scenario 1 (a room of four; dave's network is pulled
 *       while all four type, and held off until the others have dropped him, about 30 s of
 *       keepalive: a real partition, not a TCP stall; after the reconnect every node shows every
 *       line exactly once and {@code /history} lists the same lines in the same order on every
 *       node), then scenario 2 (200 more lines; eve joins afterwards and is shown all of them,
 *       each once, as a catch-up block; her {@code /history} equals the others').</li>
 *   <li>{@link #relayAcrossTwoNetworks}: scenario 3 (alice on one network, carol on another, bob
 *       on both; alice and carol cannot reach each other, yet their lines cross both ways, once).</li>
 *   <li>{@link #sigkillDuringBurstThenRestartWithSameIdentityAndData}: scenario 5 (carol, with her
 *       identity and history on a named volume, is SIGKILLed in the middle of a 50-line burst and
 *       restarted in a new container on that volume: every line alice or bob had shown is in her
 *       history, nothing twice; a new line of hers is accepted once by both, so her sequence went
 *       on, since a reused author+seq would be taken for a line they hold; the three
 *       {@code /history} listings are equal).</li>
 *   <li>{@link #goAndJsPlainPeersInTheRoom}: scenario 7 (a go and a js libp2p chat peer with alice
 *       and bob on one network, carol only on a second one with bob: the plain peers' lines reach
 *       all three once, marked unsigned, carol's relayed by a member; alice's line reaches both plain
 *       peers once).</li>
 * </ul>
 * Scenario 4 (mixed transports) is {@code MixedTransportsIT}; scenario 6 (forgery) is {@code RoomForgeryIT} (real node
 * processes on 127.0.0.1 and a test peer built from the project's transport and room codecs).
 */
@Testcontainers(disabledWithoutDocker = true)
@Timeout(360)
class RoomScenariosIT {
  /** Lines each node types while the partition lasts: half at once, half after the drop is noticed. */
  private static final int PER_NODE_IN_PARTITION = 6;
  private static final int LATE_TOTAL = 200;
  /** How long the others may take to notice the partition (keepalive: about 30 s) and to heal. */
  private static final Duration NOTICE = Duration.ofSeconds(75);
  private static final Duration CONVERGE = Duration.ofSeconds(60);
  /** carol's burst in scenario 5: five pastes of ten, within her 60-line burst allowance. */
  private static final int BURST = 50;
  /** Where carol's identity and history live: a named volume, so that they survive her container. */
  private static final String DATA = "/data";

  @Test
  void partitionThenLateJoiner() {
    String nonce = nonce();
    String room = Rooms.roomName("scen");
    try (LanNetwork lan = new LanNetwork("room-scen-part")) {
      List<RoomNode> nodes = new ArrayList<>();
      try {
        RoomNode alice = new RoomNode("alice", lan, 11, room, "libp2p");
        RoomNode bob = new RoomNode("bob", lan, 12, room, "libp2p");
        RoomNode carol = new RoomNode("carol", lan, 13, room, "libp2p");
        RoomNode dave = new RoomNode("dave", lan, 14, room, "libp2p");
        List<RoomNode> four = List.of(alice, bob, carol, dave);
        nodes.addAll(four);
        Rooms.startAll(nodes);
        Rooms.readIds(four);
        Rooms.awaitMesh(four, Rooms.CONNECT);

        // 1. the partition: dave off the LAN while everybody types
        Map<RoomNode, List<String>> said = new LinkedHashMap<>();
        for (RoomNode n : four) said.put(n, new ArrayList<>());
        Map<RoomNode, Integer> marks = new LinkedHashMap<>();
        for (RoomNode n : four) marks.put(n, n.mark());
        long t0 = System.nanoTime();
        Rooms.disconnect(ItEnv.docker(), lan, dave);
        type(four, said, "split-a", nonce, PER_NODE_IN_PARTITION / 2);
        for (RoomNode n : List.of(alice, bob, carol)) {
          n.awaitLine(disconnected(dave.peerId()), NOTICE, marks.get(n));
        }
        long held = System.nanoTime() - t0;
        type(four, said, "split-b", nonce, PER_NODE_IN_PARTITION - PER_NODE_IN_PARTITION / 2);
        Rooms.log("partition: alice, bob and carol dropped dave %s after his network was pulled", Rooms.ms(held));
        Rooms.reconnect(ItEnv.docker(), lan, dave);
        long t1 = System.nanoTime();
        awaitEveryLine(four, said, marks);
        Rooms.log("partition: MEASURED every node showed all %d lines %s after the reconnect",
            4 * PER_NODE_IN_PARTITION, Rooms.ms(System.nanoTime() - t1));
        assertCaughtUp(dave, marks.get(dave), "while dave was away");
        assertExactlyOnce(four, said, marks);
        List<String> reference = history(alice, 4 * PER_NODE_IN_PARTITION, nonce);
        assertEquals(4 * PER_NODE_IN_PARTITION, reference.size(), "alice's /history\n" + alice.diagnostics());
        for (RoomNode n : List.of(bob, carol, dave)) {
          assertEquals(reference, history(n, 4 * PER_NODE_IN_PARTITION, nonce),
              n.nodeName() + "'s /history must list the same lines in the same order as alice's\n" + n.diagnostics());
        }

        // 2. the late joiner: 200 lines later, eve joins and is shown them
        Map<RoomNode, List<String>> late = new LinkedHashMap<>();
        for (RoomNode n : four) late.put(n, new ArrayList<>());
        for (RoomNode n : four) marks.put(n, n.mark());
        type(four, late, "before-eve", nonce, LATE_TOTAL / four.size()); // 50 each: within the 60-line burst
        for (RoomNode n : four) {
          for (RoomNode a : four) {
            if (a != n) n.awaitLine(chatLine(a.nodeName(), last(late.get(a))), CONVERGE, marks.get(n));
          }
        }
        RoomNode eve = new RoomNode("eve", lan, 15, room, "libp2p");
        nodes.add(eve);
        long t2 = System.nanoTime();
        eve.start();
        for (RoomNode a : four) eve.awaitLine(chatLine(a.nodeName(), last(late.get(a))), CONVERGE);
        Rooms.log("late joiner: MEASURED eve showed the last of %d lines %s after her container start",
            LATE_TOTAL, Rooms.ms(System.nanoTime() - t2));
        assertCaughtUp(eve, 0, "eve's join");
        Map<RoomNode, List<String>> forEve = new LinkedHashMap<>(late);
        assertExactlyOnce(List.of(eve), forEve, Map.of(eve, 0));
        List<String> recent = history(alice, 20, nonce);
        assertEquals(20, recent.size(), "alice's /history 20\n" + alice.diagnostics());
        assertEquals(recent, history(eve, 20, nonce), "eve's /history 20 must equal alice's\n" + eve.diagnostics());
      } finally {
        Rooms.stopAll(nodes);
      }
    }
  }

  @Test
  void relayAcrossTwoNetworks() {
    String nonce = nonce();
    try (LanNetwork net1 = new LanNetwork("room-scen-relay1"); LanNetwork net2 = new LanNetwork("room-scen-relay2")) {
      List<ChatNodeContainer> nodes = new ArrayList<>();
      try {
        ChatNodeContainer bob = new ChatNodeContainer("bob", net1, 12, "--nick", "bob", "--port", RoomNode.PORT);
        nodes.add(bob);
        bob.start();
        String bobId = bob.peerId();
        String bobOnNet2 = net2.ip(12);
        Rooms.reconnect(ItEnv.docker(), net2, bob, bobOnNet2); // bob's second interface
        ChatNodeContainer alice = new ChatNodeContainer("alice", net1, 11, "--nick", "alice", "--port", RoomNode.PORT,
            "--peer", "/ip4/" + bob.ip() + "/tcp/" + RoomNode.PORT + "/p2p/" + bobId);
        ChatNodeContainer carol = new ChatNodeContainer("carol", net2, 13, "--nick", "carol", "--port", RoomNode.PORT,
            "--peer", "/ip4/" + bobOnNet2 + "/tcp/" + RoomNode.PORT + "/p2p/" + bobId);
        nodes.add(alice);
        nodes.add(carol);
        Rooms.startAll(List.of(alice, carol));
        for (ChatNodeContainer n : List.of(alice, carol)) {
          n.awaitLine(Rooms.anyConnected(bobId), Rooms.CONNECT);
          bob.awaitLine(Rooms.anyConnected(n.peerId()), Rooms.CONNECT);
        }
        String fromAlice = "alice via bob " + nonce;
        String fromCarol = "carol via bob " + nonce;
        alice.send(fromAlice);
        carol.send(fromCarol);
        long t0 = System.nanoTime();
        carol.awaitLine(chatLine("alice", fromAlice), Rooms.MESSAGE);
        alice.awaitLine(chatLine("carol", fromCarol), Rooms.MESSAGE);
        Rooms.log("relay: MEASURED both lines crossed bob within %s", Rooms.ms(System.nanoTime() - t0));
        bob.awaitLine(chatLine("alice", fromAlice), Rooms.MESSAGE);
        bob.awaitLine(chatLine("carol", fromCarol), Rooms.MESSAGE);
        Rooms.sleep(Duration.ofSeconds(2)); // a duplicate would come right behind the first copy
        assertEquals(1, carol.stdoutLines().stream().filter(l -> chatLine("alice", fromAlice).matcher(l).find()).count(),
            "carol must show alice's line exactly once\n" + carol.diagnostics());
        assertEquals(1, alice.stdoutLines().stream().filter(l -> chatLine("carol", fromCarol).matcher(l).find()).count(),
            "alice must show carol's line exactly once\n" + alice.diagnostics());
        for (ChatNodeContainer[] p : new ChatNodeContainer[][] {{alice, carol}, {carol, alice}}) {
          assertFalse(p[0].stdoutLines().stream().anyMatch(l -> Rooms.anyConnected(p[1].peerId()).matcher(l).find()),
              p[0].nodeName() + " must never connect to " + p[1].nodeName() + " (other network)\n" + p[0].diagnostics());
        }
      } finally {
        Rooms.stopAll(nodes);
      }
    }
  }

  @Test
  void sigkillDuringBurstThenRestartWithSameIdentityAndData() {
    String nonce = nonce();
    String room = Rooms.roomName("scen-kill");
    String volume = "lanchat-it-" + ItEnv.RUN_ID + "-carol-data-" + nonce;
    DockerClient dc = ItEnv.docker();
    try (LanNetwork lan = new LanNetwork("room-scen-kill")) {
      dc.createVolumeCmd().withName(volume).withLabels(ItEnv.labels()).exec();
      List<RoomNode> nodes = new ArrayList<>();
      try {
        RoomNode alice = new RoomNode("alice", lan, 11, room, "libp2p");
        RoomNode bob = new RoomNode("bob", lan, 12, room, "libp2p");
        RoomNode carol = withData(new RoomNode("carol", lan, 13, room, "libp2p", "--identity", DATA + "/id.key", "--data", DATA), volume);
        List<RoomNode> three = List.of(alice, bob, carol);
        nodes.addAll(three);
        Rooms.startAll(nodes);
        Rooms.readIds(three);
        Rooms.awaitMesh(three, Rooms.CONNECT);
        String carolId = carol.peerId();

        // carol pastes five times ten lines; SIGKILL as soon as alice shows a line of the second paste
        Map<RoomNode, Integer> marks = new LinkedHashMap<>();
        for (RoomNode n : List.of(alice, bob)) marks.put(n, n.mark());
        List<String> burst = new ArrayList<>();
        for (int i = 0; i < BURST; i++) burst.add("burst carol " + i + " " + nonce);
        Thread typing = new Thread(() -> {
          for (int p = 0; p < BURST; p += 10) {
            try {
              carol.sendAll(burst.subList(p, p + 10));
              Thread.sleep(150);
            } catch (RuntimeException | InterruptedException e) {
              return; // carol is gone: the burst ends with her
            }
          }
        }, "carol-burst");
        typing.setDaemon(true);
        typing.start();
        alice.awaitLine(chatLine("carol", burst.get(10)), Rooms.MESSAGE, marks.get(alice));
        dc.killContainerCmd(carol.getContainerId()).withSignal("KILL").exec();
        for (RoomNode n : List.of(alice, bob)) n.awaitLine(disconnected(carolId), NOTICE, marks.get(n));
        assertEquals(137L, dc.inspectContainerCmd(carol.getContainerId()).exec().getState().getExitCodeLong(), "carol's exit code");
        java.util.Set<String> acknowledged = new java.util.TreeSet<>();
        for (RoomNode n : List.of(alice, bob)) {
          for (String text : burst) if (n.count(chatLine("carol", text), marks.get(n)) > 0) acknowledged.add(text);
        }
        Rooms.log("kill: alice and bob had shown %d of carol's %d burst lines when she was killed", acknowledged.size(), BURST);

        // the same identity and data directory, a new container at carol's address
        carol.stop();
        RoomNode carol2 = withData(new RoomNode("carol", lan, 13, room, "libp2p", "--identity", DATA + "/id.key", "--data", DATA), volume);
        nodes.add(carol2);
        carol2.start();
        assertEquals(carolId, carol2.peerId(), "restarted carol must keep her peer id");
        for (RoomNode n : List.of(alice, bob)) n.awaitLine(Rooms.mdnsConnected(carolId), Rooms.CONNECT, marks.get(n));
        List<String> kept = history(carol2, 100, nonce);
        List<String> keptTexts = new ArrayList<>();
        for (String l : kept) keptTexts.add(l.substring("carol: ".length()));
        assertEquals(keptTexts.size(), new java.util.HashSet<>(keptTexts).size(), "carol's history has duplicates: " + kept);
        assertTrue(keptTexts.containsAll(acknowledged),
            "lines alice or bob showed before the kill are missing from carol's history after the restart: acknowledged "
                + acknowledged + ", kept " + keptTexts + "\n" + carol2.diagnostics());
        Rooms.log("kill: restarted carol kept %d burst lines (%d had been shown by others)", keptTexts.size(), acknowledged.size());

        // her sequence continues: a reused author+seq would be dropped by alice and bob as already held
        String after = "after restart carol " + nonce;
        carol2.send(after);
        List<String> expected = new ArrayList<>(keptTexts);
        expected.add(after);
        for (RoomNode n : List.of(alice, bob)) {
          for (String text : expected) n.awaitLine(chatLine("carol", text), CONVERGE, marks.get(n));
        }
        Rooms.sleep(Duration.ofSeconds(2));
        for (RoomNode n : List.of(alice, bob)) {
          for (String text : burst) {
            int c = n.count(chatLine("carol", text), marks.get(n));
            assertEquals(keptTexts.contains(text) ? 1 : 0, c, n.nodeName() + " showed '" + text + "' " + c + " times\n" + n.diagnostics());
          }
          assertEquals(1, n.count(chatLine("carol", after), marks.get(n)), n.nodeName() + " must show carol's line after her restart once\n" + n.diagnostics());
        }
        List<String> reference = history(carol2, expected.size(), nonce);
        assertEquals(expected.size(), reference.size(), "carol's /history after her new line\n" + carol2.diagnostics());
        for (RoomNode n : List.of(alice, bob)) {
          assertEquals(reference, history(n, expected.size(), nonce), n.nodeName() + "'s /history must equal carol's\n" + n.diagnostics());
        }
      } finally {
        Rooms.stopAll(nodes);
        try {
          dc.removeVolumeCmd(volume).exec();
        } catch (RuntimeException e) {
          System.err.println("[it] could not remove volume " + volume + ": " + e);
        }
      }
    }
  }

  @Test
  void goAndJsPlainPeersInTheRoom() {
    RefPeerContainer.requireBuilt(RefPeerContainer.Kind.GO);
    RefPeerContainer.requireBuilt(RefPeerContainer.Kind.JS);
    String nonce = nonce();
    String room = Rooms.roomName("scen-plain");
    try (LanNetwork net1 = new LanNetwork("room-scen-plain1"); LanNetwork net2 = new LanNetwork("room-scen-plain2")) {
      List<ChatNodeContainer> nodes = new ArrayList<>();
      try {
        // bob on both networks; carol only on the second, where no plain peer is: she gets their lines relayed
        RoomNode bob = new RoomNode("bob", net1, 12, room, "libp2p");
        nodes.add(bob);
        bob.start();
        String bobId = bob.peerId();
        Rooms.reconnect(ItEnv.docker(), net2, bob, net2.ip(12));
        RoomNode alice = new RoomNode("alice", net1, 11, room, "libp2p");
        RoomNode carol = new RoomNode("carol", net2, 13, room, "libp2p",
            "--peer", "/ip4/" + net2.ip(12) + "/tcp/" + RoomNode.PORT + "/p2p/" + bobId);
        RefPeerContainer go = new RefPeerContainer(RefPeerContainer.Kind.GO, "gopeer", net1, 13, room);
        RefPeerContainer js = new RefPeerContainer(RefPeerContainer.Kind.JS, "jspeer", net1, 14, room);
        nodes.addAll(List.of(alice, carol, go, js));
        Rooms.startAll(List.of(alice, carol, go, js));
        carol.awaitLine(Rooms.anyConnected(bobId), Rooms.CONNECT);
        alice.awaitLine(Rooms.anyConnected(bobId), Rooms.CONNECT);
        for (RefPeerContainer ref : List.of(go, js)) {
          for (RoomNode n : List.of(alice, bob)) {
            n.awaitLine(Rooms.anyConnected(ref.peerId()), Rooms.CONNECT);
            ref.awaitLine(RefPeerContainer.connected(n.peerId()), Rooms.CONNECT);
          }
        }
        Rooms.sleep(Rooms.QUIET); // duplicate connections are retired meanwhile

        Map<RefPeerContainer, String> plain = new LinkedHashMap<>();
        for (RefPeerContainer ref : List.of(go, js)) {
          String text = ref.nodeName() + " says hi " + nonce;
          ref.send(text);
          plain.put(ref, text);
        }
        String fromAlice = "alice to everyone " + nonce;
        alice.send(fromAlice);
        for (Map.Entry<RefPeerContainer, String> e : plain.entrySet()) {
          Pattern any = Pattern.compile("^\\S+ \\((relayed by \\S+, )?unsigned\\): " + Pattern.quote(e.getValue()) + "$");
          // carol is told who relayed it: alice or bob, by short id (a relayer's nick is not the plain peer's word)
          Pattern viaMember = Pattern.compile("^\\S+ \\(relayed by (" + shortId(alice) + "|" + shortId(bob) + "), unsigned\\): "
              + Pattern.quote(e.getValue()) + "$");
          alice.awaitLine(any, Rooms.MESSAGE);
          bob.awaitLine(any, Rooms.MESSAGE);
          carol.awaitLine(viaMember, Rooms.MESSAGE);
        }
        for (RefPeerContainer ref : List.of(go, js)) ref.awaitLine(RefPeerContainer.recv(alice.peerId(), fromAlice), Rooms.MESSAGE);
        carol.awaitLine(chatLine("alice", fromAlice), Rooms.MESSAGE);
        bob.awaitLine(chatLine("alice", fromAlice), Rooms.MESSAGE);
        Rooms.sleep(Duration.ofSeconds(2));
        for (Map.Entry<RefPeerContainer, String> e : plain.entrySet()) {
          Pattern any = Pattern.compile("^\\S+ \\((relayed by \\S+, )?unsigned\\): " + Pattern.quote(e.getValue()) + "$");
          for (RoomNode n : List.of(alice, bob, carol)) {
            assertEquals(1, n.count(any), n.nodeName() + ": the " + e.getKey().nodeName() + "'s line exactly once\n" + n.diagnostics());
          }
        }
        for (RefPeerContainer ref : List.of(go, js)) {
          assertEquals(1, ref.count(RefPeerContainer.recv(alice.peerId(), fromAlice), 0),
              ref.nodeName() + ": alice's line once\n" + ref.diagnostics());
        }
        assertEquals(1, carol.count(chatLine("alice", fromAlice)), "carol: alice's line once\n" + carol.diagnostics());
        assertFalse(carol.stdoutLines().stream().anyMatch(l -> Rooms.anyConnected(go.peerId()).matcher(l).find()
            || Rooms.anyConnected(js.peerId()).matcher(l).find()), "carol must not reach the plain peers\n" + carol.diagnostics());
      } finally {
        Rooms.stopAll(nodes);
      }
    }
  }

  /** The node keeps its identity and history on a named volume that outlives its container. */
  private static RoomNode withData(RoomNode n, String volume) {
    n.withCreateContainerCmdModifier(c -> c.getHostConfig().withBinds(new Bind(volume, new Volume(DATA))));
    return n;
  }

  // ---- helpers ----

  private static String nonce() {
    return UUID.randomUUID().toString().substring(0, 8);
  }

  /** How the app names a peer it knows no signed nick for: the last six characters of its id. */
  private static String shortId(ChatNodeContainer n) {
    return n.peerId().substring(n.peerId().length() - 6);
  }

  private static String last(List<String> l) {
    return l.get(l.size() - 1);
  }

  /** Each node types {@code count} lines (one paste), remembered in {@code said}. */
  private static void type(List<RoomNode> nodes, Map<RoomNode, List<String>> said, String tag, String nonce, int count) {
    for (RoomNode n : nodes) {
      List<String> lines = new ArrayList<>();
      for (int i = 0; i < count; i++) lines.add(tag + " " + n.nodeName() + " " + i + " " + nonce);
      n.sendAll(lines);
      said.get(n).addAll(lines);
    }
  }

  private static void awaitEveryLine(List<RoomNode> nodes, Map<RoomNode, List<String>> said, Map<RoomNode, Integer> marks) {
    long deadline = System.nanoTime() + CONVERGE.toNanos();
    for (RoomNode n : nodes) {
      for (Map.Entry<RoomNode, List<String>> e : said.entrySet()) {
        if (e.getKey() == n) continue;
        for (String text : e.getValue()) {
          n.awaitLine(chatLine(e.getKey().nodeName(), text),
              Duration.ofNanos(Math.max(1_000_000, deadline - System.nanoTime())), marks.get(n));
        }
      }
    }
  }

  /** Every line shown exactly once by every node but its author, who shows it never (after a 2 s wait for duplicates). */
  private static void assertExactlyOnce(List<RoomNode> nodes, Map<RoomNode, List<String>> said, Map<RoomNode, Integer> marks) {
    Rooms.sleep(Duration.ofSeconds(2));
    for (RoomNode n : nodes) {
      for (Map.Entry<RoomNode, List<String>> e : said.entrySet()) {
        for (String text : e.getValue()) {
          int c = n.count(chatLine(e.getKey().nodeName(), text), marks.get(n));
          assertEquals(e.getKey() == n ? 0 : 1, c,
              n.nodeName() + " showed " + e.getKey().nodeName() + "'s line '" + text + "' " + c + " times\n" + n.diagnostics());
        }
      }
    }
  }

  private static void assertCaughtUp(RoomNode n, int from, String what) {
    assertTrue(n.count(Pattern.compile("^— \\d+ messages? while you were away —$"), from) > 0,
        n.nodeName() + " must show a catch-up block after " + what + "\n" + n.diagnostics());
  }

  /** {@code /history N}: the listed lines that carry the nonce, in the order shown. */
  private static List<String> history(RoomNode n, int count, String nonce) {
    int m = n.mark();
    n.send("/history " + count);
    Pattern header = Pattern.compile("^\\* the last (\\d+) lines?:$");
    java.util.regex.Matcher h = n.awaitLine(header, Rooms.MESSAGE, m);
    int shown = Integer.parseInt(h.group(1));
    long deadline = System.nanoTime() + Rooms.MESSAGE.toNanos();
    while (true) {
      List<String> lines = n.stdoutLines();
      int start = -1;
      for (int i = m; i < lines.size(); i++) {
        if (header.matcher(lines.get(i)).matches()) {
          start = i + 1;
          break;
        }
      }
      List<String> listed = new ArrayList<>();
      for (int i = start; i < lines.size() && listed.size() < shown; i++) {
        if (lines.get(i).contains(nonce)) listed.add(lines.get(i));
      }
      if (listed.size() >= Math.min(shown, count) || System.nanoTime() > deadline) return listed;
      Rooms.sleep(Duration.ofMillis(100));
    }
  }
}
