/**
 * The raw Netty transport: TCP, a fixed multistream-compatible hello, the Noise XX handshake with libp2p identity
 * payloads, then length-prefixed frames for chat and for protocol channels (the module's README has the design).
 * Exports nothing; found through its provider.
 */
module lanchat.transport.netty {
    requires lanchat.api;
    requires lanchat.security.noise;
    requires lanchat.transport.tcp;
    requires io.netty.common;
    requires io.netty.buffer;
    requires io.netty.transport;
    requires io.netty.codec;
    requires io.netty.handler;
    requires org.slf4j;

    provides lanchat.api.spi.TransportProvider with lanchat.transport.netty.NettyTransportProvider;
}
