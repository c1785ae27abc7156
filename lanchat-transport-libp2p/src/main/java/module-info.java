/**
 * The libp2p transport on Netty: multistream-select 1.0.0, TLS 1.3 and Noise (from {@code lanchat.security.tls} and {@code lanchat.security.noise}), Yamux 1.0.0,
 * identify, ping and the go-libp2p chat protocols, one package per wire layer.
 * Exports nothing; the transport provider is reached through {@code ServiceLoader}.
 */
module lanchat.transport.libp2p {
    requires lanchat.api;
    requires lanchat.security.noise;
    requires lanchat.security.tls;
    requires lanchat.transport.tcp;
    requires io.netty.common;
    requires io.netty.buffer;
    requires io.netty.transport;
    requires io.netty.codec;
    requires io.netty.handler;
    requires org.slf4j;

    provides lanchat.api.spi.TransportProvider with lanchat.transport.libp2p.Libp2pTransportProvider;
}
