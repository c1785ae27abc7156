/**
 * mDNS discovery of LAN Chat rooms, on the wire the same as go-libp2p's {@code mdns.NewMdnsService(host, room, n)}
 * (libp2p/zeroconf v2), which the original Go program uses. The room is the DNS-SD service type itself:
 * {@code R.local.}, not {@code _R._udp.local.}; peers are found through {@code dnsaddr=<multiaddr>/p2p/<id>} TXT
 * strings; SRV (port 4001, a dummy) and A/AAAA records are sent because go's browser needs them. See
 * {@link lanchat.discovery.mdns.MdnsMessages} for the exact records and {@link lanchat.discovery.mdns.MdnsEngine} for
 * when they are sent.
 *
 * <h2>Why Netty codec-dns and not JmDNS</h2>
 * JmDNS 3.6.1 cannot be used for these records:
 * <ul>
 *   <li>its public API ({@code ServiceInfo}) only forms {@code _app._proto.domain} types, so it cannot register or
 *       browse {@code R.local.};</li>
 *   <li>its lower layer is public only in part: {@code DNSListener} (needed for {@code JmDNSImpl.addListener}) and
 *       {@code JmDNSImpl.handleQuery} are package-private, so neither incoming records nor incoming queries can be
 *       hooked; the readers of decoded records ({@code getAlias}, {@code getServer}, {@code getText},
 *       {@code getAddress}) and the {@code DNSRecord.IPv4Address} constructors are package-private too. Using it would
 *       mean reflection into a third-party {@code impl} package (javax.jmdns is an automatic module, so it is open,
 *       but that is no API);</li>
 *   <li>its runtime would add what go does not send (its own host-name probing and announcements), keeps an
 *       unbounded record cache, and binds one socket per address.</li>
 * </ul>
 * Netty's codec-dns (same 4.1.x line as the transports, already in {@code mods/}) does the DNS message framing and
 * name (de)compression through public API, with hardening against compression loops, oversized names and record
 * floods; this module only writes the RDATA of SRV/TXT/A/AAAA and reads TXT strings. Netty's NIO datagram channels
 * give the multicast sockets, and its event loop runs everything on one thread, so no state is shared between threads.
 *
 * <h2>Interfaces</h2>
 * Every interface that is up, multicast-capable and not loopback (loopback only if nothing else qualifies; option
 * {@code mdnsInterfaces} names them explicitly) is joined, IPv4 and IPv6 where it has addresses, and re-read every few
 * seconds: an interface that appears, or comes back with a new name or index, is joined, announced on and queried.
 * On each interface only that interface's addresses are advertised. Java cannot tell on which interface a datagram
 * arrived, so the sender's subnet (or IPv6 scope) decides; when nothing matches, the query is answered on all.
 *
 * <h2>Limits</h2>
 * Every message fits a 1500-byte MTU; at most 256 peers per room, 8 of them introduced by one other host, and 16
 * addresses per peer are kept; TXT records are read up to 64 strings; datagrams beyond 9000 bytes or 2000 per second
 * are dropped; each interface multicasts our records at most once a second. A record is only a hint: the transport
 * handshake checks the peer id. As the app dials what we report, only addresses on the link the record came in on are
 * reported (a response from outside every subnet of ours is not read at all), loopback ones only from this host.
 */
package lanchat.discovery.mdns;
