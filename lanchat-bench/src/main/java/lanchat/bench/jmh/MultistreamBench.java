package lanchat.bench.jmh;

import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import lanchat.transport.libp2p.multistream.MultistreamSelectHandler;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * One multistream-select 1.0.0 negotiation of {@code /chat/1.1.0}, both sides, on two back-to-back
 * {@link EmbeddedChannel}s: what every new stream (chat, identify, ping) costs in CPU besides the round trip.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class MultistreamBench {
    private static final Set<String> SUPPORTED = Set.of("/chat/1.1.0", "/chat/1.0.0", "/ipfs/id/1.0.0", "/ipfs/id/push/1.0.0", "/ipfs/ping/1.0.0");

    @Benchmark
    public boolean negotiate() {
        MultistreamSelectHandler init = MultistreamSelectHandler.initiator(List.of("/chat/1.1.0"));
        EmbeddedChannel a = new EmbeddedChannel(init);
        EmbeddedChannel b = new EmbeddedChannel(MultistreamSelectHandler.responder(SUPPORTED));
        for (int round = 0; round < 16 && !init.selection().isDone(); round++) {
            move(a, b);
            move(b, a);
        }
        boolean ok = init.selection().isSuccess();
        a.finishAndReleaseAll();
        b.finishAndReleaseAll();
        if (!ok) throw new IllegalStateException("negotiation failed");
        return ok;
    }

    private static void move(EmbeddedChannel from, EmbeddedChannel to) {
        for (Object m; (m = from.readOutbound()) != null; ) {
            if (to.isOpen()) to.writeInbound(m);
            else ReferenceCountUtil.release(m);
        }
    }
}
