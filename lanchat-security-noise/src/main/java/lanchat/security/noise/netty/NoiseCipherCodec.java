package lanchat.security.noise.netty;

import java.nio.channels.ClosedChannelException;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.EncoderException;
import io.netty.handler.codec.UnsupportedMessageTypeException;
import io.netty.util.ReferenceCountUtil;
import lanchat.security.noise.CipherState;
import lanchat.security.noise.NoiseCipher;
import lanchat.security.noise.NoiseResult;

/**
 * Noise transport messages on a channel whose frames are already cut (by the 2-byte length codecs
 * {@link NoiseHandshakeHandler} installs beneath it).
 *
 * <pre>
 * one frame = one Noise transport message
 * +--------------------------------------------------------------+-------------------+
 * | ChaCha20 ciphertext of 0..65519 plaintext bytes               | Poly1305 tag (16) |
 * +--------------------------------------------------------------+-------------------+
 * </pre>
 *
 * <p>Outbound: the bytes written between two flushes are sealed together, cut into plaintexts of at most
 * {@link CipherState#MAX_PLAINTEXT} (65519) bytes, one frame each; the parts a layer above wrote (a header, then its
 * data) are fed to the cipher as they are, not copied together first. Each frame costs an AEAD pass and 18 bytes on
 * the wire, so sealing per flush rather than per write halves the frames of a libp2p chat line. A write's promise
 * completes when the frame holding its last byte is written. An empty write produces no frame (a frame of nothing
 * but a tag would still cost the peer an AEAD pass) and its promise completes with the flush. Bytes waiting for a
 * flush count toward the channel's write-buffer water marks, as if they were already in the outbound buffer.
 * Anything but a {@link ByteBuf} is refused (its promise fails), as Netty's {@code SslHandler} does: nothing may pass
 * this handler unencrypted.
 *
 * <p>Inbound: each frame is authenticated and decrypted into one buffer, in order; a tag-only frame is a valid, empty
 * message and yields an empty buffer. A frame that fails is a {@link DecoderException} caused by the
 * {@code NoiseException} (a {@link CorruptedFrameException} when shorter than a tag); the connection must then be
 * closed, since the peer's counter and ours have parted. Other messages pass through untouched.
 *
 * <p>Heap buffers throughout: the JDK cipher would copy direct ones. Event loop only.
 */
public final class NoiseCipherCodec extends ChannelDuplexHandler {
    private static final int TAG = CipherState.TAG_LENGTH;

    private final CipherState sender;
    private final CipherState receiver;
    /** Written, not yet flushed: buffers and their promises, in order. */
    private SealQueue pending;

    /** @param keys the two directions of a completed handshake, used by this codec only from now on */
    public NoiseCipherCodec(NoiseResult keys) {
        this.sender = keys.sender();
        this.receiver = keys.receiver();
    }

    /** The cipher of this connection's transport messages: ChaChaPoly, or AESGCM when both ends offered it. */
    public NoiseCipher transportCipher() {
        return sender.cipher();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        pending = new SealQueue(ctx.channel());
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (!(msg instanceof ByteBuf buf)) {
            UnsupportedMessageTypeException refused = new UnsupportedMessageTypeException(msg, ByteBuf.class);
            ReferenceCountUtil.release(msg);
            promise.setFailure(refused);
            return;
        }
        pending.add(buf, promise);
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
        while (!pending.isEmpty()) {
            ChannelPromise framePromise = ctx.newPromise(); // completes the promises of the writes this frame ends
            ByteBuf plain = pending.remove(ctx.alloc(), CipherState.MAX_PLAINTEXT, framePromise);
            if (!plain.isReadable()) { // only empty writes were left: no frame for them
                plain.release();
                framePromise.setSuccess();
                continue;
            }
            ByteBuf sealed;
            try {
                sealed = seal(ctx, plain);
            } catch (Exception e) {
                EncoderException failure = new EncoderException(e);
                framePromise.setFailure(failure);
                pending.releaseAndFailAll(ctx, failure);
                ctx.fireExceptionCaught(failure);
                break; // what was sealed before goes out; the connection is beyond use anyway
            } finally {
                plain.release();
            }
            ctx.write(sealed, framePromise);
        }
        ctx.flush();
    }

    private ByteBuf seal(ChannelHandlerContext ctx, ByteBuf plain) throws Exception {
        int n = plain.readableBytes();
        ByteBuf sealed = ctx.alloc().heapBuffer(n + TAG);
        try {
            // the parts as they were written, gathered by the cipher (a composite's nioBuffers are its components)
            sealed.writerIndex(sender.encrypt(plain.nioBuffers(), sealed.nioBuffer(0, n + TAG)));
            return sealed;
        } catch (Exception e) {
            sealed.release();
            throw e;
        }
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
        // writes never flushed: their buffers are released and their promises failed, as the channel's own
        // outbound buffer does for writes it could not send before closing
        pending.releaseAndFailAll(ctx, new ClosedChannelException());
    }
}
