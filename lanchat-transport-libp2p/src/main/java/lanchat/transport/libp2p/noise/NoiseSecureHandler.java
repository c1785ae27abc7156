package lanchat.transport.libp2p.noise;

import java.util.List;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.LengthFieldPrepender;
import lanchat.api.PeerId;
import lanchat.api.internal.noise.NoiseException;
import lanchat.api.internal.noise.NoiseHandshake;
import lanchat.api.internal.noise.NoiseResult;
import lanchat.api.internal.noise.SignedStaticKey;

/**
 * libp2p's {@code /noise} security: Noise XX with the libp2p identity payload, over 2-byte big-endian length
 * frames.
 *
 * <pre>
 * +----------------+---------------------------------+
 * | length (2, BE) | handshake message or ciphertext |   length ≤ 65535
 * +----------------+---------------------------------+
 * </pre>
 *
 * Installed right after multistream-select chose {@code /noise}: it adds the frame codecs in front of itself, runs
 * the three handshake messages (the initiator writes the first as soon as it is added), then replaces itself with a
 * {@link NoiseCipherCodec} and fires the {@link NoiseResult}, whose {@code remotePeer()} is the authenticated
 * peer id. Handshake failures surface as {@link NoiseException}s through {@code exceptionCaught}.
 */
public final class NoiseSecureHandler extends ChannelInboundHandlerAdapter {
    public static final String PROTOCOL = "/noise";
    private static final int MAX_FRAME = NoiseHandshake.MAX_MESSAGE;

    private final NoiseHandshake handshake;
    private final boolean initiator;
    private boolean started;

    /** A handshake that offers no stream muxers in its payload (the muxer is then agreed by multistream-select). */
    public NoiseSecureHandler(SignedStaticKey local, boolean initiator, PeerId expectedRemote) {
        this(local, initiator, expectedRemote, List.of());
    }

    /**
     * @param local          our Noise static key and its identity signature, shared by the transport's connections
     * @param expectedRemote the peer id being dialed, checked against the handshake; null when unknown or accepting
     * @param muxers stream muxers offered in the payload's extensions for early muxer negotiation, in preference order
     */
    public NoiseSecureHandler(SignedStaticKey local, boolean initiator, PeerId expectedRemote, List<String> muxers) {
        this.initiator = initiator;
        this.handshake = initiator ? NoiseHandshake.initiator(local, expectedRemote, muxers) : NoiseHandshake.responder(local, muxers);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
        String name = ctx.name();
        ctx.pipeline().addBefore(name, "noise-frame-decoder", new LengthFieldBasedFrameDecoder(MAX_FRAME + 2, 0, 2, 0, 2));
        ctx.pipeline().addBefore(name, "noise-frame-encoder", new LengthFieldPrepender(2));
        if (ctx.channel().isActive()) start(ctx);
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        start(ctx);
        super.channelActive(ctx);
    }

    private void start(ChannelHandlerContext ctx) throws NoiseException {
        if (started) return;
        started = true;
        if (initiator) ctx.writeAndFlush(Unpooled.wrappedBuffer(handshake.writeMessage()));
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (!(msg instanceof ByteBuf frame)) {
            ctx.fireChannelRead(msg);
            return;
        }
        try {
            handshake.readMessage(ByteBufUtil.getBytes(frame));
        } finally {
            frame.release();
        }
        if (!handshake.isComplete() && handshake.isOurTurn()) ctx.writeAndFlush(Unpooled.wrappedBuffer(handshake.writeMessage()));
        if (handshake.isComplete()) {
            NoiseResult result = handshake.result();
            ctx.pipeline().replace(this, "noise-cipher", new NoiseCipherCodec(result.sender(), result.receiver()));
            ctx.pipeline().fireUserEventTriggered(result);
        }
    }
}
