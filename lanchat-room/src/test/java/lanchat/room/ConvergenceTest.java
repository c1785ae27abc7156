package lanchat.room;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.LongStream;

import lanchat.room.SimNet.Node;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The property: whatever the interleaving of deliveries, partitions and restarts, once the room heals every node holds
 * the same log in the same order, and showed each message exactly once (live, in a catch-up block, or as its own
 * post), with every catch-up block in room order. Seeded and bounded: 3 to 5 nodes, at most 40 messages, 400 random
 * events per seed.
 */
class ConvergenceTest {
    static final Comparator<RoomMessage> ROOM_ORDER = Comparator.comparingLong(RoomMessage::hlc).thenComparing(RoomMessage::author).thenComparingLong(RoomMessage::seq);

    static LongStream seeds() {
        return LongStream.rangeClosed(1, Long.getLong("convergence.seeds", 24));
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void anyInterleavingConvergesToTheSameLogAndShowsEachMessageOnce(long seed) {
        try (SimNet net = new SimNet(seed)) {
            Random rnd = net.random;
            int n = 3 + rnd.nextInt(3);
            for (int i = 0; i < n; i++) net.add();
            // a connected topology (a random tree plus some extra edges): any of its links may be down for a while
            List<int[]> edges = new ArrayList<>();
            for (int i = 1; i < n; i++) edges.add(new int[] {rnd.nextInt(i), i});
            for (int i = 0; i < n; i++) {
                for (int j = i + 1; j < n; j++) {
                    int a = i, b = j;
                    if (rnd.nextInt(10) < 3 && edges.stream().noneMatch(e -> e[0] == a && e[1] == b)) edges.add(new int[] {a, b});
                }
            }
            for (int[] e : edges) if (rnd.nextBoolean()) net.link(net.nodes.get(e[0]), net.nodes.get(e[1]));
            Map<Integer, List<RoomMessage>> shownBefore = new HashMap<>();
            int posted = 0;
            for (int step = 0; step < 400; step++) {
                int r = rnd.nextInt(100);
                if (r < 10 && posted < 40) {
                    net.nodes.get(rnd.nextInt(n)).post("seed " + seed + " message " + posted++);
                } else if (r < 15) {
                    int[] e = edges.get(rnd.nextInt(edges.size()));
                    Node a = net.nodes.get(e[0]), b = net.nodes.get(e[1]);
                    if (net.isUp(a, b)) net.unlink(a, b);
                    else net.link(a, b);
                } else if (r < 18) {
                    net.advance(rnd.nextInt(3000));
                } else if (r < 19) {
                    // a restart on the same store (same data dir): nothing is shown twice, nothing lost
                    Node old = net.nodes.get(rnd.nextInt(n));
                    shownBefore.computeIfAbsent(old.index, k -> new ArrayList<>()).addAll(old.shown);
                    List<int[]> upLinks = edges.stream().filter(e -> (e[0] == old.index || e[1] == old.index) && net.isUp(net.nodes.get(e[0]), net.nodes.get(e[1]))).toList();
                    net.restart(old, old.store); // what it stored but had not shown yet comes as a block now
                    for (int[] e : upLinks) net.link(net.nodes.get(e[0]), net.nodes.get(e[1]));
                } else if (!net.step()) {
                    net.advance(5);
                }
            }
            for (int[] e : edges) net.link(net.nodes.get(e[0]), net.nodes.get(e[1]));
            net.settle(60_000);

            List<String> reference = net.nodes.get(0).history().stream().map(RoomMessage::id).toList();
            assertEquals(posted, reference.size(), "seed " + seed + ": every message reached node 0");
            for (Node node : net.nodes) {
                String where = "seed " + seed + ", " + node;
                assertEquals(reference, node.history().stream().map(RoomMessage::id).toList(), where + ": the same log in the same order");
                List<RoomMessage> shown = new ArrayList<>(shownBefore.getOrDefault(node.index, List.of()));
                shown.addAll(node.shown);
                List<String> shownIds = shown.stream().map(RoomMessage::id).toList();
                assertEquals(shownIds.size(), new HashSet<>(shownIds).size(), where + ": a message was shown twice");
                assertEquals(new HashSet<>(reference), new HashSet<>(shownIds), where + ": every message shown");
                for (List<RoomMessage> block : node.blocks) assertEquals(block.stream().sorted(ROOM_ORDER).toList(), block, where + ": a block out of room order");
                assertEquals(List.of(), node.rejected, where);
                assertEquals(0, node.pendingCount, where + ": everything delivered");
            }
        }
    }
}
