package lanchat.transport.netty;

import java.util.List;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import lanchat.api.PeerId;
import lanchat.api.internal.noise.NoiseException;
import lanchat.api.internal.noise.NoiseHandshake;
import lanchat.api.internal.noise.NoiseResult;
import lanchat.api.internal.noise.SignedStaticKey;

/**
 * Runs the Noise XX handshake over 2-byte length-prefixed frames (the framing is done by Netty's length-field codecs
 * beneath it). The initiator writes the first message as soon as the channel is active, right behind the hello, so
 * the whole setup costs one and a half round trips. When the handshake completes the handler swaps itself for a
 * {@link NoiseCipherCodec} and fires the {@link NoiseResult} as a user event.
 */
final class NoiseHandshakeHandler extends ChannelInboundHandlerAdapter {
    private final NoiseHandshake handshake;
    private final boolean initiator;

    NoiseHandshakeHandler(SignedStaticKey local, PeerId expectedRemote, boolean initiator) {
        this.initiator = initiator;
        this.handshake = initiator ? NoiseHandshake.initiator(local, expectedRemote, List.of()) : NoiseHandshake.responder(local, List.of());
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        if (initiator) writeNext(ctx);
        super.channelActive(ctx);
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
        if (!handshake.isComplete() && handshake.isOurTurn()) writeNext(ctx);
        if (handshake.isComplete()) {
            NoiseResult result = handshake.result();
            ctx.pipeline().replace(this, "noise-cipher", new NoiseCipherCodec(result.sender(), result.receiver()));
            ctx.pipeline().fireUserEventTriggered(result);
        }
    }

    private void writeNext(ChannelHandlerContext ctx) throws NoiseException {
        ctx.writeAndFlush(Unpooled.wrappedBuffer(handshake.writeMessage()));
    }
}
