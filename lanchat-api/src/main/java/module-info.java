/**
 * The LAN Chat API: value types (peer ids, multiaddrs, identities), the transport and discovery SPIs, and the
 * shared dial policy. Depends on {@code java.base} only.
 */
module lanchat.api {
    exports lanchat.api;
    exports lanchat.api.spi;
    exports lanchat.api.policy;
    exports lanchat.api.crypto;
    exports lanchat.api.resource;
    // capabilities the JDK lacks; implemented by lanchat.crypto.bc, which LazyCrypto loads from mods/lazy/ on first use
    exports lanchat.api.crypto.spi;
    // encoding helpers every wire plugin needs; not part of the public API
    exports lanchat.api.internal to lanchat.transport.netty, lanchat.transport.libp2p, lanchat.discovery.mdns, lanchat.room;
    exports lanchat.api.internal.noise to lanchat.transport.netty, lanchat.transport.libp2p;

    uses lanchat.api.spi.TransportProvider;
    uses lanchat.api.spi.DiscoveryProvider;
    uses lanchat.api.crypto.spi.Secp256k1Verifier;
}
