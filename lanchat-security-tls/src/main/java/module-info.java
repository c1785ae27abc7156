/**
 * libp2p's TLS 1.3 security ({@code /tls/1.0.0}) for LAN Chat transports: the libp2p certificate (made and checked
 * with the JDK; certificates the JDK cannot read go to the lazily loaded {@code lanchat.api.crypto.spi.X509Reader})
 * and the Netty {@code SslHandler}s on BoringSSL or the JDK's engine. A library, not a plugin: it provides no service.
 */
module lanchat.security.tls {
    requires transitive lanchat.api;
    requires io.netty.common;
    requires io.netty.buffer;
    requires io.netty.transport;
    requires transitive io.netty.handler;
    // BoringSSL: netty-handler only requires it "static", so it must be named here to be in the boot layer; the
    // second module holds nothing but the Linux x86-64 library (resolved everywhere, loaded only where it fits)
    requires io.netty.tcnative.classes.openssl;
    requires io.netty.internal.tcnative.openssl.linux.x86_64;

    // only the libp2p transport builds on it
    exports lanchat.security.tls to lanchat.transport.libp2p;
}
