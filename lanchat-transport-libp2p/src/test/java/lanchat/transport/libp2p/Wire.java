package lanchat.transport.libp2p;

import static lanchat.api.internal.Bytes.concat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import lanchat.api.internal.Varint;

/** Test helpers: two {@link EmbeddedChannel}s wired back to back, and byte builders. */
public final class Wire {
    private Wire() {}

    /**
     * Moves everything {@code a} wrote into {@code b} and vice versa until both are quiet (or a bound is hit).
     *
     * @return the number of messages moved
     */
    public static int pump(EmbeddedChannel a, EmbeddedChannel b) {
        return pump(a, b, false);
    }

    /**
     * Like {@link #pump(EmbeddedChannel, EmbeddedChannel)}; with {@code coalesce} everything one side wrote
     * in a round arrives as a single read, as when TCP merges segments.
     */
    public static int pump(EmbeddedChannel a, EmbeddedChannel b, boolean coalesce) {
        int moved = 0;
        for (int round = 0; round < 100_000; round++) {
            int before = moved;
            moved += coalesce ? transferCoalesced(a, b) : transfer(a, b);
            moved += coalesce ? transferCoalesced(b, a) : transfer(b, a);
            a.runPendingTasks();
            b.runPendingTasks();
            if (moved == before && a.outboundMessages().isEmpty() && b.outboundMessages().isEmpty()) return moved;
        }
        throw new AssertionError("channels never went quiet");
    }

    private static int transfer(EmbeddedChannel from, EmbeddedChannel to) {
        int n = 0;
        for (Object msg; (msg = from.readOutbound()) != null; n++) {
            if (to.isOpen()) {
                to.writeInbound(msg);
            } else {
                io.netty.util.ReferenceCountUtil.release(msg);
            }
        }
        return n;
    }

    private static int transferCoalesced(EmbeddedChannel from, EmbeddedChannel to) {
        io.netty.buffer.CompositeByteBuf all = Unpooled.compositeBuffer(Integer.MAX_VALUE);
        int n = 0;
        for (Object msg; (msg = from.readOutbound()) != null; n++) all.addComponent(true, (ByteBuf) msg);
        if (n > 0 && to.isOpen()) {
            to.writeInbound(all);
        } else {
            all.release();
        }
        return n;
    }

    /** Reads all outbound ByteBufs of {@code ch} into one array (releasing them). */
    public static byte[] drainOutbound(EmbeddedChannel ch) {
        return drain(ch::readOutbound);
    }

    /** Reads all inbound ByteBufs of {@code ch} into one array (releasing them). */
    public static byte[] drainInbound(EmbeddedChannel ch) {
        return drain(ch::readInbound);
    }

    private static byte[] drain(java.util.function.Supplier<Object> next) {
        ByteBuf all = Unpooled.buffer();
        for (Object msg; (msg = next.get()) != null; ) {
            ByteBuf b = (ByteBuf) msg;
            all.writeBytes(b);
            b.release();
        }
        byte[] bytes = new byte[all.readableBytes()];
        all.readBytes(bytes);
        all.release();
        return bytes;
    }

    /** A multistream message: varint(length of text + 1), UTF-8 text, '\n'. */
    public static byte[] msg(String text) {
        byte[] t = (text + "\n").getBytes(StandardCharsets.UTF_8);
        byte[] prefix = Varint.encode(t.length);
        return concat(prefix, t);
    }

    public static byte[] hex(String hex) {
        String h = hex.replaceAll("\\s+", "");
        byte[] out = new byte[h.length() / 2];
        for (int i = 0; i < out.length; i++) out[i] = (byte) Integer.parseInt(h.substring(2 * i, 2 * i + 2), 16);
        return out;
    }

    public static ByteBuf buf(byte[] bytes) {
        return Unpooled.wrappedBuffer(bytes);
    }

    public static ByteBuf buf(String ascii) {
        return Unpooled.copiedBuffer(ascii, StandardCharsets.UTF_8);
    }
}
