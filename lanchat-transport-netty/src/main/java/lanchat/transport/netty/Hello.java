package lanchat.transport.netty;

import static lanchat.api.internal.Bytes.concat;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;

/**
 * The first bytes on a netty-transport connection, sent by both ends:
 *
 * <pre>
 * +------+----------------------+------+------------------------+
 * | 0x13 | "/multistream/1.0.0\n" | 0x15 | "/lanchat-netty/1.0.0\n" |
 * +------+----------------------+------+------------------------+
 * </pre>
 *
 * <p>It is a valid multistream-select header and proposal, so a libp2p node that receives it answers with its own
 * header and {@code na}, and a libp2p dialer sends its header and a security protocol: either way each end can tell
 * the user that the other speaks libp2p instead of failing with an opaque error. When the bytes match, the handler
 * removes itself and fires {@link Hello#MATCHED}.
 */
final class Hello extends ByteToMessageDecoder {
    static final String PROTOCOL = "/lanchat-netty/1.0.0";
    private static final byte[] MULTISTREAM = frame("/multistream/1.0.0");
    private static final byte[] BYTES = concat(MULTISTREAM, frame(PROTOCOL));
    /** User event fired once the peer's hello matched ours. */
    static final Object MATCHED = new Object() {
        @Override
        public String toString() { return "HelloMatched"; }
    };

    static ByteBuf bytes() {
        return Unpooled.wrappedBuffer(BYTES);
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        ctx.writeAndFlush(bytes()); // both ends send it at once: no extra round trip
        super.channelActive(ctx);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, java.util.List<Object> out) throws WrongTransportException {
        int n = Math.min(in.readableBytes(), BYTES.length);
        byte[] got = new byte[n];
        in.getBytes(in.readerIndex(), got);
        if (!Arrays.equals(got, 0, n, BYTES, 0, n)) {
            String why = explain(in);
            in.skipBytes(in.readableBytes()); // decode no more of it, whatever else arrives before the close
            throw new WrongTransportException(why);
        }
        if (n < BYTES.length) return;
        in.skipBytes(BYTES.length);
        ctx.pipeline().remove(this); // leftover bytes (the Noise handshake) are passed on by ByteToMessageDecoder
        ctx.fireUserEventTriggered(MATCHED);
    }

    /** Names what the peer speaks, from whatever it sent instead of our hello. */
    static String explain(ByteBuf in) {
        int n = Math.min(in.readableBytes(), 64);
        byte[] got = new byte[n];
        in.getBytes(in.readerIndex(), got);
        if (startsWith(got, MULTISTREAM)) {
            String rest = new String(got, MULTISTREAM.length, n - MULTISTREAM.length, StandardCharsets.ISO_8859_1);
            String offered = rest.replaceAll("[^\\x20-\\x7e]+", " ").trim();
            return "the peer speaks libp2p, not the netty transport (it sent multistream-select"
                    + (offered.isEmpty() ? "" : ": " + offered) + "); use --transport libp2p for it";
        }
        return "the peer does not speak LAN Chat's netty transport (unexpected first bytes)";
    }

    private static boolean startsWith(byte[] a, byte[] prefix) {
        return a.length >= prefix.length && Arrays.equals(a, 0, prefix.length, prefix, 0, prefix.length);
    }

    private static byte[] frame(String protocol) {
        byte[] p = (protocol + "\n").getBytes(StandardCharsets.US_ASCII);
        byte[] f = new byte[p.length + 1];
        f[0] = (byte) p.length; // < 128: a one-byte varint
        System.arraycopy(p, 0, f, 1, p.length);
        return f;
    }
}
