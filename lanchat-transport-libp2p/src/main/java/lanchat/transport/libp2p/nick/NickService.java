package lanchat.transport.libp2p.nick;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import lanchat.transport.libp2p.ConnectionContext;
import lanchat.transport.libp2p.StreamProtocol;
import lanchat.transport.libp2p.identify.IdentifyService;
import lanchat.transport.libp2p.wire.VarintFrameDecoder;

/**
 * {@link NickProtocol} on a connection: remembers the nick the peer last told us and tells the peer ours when it
 * changes. A peer that turned the protocol down (go, js) or does not list it in identify is never asked again.
 */
public final class NickService implements StreamProtocol {
    @Override
    public List<String> ids() {
        return List.of(NickProtocol.ID);
    }

    /** A nick stream lives for one frame; a few may overlap when the nick changes quickly. */
    @Override
    public int maxInboundStreams() {
        return 4;
    }

    @Override
    public PerConnection attach(ConnectionContext connection) {
        return new PerConnection(connection);
    }

    /** Nicks on one connection; event loop only. */
    public static final class PerConnection implements Handler {
        private final ConnectionContext conn;
        private String remoteNick;
        private String sentNick;
        private boolean unsupported;

        PerConnection(ConnectionContext conn) {
            this.conn = conn;
        }

        /** The nick the peer last told us. */
        public Optional<String> remoteNick() {
            return Optional.ofNullable(remoteNick);
        }

        /** Whether the peer must be told {@code nick} before a message that carries it. */
        public boolean needsAnnouncing(String nick) {
            if (nick == null || nick.equals(sentNick) || unsupported) return false;
            boolean listed = conn.handler(IdentifyService.PerConnection.class).remote().map(id -> id.protocols().contains(NickProtocol.ID)).orElse(true);
            if (!listed) unsupported = true;
            return listed;
        }

        /**
         * Tells the peer {@code nick} on its own stream; completes once it is written (or the peer turned the protocol
         * down), so a chat line written after it is read after it.
         */
        public CompletableFuture<Void> announce(String nick) {
            sentNick = nick;
            CompletableFuture<Void> written = new CompletableFuture<>();
            conn.openStream(List.of(NickProtocol.ID)).whenComplete((stream, err) -> {
                if (err != null) {
                    unsupported = true; // "na", most likely: a go or js peer
                    written.complete(null);
                    return;
                }
                stream.writeAndFlush(NickProtocol.encode(stream.alloc(), nick)).addListener(w -> {
                    stream.close();
                    written.complete(null);
                });
            });
            return written;
        }

        @Override
        public void inbound(Channel stream, String protocolId) {
            stream.pipeline().addLast(new VarintFrameDecoder(NickProtocol.MAX_BYTES), new ChannelInboundHandlerAdapter() {
                @Override
                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                    ByteBuf frame = (ByteBuf) msg;
                    try {
                        NickProtocol.decode(frame).ifPresent(n -> remoteNick = n);
                    } finally {
                        frame.release();
                    }
                    ctx.close();
                }

                @Override
                public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                    if (evt instanceof ChannelInputShutdownEvent) ctx.close(); // ended without a nick
                    ctx.fireUserEventTriggered(evt);
                }

                @Override
                public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                    ctx.close(); // an oversized frame: drop the stream, not just the frame, or it stays open for good
                }
            });
        }
    }
}
