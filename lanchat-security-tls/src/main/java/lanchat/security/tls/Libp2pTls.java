package lanchat.security.tls;

import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.time.Clock;
import java.util.List;
import java.util.Locale;

import javax.net.ssl.SSLException;
import javax.net.ssl.SSLPeerUnverifiedException;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import lanchat.api.Identity;
import lanchat.api.PeerId;
import lanchat.api.crypto.PeerPublicKey;
import lanchat.api.spi.PeerIdMismatchException;

/**
 * libp2p's TLS 1.3 security ({@value #PROTOCOL_ID}, specs {@code tls/tls.md}) as Netty {@link SslHandler}s: TLS 1.3
 * only, a client certificate required, no session resumption (no peer host is ever given to the engine, so nothing is
 * cached to resume), ALPN offering the stream muxers and then {@value #ALPN_MULTISTREAM} (early muxer negotiation,
 * specs {@code connections/inlined-muxer-negotiation.md}).
 *
 * <p>The engine is BoringSSL (netty-tcnative) where its native library loads: its AES-GCM is several times what JDK 17
 * does in Java, which is what makes TLS the faster of libp2p's two security protocols here. The JDK's engine
 * otherwise, or when {@value #ENGINE_PROPERTY} says {@code jdk}. Everything costly (the certificate, its key, the
 * contexts, BoringSSL's library) is made on the first connection that uses TLS, not at start: a node that is never
 * dialed pays nothing for it. One instance per host identity; thread-safe.
 */
public final class Libp2pTls {
    public static final String PROTOCOL_ID = "/tls/1.0.0";
    /** The ALPN token that says "negotiate the muxer with multistream-select after the handshake". */
    public static final String ALPN_MULTISTREAM = "libp2p";
    /** {@code openssl} or {@code jdk} forces an engine; unset: BoringSSL where it loads, else the JDK's. */
    public static final String ENGINE_PROPERTY = "lanchat.tls.engine";

    /** Which TLS implementation runs the handshakes and records. */
    public enum Engine { OPENSSL, JDK }

    private final Identity identity;
    private final List<String> alpn;
    private final Engine forced;
    private final Clock clock;
    /** When our certificate is made; the clock above, except in tests that need a certificate out of its validity */
    private final Clock certificateClock;
    private volatile Contexts contexts;

    private record Contexts(SslContext server, SslContext client, Engine engine, Libp2pTrustManager trust) {}

    /**
     * @param muxers the stream muxers to offer through ALPN, in order of preference
     * @param engine the engine to use, or null for the default (see {@link #ENGINE_PROPERTY})
     */
    public Libp2pTls(Identity identity, List<String> muxers, Engine engine, Clock clock) {
        this(identity, muxers, engine, clock, clock);
    }

    Libp2pTls(Identity identity, List<String> muxers, Engine engine, Clock clock, Clock certificateClock) {
        this.identity = identity;
        this.alpn = concat(muxers, ALPN_MULTISTREAM);
        this.forced = engine;
        this.clock = clock;
        this.certificateClock = certificateClock;
    }

    /** With the engine {@link #ENGINE_PROPERTY} names, or the default. */
    public static Libp2pTls of(Identity identity, List<String> muxers) {
        String p = System.getProperty(ENGINE_PROPERTY, "").trim().toLowerCase(Locale.ROOT);
        Engine e = switch (p) {
            case "" -> null;
            case "openssl" -> Engine.OPENSSL;
            case "jdk" -> Engine.JDK;
            default -> throw new IllegalArgumentException(ENGINE_PROPERTY + " must be openssl or jdk, not " + p);
        };
        return new Libp2pTls(identity, muxers, e, Clock.systemUTC());
    }

    /**
     * A handler for one connection; the client starts its handshake as soon as the handler is in an active pipeline.
     *
     * @throws SSLException when the contexts cannot be built (reported as that connection's failure)
     */
    public SslHandler newHandler(ByteBufAllocator alloc, boolean initiator) throws SSLException {
        Contexts c = contexts();
        return (initiator ? c.client : c.server).newHandler(alloc);
    }

    /** The engine in use; null before the first TLS connection. */
    public Engine engine() {
        Contexts c = contexts;
        return c == null ? null : c.engine;
    }

    /**
     * The authenticated peer of a finished handshake: the peer id its certificate proves (the trust manager checked
     * it during the handshake and kept the result for this call: one trust manager serves all connections).
     *
     * @param expected the peer a dialer meant to reach, or null
     * @throws PeerIdMismatchException when it is another peer
     * @throws SSLPeerUnverifiedException when it is no libp2p peer at all
     */
    public PeerId remotePeer(SslHandler handler, PeerId expected) throws SSLPeerUnverifiedException, PeerIdMismatchException {
        Certificate[] chain = handler.engine().getSession().getPeerCertificates();
        PeerId remote;
        try {
            if (chain.length != 1) throw new CertificateException(chain.length + " certificates");
            byte[] der = chain[0].getEncoded();
            PeerPublicKey host = contexts().trust.take(der);
            remote = PeerId.fromPublicKey(host != null ? host : Libp2pCertificate.verify(der, clock.instant()));
        } catch (CertificateException | SSLException e) {
            SSLPeerUnverifiedException u = new SSLPeerUnverifiedException("bad libp2p certificate: " + e.getMessage());
            u.initCause(e);
            throw u;
        }
        if (expected != null && !expected.equals(remote)) throw new PeerIdMismatchException(expected, remote);
        return remote;
    }

    private Contexts contexts() throws SSLException {
        Contexts c = contexts;
        if (c != null) return c;
        synchronized (this) {
            if (contexts == null) contexts = build();
            return contexts;
        }
    }

    private Contexts build() throws SSLException {
        Engine engine = forced != null ? forced : OpenSsl.isAvailable() ? Engine.OPENSSL : Engine.JDK;
        if (engine == Engine.OPENSSL && !OpenSsl.isAvailable()) {
            throw new SSLException("BoringSSL does not load here: " + OpenSsl.unavailabilityCause(), OpenSsl.unavailabilityCause());
        }
        SslProvider provider = engine == Engine.OPENSSL ? SslProvider.OPENSSL : SslProvider.JDK;
        Libp2pCertificate cert = Libp2pCertificate.create(identity, certificateClock.instant());
        Libp2pTrustManager trust = new Libp2pTrustManager(clock);
        // NO_ADVERTISE + ACCEPT: no common token means "no ALPN", which the spec reads as multistream-select (and
        // BoringSSL's engine supports nothing stricter)
        ApplicationProtocolConfig protocols = new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, alpn);
        SslContext server = SslContextBuilder.forServer(cert.keys().getPrivate(), cert.certificate())
                .sslProvider(provider).protocols("TLSv1.3").clientAuth(ClientAuth.REQUIRE).trustManager(trust)
                .applicationProtocolConfig(protocols).build();
        SslContext client = SslContextBuilder.forClient().keyManager(cert.keys().getPrivate(), cert.certificate())
                .sslProvider(provider).protocols("TLSv1.3").trustManager(trust)
                .applicationProtocolConfig(protocols).build();
        return new Contexts(server, client, engine, trust);
    }

    private static List<String> concat(List<String> list, String last) {
        List<String> r = new java.util.ArrayList<>(list);
        r.add(last);
        return List.copyOf(r);
    }
}
