package lanchat.security.noise.netty;

import java.util.Objects;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.LengthFieldPrepender;
import lanchat.security.noise.NoiseException;
import lanchat.security.noise.NoiseHandshake;
import lanchat.security.noise.NoiseResult;

/**
 * Runs one {@link NoiseHandshake} on a channel, then secures it: the libp2p {@code /noise} handshake over 2-byte
 * big-endian length frames.
 *
 * <pre>
 * +----------------+---------------------------------+
 * | length (2, BE) | handshake message or ciphertext |   message 1: 32; messages 2, 3: ≤ 8 KiB; ciphertexts ≤ 65535
 * +----------------+---------------------------------+
 *
 * pipeline while the handshake runs        after it
 *   noise-frame-decoder                      noise-frame-decoder    (stay: they frame the ciphertexts too; {@link NoiseFrameDecoder})
 *   noise-frame-encoder                      noise-frame-encoder
 *   this handler                     ──▶     noise-cipher           ({@link NoiseCipherCodec})
 *   … the layers above                       … the layers above, now reading and writing plaintext
 * </pre>
 *
 * <p>When added it puts the two frame codecs in front of itself. The initiator writes message 1 as soon as the
 * channel is active: at once when added to an active channel (after a protocol negotiation, as libp2p does), or on
 * {@code channelActive} when added by a {@code ChannelInitializer} (so whatever handlers before it write in
 * {@code channelActive} goes out first). Once the handshake completes the handler replaces itself with a
 * {@link NoiseCipherCodec} and fires the {@link NoiseResult} as a user event from the head of the pipeline; its
 * {@code remotePeer()} is the authenticated peer id. Frames that arrive right behind the last handshake message
 * (TCP may coalesce them) reach the cipher.
 *
 * <p>Everything that differs between transports is in the {@link NoiseHandshake} it is given (Netty's
 * {@code SslHandler} takes an {@code SSLEngine} the same way): the role, the peer a dialer expects, and the stream
 * muxers offered in the payload's extensions for early muxer negotiation (the peer's list arrives in
 * {@link NoiseResult#remoteMuxers()}; a transport that negotiates nothing offers an empty list, and no extensions go
 * on the wire).
 *
 * <p>A handshake failure (malformed, unauthenticated, or the wrong peer) surfaces once, as a {@link NoiseException}
 * through {@code exceptionCaught}; the handler then drops whatever else arrives and installs no cipher. Closing
 * the channel, and bounding the handshake in time, is the transport's business. Event loop only.
 */
public final class NoiseHandshakeHandler extends ChannelInboundHandlerAdapter {
    /** Names of the handlers this one adds. */
    public static final String FRAME_DECODER = "noise-frame-decoder", FRAME_ENCODER = "noise-frame-encoder", CIPHER = "noise-cipher";
    private static final int LENGTH_FIELD = 2;

    /** libp2p's message 1: the initiator's ephemeral key and an empty payload. */
    static final int FIRST_MESSAGE = 32;
    /**
     * Messages 2 and 3: an ephemeral key, the encrypted static key and the encrypted payload (identity key, signature,
     * extensions). An 8192-bit RSA identity with its signature takes about 2.2 KiB; 8 KiB leaves room for extensions.
     */
    static final int MAX_LATER_MESSAGE = 8 * 1024;

    private final NoiseHandshake handshake;
    private NoiseFrameDecoder frames;
    private boolean started;

    /** @param handshake a fresh handshake, used by this handler only */
    public NoiseHandshakeHandler(NoiseHandshake handshake) {
        this.handshake = Objects.requireNonNull(handshake, "handshake");
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) throws NoiseException {
        String name = ctx.name();
        frames = new NoiseFrameDecoder(handshake.isInitiator() ? MAX_LATER_MESSAGE : FIRST_MESSAGE);
        ctx.pipeline().addBefore(name, FRAME_DECODER, frames);
        ctx.pipeline().addBefore(name, FRAME_ENCODER, new LengthFieldPrepender(LENGTH_FIELD));
        if (ctx.channel().isActive()) start(ctx); // channelActive has come and gone
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        start(ctx);
        super.channelActive(ctx);
    }

    private void start(ChannelHandlerContext ctx) throws NoiseException {
        if (started) return;
        started = true;
        if (handshake.isInitiator()) writeNext(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws NoiseException {
        if (!(msg instanceof ByteBuf frame)) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (handshake.hasFailed()) { // already reported; what the peer sends after that is not worth a second error
            frame.release();
            return;
        }
        try {
            handshake.readMessage(ByteBufUtil.getBytes(frame));
        } finally {
            frame.release();
        }
        frames.setMaxFrame(MAX_LATER_MESSAGE); // message 3, if the responder expects one
        if (handshake.isOurTurn()) writeNext(ctx);
        else if (handshake.isComplete()) secure(ctx); // the responder, on reading message 3
    }

    private void writeNext(ChannelHandlerContext ctx) throws NoiseException {
        ctx.writeAndFlush(Unpooled.wrappedBuffer(handshake.writeMessage()));
        // the initiator completes by writing message 3: from here on its writes must be encrypted
        if (handshake.isComplete()) secure(ctx);
    }

    private void secure(ChannelHandlerContext ctx) {
        frames.setMaxFrame(NoiseHandshake.MAX_MESSAGE); // ciphertexts from here on, whatever else this read holds
        NoiseResult result = handshake.result();
        ctx.pipeline().replace(this, CIPHER, new NoiseCipherCodec(result));
        ctx.pipeline().fireUserEventTriggered(result);
    }
}
