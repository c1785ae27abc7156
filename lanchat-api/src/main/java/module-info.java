/**
 * The LAN Chat API: value types (peer ids, multiaddrs, identities), the transport, discovery and front-end SPIs, and the
 * shared dial policy. Depends on {@code java.base} only.
 */
module lanchat.api {
    exports lanchat.api;
    exports lanchat.api.spi;
    exports lanchat.api.policy;
    exports lanchat.api.crypto;
    exports lanchat.api.resource;
    exports lanchat.api.ui;
    // capabilities the JDK lacks; implemented by lanchat.crypto.bc, which LazyCrypto loads from mods/lazy/ on first use
    exports lanchat.api.crypto.spi;
    // encoding helpers the repository's wire modules need; not part of the public API (the Noise handshake that
    // uses them is public, in lanchat.security.noise)
    exports lanchat.api.internal to lanchat.security.noise, lanchat.security.tls, lanchat.transport.netty, lanchat.transport.libp2p, lanchat.discovery.mdns, lanchat.room;

    uses lanchat.api.spi.TransportProvider;
    uses lanchat.api.spi.DiscoveryProvider;
    uses lanchat.api.spi.DiscoveryProbe;
    uses lanchat.api.ui.FrontendProvider;
    uses lanchat.api.crypto.spi.Secp256k1Verifier;
    uses lanchat.api.crypto.spi.XSalsa20;
    uses lanchat.api.crypto.spi.Argon2id;
    uses lanchat.api.crypto.spi.X509Reader;
}
