package lanchat.security.noise.netty;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;

/** Test helpers: two {@link EmbeddedChannel}s wired back to back, and the bytes between them. */
final class BackToBack {
    private BackToBack() {}

    /**
     * Moves what each side wrote to the other until both are quiet; with {@code coalesce}, everything one side wrote
     * in a round arrives as one read, as when TCP merges segments.
     */
    static void pump(EmbeddedChannel a, EmbeddedChannel b, boolean coalesce) {
        for (int round = 0; round < 1000; round++) {
            int moved = transfer(a, b, coalesce) + transfer(b, a, coalesce);
            if (moved == 0) return;
        }
        throw new AssertionError("channels never went quiet");
    }

    static void pump(EmbeddedChannel a, EmbeddedChannel b) {
        pump(a, b, false);
    }

    private static int transfer(EmbeddedChannel from, EmbeddedChannel to, boolean coalesce) {
        CompositeByteBuf all = Unpooled.compositeBuffer(Integer.MAX_VALUE);
        int n = 0;
        for (Object msg; (msg = from.readOutbound()) != null; n++) {
            if (!to.isOpen()) ReferenceCountUtil.release(msg);
            else if (coalesce) all.addComponent(true, (ByteBuf) msg);
            else to.writeInbound(msg);
        }
        if (all.isReadable() && to.isOpen()) to.writeInbound(all);
        else all.release();
        return n;
    }

    /** Everything {@code ch} wrote, as one array; the buffers are released. */
    static byte[] drainOutbound(EmbeddedChannel ch) {
        return drain(ch::readOutbound);
    }

    /** Everything {@code ch} passed up its pipeline, as one array; the buffers are released. */
    static byte[] drainInbound(EmbeddedChannel ch) {
        return drain(ch::readInbound);
    }

    private static byte[] drain(Supplier<Object> next) {
        ByteBuf all = Unpooled.buffer();
        try {
            for (Object msg; (msg = next.get()) != null; ) {
                ByteBuf b = (ByteBuf) msg;
                all.writeBytes(b);
                b.release();
            }
            byte[] bytes = new byte[all.readableBytes()];
            all.readBytes(bytes);
            return bytes;
        } finally {
            all.release();
        }
    }

    /** The lengths of the 2-byte-length-prefixed frames in {@code wire}. */
    static List<Integer> frameLengths(byte[] wire) {
        List<Integer> lengths = new ArrayList<>();
        ByteBuffer b = ByteBuffer.wrap(wire);
        while (b.hasRemaining()) {
            int n = b.getShort() & 0xFFFF;
            lengths.add(n);
            b.position(b.position() + n);
        }
        return lengths;
    }

    static ByteBuf buf(byte[] bytes) {
        return Unpooled.wrappedBuffer(bytes);
    }

    static ByteBuf buf(String text) {
        return Unpooled.copiedBuffer(text, StandardCharsets.UTF_8);
    }
}
