package lanchat.transport.netty;

import java.nio.ByteBuffer;
import java.util.List;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageCodec;
import lanchat.api.internal.noise.CipherState;

/**
 * The Noise transport phase: each outbound buffer is cut into plaintexts of at most
 * {@link CipherState#MAX_PLAINTEXT} bytes and each is encrypted into one frame; each inbound frame is decrypted
 * into one buffer. A frame that fails authentication is a fatal error (the exception closes the connection).
 */
final class NoiseCipherCodec extends MessageToMessageCodec<ByteBuf, ByteBuf> {
    private static final int TAG = 16;
    private final CipherState sender;
    private final CipherState receiver;

    NoiseCipherCodec(CipherState sender, CipherState receiver) {
        this.sender = sender;
        this.receiver = receiver;
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, ByteBuf plain, List<Object> out) throws Exception {
        while (plain.isReadable()) {
            int n = Math.min(plain.readableBytes(), CipherState.MAX_PLAINTEXT);
            ByteBuf cipher = ctx.alloc().heapBuffer(n + TAG);
            try {
                ByteBuffer dst = cipher.nioBuffer(0, n + TAG);
                int written = sender.encrypt(plain.nioBuffers(plain.readerIndex(), n), dst); // a composite frame is gathered, not copied
                cipher.writerIndex(written);
                plain.skipBytes(n);
                out.add(cipher);
            } catch (Exception e) {
                cipher.release();
                throw e;
            }
        }
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf frame, List<Object> out) throws Exception {
        int n = frame.readableBytes() - TAG;
        if (n < 0) throw new io.netty.handler.codec.CorruptedFrameException("noise frame shorter than its tag");
        ByteBuf plain = ctx.alloc().heapBuffer(Math.max(n, 1));
        try {
            int written = receiver.decrypt(frame.nioBuffer(), plain.nioBuffer(0, n));
            plain.writerIndex(written);
            out.add(plain);
        } catch (Exception e) {
            plain.release();
            throw e;
        }
    }
}
