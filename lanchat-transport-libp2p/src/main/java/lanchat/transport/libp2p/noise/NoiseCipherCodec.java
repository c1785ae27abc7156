package lanchat.transport.libp2p.noise;

import java.util.List;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.MessageToMessageCodec;
import lanchat.api.internal.noise.CipherState;

/**
 * Noise transport messages: outbound bytes are cut into plaintexts of at most {@link CipherState#MAX_PLAINTEXT}
 * and each becomes one frame; each inbound frame is authenticated and decrypted. Heap buffers throughout, since the
 * JDK cipher copies direct ones.
 */
public final class NoiseCipherCodec extends MessageToMessageCodec<ByteBuf, ByteBuf> {
    private static final int TAG = 16;
    private final CipherState sender;
    private final CipherState receiver;

    public NoiseCipherCodec(CipherState sender, CipherState receiver) {
        this.sender = sender;
        this.receiver = receiver;
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, ByteBuf plain, List<Object> out) throws Exception {
        // do-while: an empty write still becomes one (empty, tag-only) Noise message, since a MessageToMessageEncoder
        // must produce something and an empty length frame would be rejected by the peer
        do {
            int n = Math.min(plain.readableBytes(), CipherState.MAX_PLAINTEXT);
            ByteBuf sealed = ctx.alloc().heapBuffer(n + TAG);
            try {
                sealed.writerIndex(sender.encrypt(plain.nioBuffer(plain.readerIndex(), n), sealed.nioBuffer(0, n + TAG)));
            } catch (Exception e) {
                sealed.release();
                throw e;
            }
            plain.skipBytes(n);
            out.add(sealed);
        } while (plain.isReadable());
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf frame, List<Object> out) throws Exception {
        int n = frame.readableBytes() - TAG;
        if (n < 0) throw new CorruptedFrameException("noise frame of " + frame.readableBytes() + " bytes is shorter than its tag");
        ByteBuf plain = ctx.alloc().heapBuffer(Math.max(n, 1));
        try {
            plain.writerIndex(receiver.decrypt(frame.nioBuffer(), plain.nioBuffer(0, n)));
        } catch (Exception e) {
            plain.release();
            throw e;
        }
        out.add(plain);
    }
}
