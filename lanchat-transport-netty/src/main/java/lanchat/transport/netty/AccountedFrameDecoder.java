package lanchat.transport.netty;

import java.nio.ByteOrder;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.TooLongFrameException;
import lanchat.api.resource.ResourceManager.MemoryScope;

/**
 * The connection's frame decoder (a 4-byte length, then the frame), which reserves a large frame in the connection's
 * account <em>before</em> buffering it (issue 13: 112 connections each sending all but the last byte of a 1 MiB chat
 * message took the heap). A frame of up to {@link #FREE} bytes is buffered as any read is; a longer one is reserved
 * ({@link #COST_FACTOR} times its length) from the connection, its peer and the node as soon as its length is read, and given back once it is whole (or the
 * connection is gone). Refused: the connection is closed, with the reason.
 */
final class AccountedFrameDecoder extends LengthFieldBasedFrameDecoder {
    /** Frames up to this long need no reservation: the channel frames' chunks, pings, short chat lines. */
    static final int FREE = 64 * 1024;
    /**
     * What a frame of n bytes costs while it is collected: the buffer that accumulates it grows by doubling (and is
     * copied when it grows), so up to twice n. Measured: 112 connections with 1 MiB frames reserved at n ran a 128 MiB
     * heap out (HostileLanIT); at 2n the node's 64 MiB budget holds.
     */
    static final int COST_FACTOR = 2;

    private final MemoryScope account;
    private long reserved;

    /** {@code account}: the connection's; null for none (a connection without one bounds nothing). */
    AccountedFrameDecoder(int maxFrameLength, MemoryScope account) {
        super(maxFrameLength, 0, 4, 0, 4);
        this.account = account;
    }

    @Override
    protected long getUnadjustedFrameLength(ByteBuf buf, int offset, int length, ByteOrder order) {
        long n = super.getUnadjustedFrameLength(buf, offset, length, order);
        giveBack(); // read once per frame: the previous one is whole
        if (account != null && n > FREE) {
            long cost = COST_FACTOR * n;
            if (!account.reserveMemory(cost)) throw new TooLongFrameException("no memory left for a frame of " + n + " bytes (the node's resource limits)");
            reserved = cost;
        }
        return n;
    }

    @Override
    protected ByteBuf extractFrame(ChannelHandlerContext ctx, ByteBuf buffer, int index, int length) {
        ByteBuf frame = super.extractFrame(ctx, buffer, index, length);
        giveBack(); // whole: from here on it is the message's, bounded as messages are
        return frame;
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) throws Exception {
        giveBack();
        super.handlerRemoved0(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        giveBack();
        super.channelInactive(ctx);
    }

    private void giveBack() {
        if (reserved > 0 && account != null) account.releaseMemory(reserved);
        reserved = 0;
    }
}
