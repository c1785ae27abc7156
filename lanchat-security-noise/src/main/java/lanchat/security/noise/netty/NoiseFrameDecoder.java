package lanchat.security.noise.netty;

import java.util.List;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.TooLongFrameException;
import lanchat.security.noise.NoiseHandshake;

/**
 * Noise's 2-byte big-endian length frames, with a limit that follows the handshake: a frame longer than the step
 * allows is refused from its length, before a byte of it is buffered. {@link NoiseHandshakeHandler} lowers the limit
 * to what each handshake message may be (message 1 is 32 bytes in libp2p; messages 2 and 3 a few KiB) and raises it
 * to {@link NoiseHandshake#MAX_MESSAGE} once the channel is secure, so an unauthenticated peer cannot make us hold
 * 64 KiB. The limit changes take effect from the next frame, also within one read.
 */
public final class NoiseFrameDecoder extends ByteToMessageDecoder {
    private static final int LENGTH_FIELD = 2;
    private int maxFrame;

    public NoiseFrameDecoder(int maxFrame) {
        setMaxFrame(maxFrame);
    }

    /** From the next frame on, frames longer than {@code maxFrame} bytes are refused. Event loop only. */
    public void setMaxFrame(int maxFrame) {
        if (maxFrame < 1 || maxFrame > NoiseHandshake.MAX_MESSAGE) throw new IllegalArgumentException("maxFrame must be 1.." + NoiseHandshake.MAX_MESSAGE + ": " + maxFrame);
        this.maxFrame = maxFrame;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws TooLongFrameException {
        if (in.readableBytes() < LENGTH_FIELD) return;
        int length = in.getUnsignedShort(in.readerIndex());
        if (length > maxFrame) {
            in.skipBytes(in.readableBytes()); // nothing after a refused frame can be read in step anyway
            throw new TooLongFrameException("noise frame of " + length + " bytes where at most " + maxFrame + " may come now");
        }
        if (in.readableBytes() < LENGTH_FIELD + length) return;
        in.skipBytes(LENGTH_FIELD);
        out.add(in.readRetainedSlice(length));
    }
}
