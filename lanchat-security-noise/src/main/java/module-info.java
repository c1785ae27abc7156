/**
 * libp2p's Noise security for LAN Chat transports and for transports written elsewhere: the Noise XX handshake with
 * the libp2p identity payload ({@code lanchat.security.noise}, no Netty types) and the Netty glue that runs it on a
 * channel ({@code lanchat.security.noise.netty}: one handshake handler that swaps itself for one cipher codec).
 * A library, not a plugin: it provides no service. See the module README for the frame layout and limits.
 */
module lanchat.security.noise {
    // NoiseResult and the handshake factories speak in PeerId, PeerPublicKey and Identity
    requires transitive lanchat.api;
    requires io.netty.common;
    requires io.netty.buffer;
    requires io.netty.transport;
    requires io.netty.codec;

    exports lanchat.security.noise;
    exports lanchat.security.noise.netty;
}
