package lanchat.bench.jmh;

import java.time.Clock;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslHandler;
import lanchat.api.Identity;
import lanchat.security.tls.Libp2pTls;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * One libp2p TLS 1.3 handshake (issue 16, connection setup), both ends in memory on one thread: the client and server
 * {@code SslHandler}s of two identities exchange their flights through {@link EmbeddedChannel}s until both report the
 * handshake done. What each end's engine, key material and the libp2p certificate checks cost per connection, without
 * sockets or thread hand-offs. The certificate check is cached per certificate, as between two nodes that reconnect.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class TlsHandshakeBench {
    /** BoringSSL (netty-tcnative) or the JDK's engine, both ends alike; OPENSSL falls back to JDK where it cannot load. */
    @Param({"OPENSSL", "JDK"})
    public String engine;

    private Libp2pTls server, client;

    @Setup
    public void setup() {
        Libp2pTls.Engine e = Libp2pTls.Engine.valueOf(engine);
        if (e == Libp2pTls.Engine.OPENSSL && !OpenSsl.isAvailable()) e = Libp2pTls.Engine.JDK;
        server = new Libp2pTls(Identity.generate(), List.of("/yamux/1.0.0"), e, Clock.systemUTC());
        client = new Libp2pTls(Identity.generate(), List.of("/yamux/1.0.0"), e, Clock.systemUTC());
    }

    @Benchmark
    public boolean handshake() throws Exception {
        SslHandler c = client.newHandler(ByteBufAllocator.DEFAULT, true), s = server.newHandler(ByteBufAllocator.DEFAULT, false);
        EmbeddedChannel cc = new EmbeddedChannel(c), sc = new EmbeddedChannel(s);
        try {
            for (int flight = 0; flight < 16 && !(c.handshakeFuture().isDone() && s.handshakeFuture().isDone()); flight++) {
                move(cc, sc);
                move(sc, cc);
            }
            if (!c.handshakeFuture().isSuccess() || !s.handshakeFuture().isSuccess()) {
                Throwable cause = c.handshakeFuture().cause() != null ? c.handshakeFuture().cause() : s.handshakeFuture().cause();
                throw new IllegalStateException("handshake did not complete", cause);
            }
            return true;
        } finally {
            cc.finishAndReleaseAll();
            sc.finishAndReleaseAll();
        }
    }

    /** Everything {@code from} wrote goes into {@code to} as received bytes. */
    private static void move(EmbeddedChannel from, EmbeddedChannel to) {
        for (ByteBuf b; (b = from.readOutbound()) != null; ) to.writeInbound(b);
    }
}
