/**
 * mDNS rooms, wire-compatible with go-libp2p's {@code mdns.NewMdnsService(host, room, notifee)}: the room is the
 * DNS-SD service type, peers are found through {@code dnsaddr=} TXT records. Exports nothing; found through its
 * provider ({@code mdns}). See {@code lanchat.discovery.mdns} for the design.
 */
module lanchat.discovery.mdns {
    requires lanchat.api;
    requires io.netty.common;
    requires io.netty.buffer;
    requires io.netty.transport;
    requires io.netty.codec;
    requires io.netty.codec.dns;
    requires org.slf4j;

    provides lanchat.api.spi.DiscoveryProvider with lanchat.discovery.mdns.MdnsDiscoveryProvider;
    // the network doctor (/doctor, --doctor): is multicast getting out, which rooms are heard
    provides lanchat.api.spi.DiscoveryProbe with lanchat.discovery.mdns.MdnsProbe;
}
