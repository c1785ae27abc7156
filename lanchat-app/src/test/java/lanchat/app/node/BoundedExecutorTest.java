package lanchat.app.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

class BoundedExecutorTest {
    final ManualLoop loop = new ManualLoop();
    final AtomicInteger refusals = new AtomicInteger();
    final BoundedExecutor door = new BoundedExecutor(loop, 3, "transport", refusals::incrementAndGet);
    final List<Integer> ran = new ArrayList<>();

    @Test
    void aFullQueueRefusesAtOnceInsteadOfGrowingAndKeepsTheOrderOfWhatItTook() {
        for (int i = 0; i < 3; i++) {
            int n = i;
            door.execute(() -> ran.add(n));
        }
        RejectedExecutionException e = assertThrows(RejectedExecutionException.class, () -> door.execute(() -> ran.add(99)));
        assertEquals("the node thread has 3 events of the transport waiting", e.getMessage());
        assertEquals(1, refusals.get());
        assertEquals(3, door.waiting());

        loop.runReady();
        assertEquals(List.of(0, 1, 2), ran, "what was taken runs, in order; what was refused never does");
        door.execute(() -> ran.add(3)); // room again once the node thread caught up
        loop.runReady();
        assertEquals(List.of(0, 1, 2, 3), ran);
        assertEquals(1, door.refused());
    }

    @Test
    void aShutDownLoopDoesNotLeakACountedSlot() {
        loop.shutdown();
        assertThrows(RejectedExecutionException.class, () -> door.execute(() -> { }));
        assertEquals(0, door.waiting());
        assertEquals(0, refusals.get(), "a closing node is no overload");
    }
}
