package lanchat.transport.libp2p.noise;

import java.util.ArrayList;
import java.util.List;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.EncoderException;
import io.netty.util.ReferenceCountUtil;
import lanchat.api.internal.noise.CipherState;

/**
 * Noise transport messages.
 *
 * <p>Outbound: the bytes written between two flushes are sealed together, cut into plaintexts of at most
 * {@link CipherState#MAX_PLAINTEXT}, one frame each. Layers above write in small pieces (a yamux header, then its
 * data, then a window update), and each frame costs an AEAD pass and 18 bytes: sealing per flush instead of per write
 * halves the frames of a chat line. A flush with nothing written seals nothing; an empty buffer that was written seals
 * as one tag-only frame.
 *
 * <p>Inbound: each frame is authenticated and decrypted into one buffer; a frame that fails is a
 * {@link DecoderException} caused by the {@code NoiseException}. Heap buffers throughout, since the JDK cipher copies
 * direct ones.
 */
public final class NoiseCipherCodec extends ChannelDuplexHandler {
    private static final int TAG = 16;
    private final CipherState sender;
    private final CipherState receiver;
    /** Written, not yet flushed; null when nothing is pending. */
    private CompositeByteBuf pending;
    private final List<ChannelPromise> pendingPromises = new ArrayList<>();

    public NoiseCipherCodec(CipherState sender, CipherState receiver) {
        this.sender = sender;
        this.receiver = receiver;
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (!(msg instanceof ByteBuf buf)) {
            ctx.write(msg, promise);
            return;
        }
        if (pending == null) pending = ctx.alloc().compositeHeapBuffer(Integer.MAX_VALUE);
        pending.addComponent(true, buf);
        if (!promise.isVoid()) pendingPromises.add(promise);
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
        CompositeByteBuf plain = pending;
        List<ChannelPromise> promises = List.copyOf(pendingPromises);
        pending = null;
        pendingPromises.clear();
        if (plain != null) {
            try {
                sealAndWrite(ctx, plain, promises);
            } finally {
                plain.release();
            }
        }
        ctx.flush();
    }

    private void sealAndWrite(ChannelHandlerContext ctx, ByteBuf plain, List<ChannelPromise> promises) {
        List<ByteBuf> frames = new ArrayList<>();
        try {
            do { // do-while: an empty write still becomes one (tag-only) message; an empty frame would be rejected
                int n = Math.min(plain.readableBytes(), CipherState.MAX_PLAINTEXT);
                ByteBuf sealed = ctx.alloc().heapBuffer(n + TAG);
                frames.add(sealed);
                // the parts as they are (a yamux header, a line...): gathered by the cipher, not copied together first
                sealed.writerIndex(sender.encrypt(plain.nioBuffers(plain.readerIndex(), n), sealed.nioBuffer(0, n + TAG)));
                plain.skipBytes(n);
            } while (plain.isReadable());
        } catch (Exception e) {
            frames.forEach(ReferenceCountUtil::release);
            EncoderException failure = new EncoderException(e);
            promises.forEach(p -> p.tryFailure(failure));
            ctx.fireExceptionCaught(failure);
            return;
        }
        for (int i = 0; i < frames.size() - 1; i++) ctx.write(frames.get(i), ctx.voidPromise());
        ctx.write(frames.get(frames.size() - 1)).addListener(f -> { // the last frame out means all of them are
            for (ChannelPromise p : promises) {
                if (f.isSuccess()) p.trySuccess();
                else p.tryFailure(f.cause());
            }
        });
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf frame)) {
            ctx.fireChannelRead(msg);
            return;
        }
        ByteBuf plain;
        try {
            int n = frame.readableBytes() - TAG;
            if (n < 0) throw new CorruptedFrameException("noise frame of " + frame.readableBytes() + " bytes is shorter than its tag");
            plain = ctx.alloc().heapBuffer(Math.max(n, 1));
            try {
                plain.writerIndex(receiver.decrypt(frame.nioBuffer(), plain.nioBuffer(0, n)));
            } catch (Exception e) {
                plain.release();
                throw e;
            }
        } catch (DecoderException e) {
            throw e;
        } catch (Exception e) {
            throw new DecoderException(e);
        } finally {
            frame.release();
        }
        ctx.fireChannelRead(plain);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (pending != null) {
            pending.release();
            pending = null;
        }
        pendingPromises.forEach(p -> p.tryFailure(new java.nio.channels.ClosedChannelException()));
        pendingPromises.clear();
    }
}
