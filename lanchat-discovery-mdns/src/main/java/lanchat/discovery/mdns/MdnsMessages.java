package lanchat.discovery.mdns;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import lanchat.api.Multiaddr;
import lanchat.api.Multiaddr.Protocol;
import lanchat.discovery.mdns.MdnsCodec.Addr;
import lanchat.discovery.mdns.MdnsCodec.Draft;
import lanchat.discovery.mdns.MdnsCodec.Ptr;
import lanchat.discovery.mdns.MdnsCodec.Question;
import lanchat.discovery.mdns.MdnsCodec.Rr;
import lanchat.discovery.mdns.MdnsCodec.Srv;
import lanchat.discovery.mdns.MdnsCodec.Txt;

/**
 * The messages we send, laid out record for record as libp2p/zeroconf v2 (go-libp2p's mDNS) lays out its own, for
 * room {@code R}, instance label {@code <inst>}, and the addresses advertised on one interface:
 *
 * <pre>
 * QUERY      QD  R.local. PTR IN                                               (go client.query)
 * BROWSE     AN  R.local. 3200 PTR &lt;inst&gt;.R.local.                              (go composeBrowsingAnswers,
 *            AR  &lt;inst&gt;.R.local. 3200 SRV 0 0 4001 &lt;inst&gt;.local.                the answer to a QUERY)
 *            AR  &lt;inst&gt;.R.local. 3200 TXT "dnsaddr=/ip4/…/tcp/…/p2p/…" …
 *            AR  &lt;inst&gt;.local. 120 A|AAAA …
 * ANNOUNCE   AN  &lt;inst&gt;.R.local. 3200 SRV* …, TXT* …                          (go composeLookupAnswers with
 *            AN  _services._dns-sd._udp.local. 3200 PTR R.local.                    cache flush: probe() announcements,
 *            AN  R.local. 3200 PTR &lt;inst&gt;.R.local.                              also the answer to a query for
 *            AN  &lt;inst&gt;.local. 120 A*|AAAA* …                                      &lt;inst&gt;.R.local.)
 * GOODBYE    as ANNOUNCE with TTL 0, without the _services PTR                      (go unregister)
 * META       AN  _services._dns-sd._udp.local. 3200 PTR R.local.                  (go serviceTypeName)
 * HOST       AN  &lt;inst&gt;.local. 120 A*|AAAA* …                                      (libp2p mDNS spec, "Gotchas")
 * </pre>
 * {@code *} marks the cache-flush bit. Responses have ID 0 and QR+AA set (RFC 6762 18); queries carry a random
 * non-zero ID, as go's do, which lets us answer the IPv4 and IPv6 copies of one query once. The TXT record is one
 * record with one string per address, which is what go's browser needs: it keeps the last TXT of a message and drops
 * entries whose SRV target has no A/AAAA in the same message, so SRV, TXT and A/AAAA always travel together.
 *
 * <p>Differences from go, on purpose: in announcements the {@code _services} PTR comes before the room's PTR (go has
 * it after), because js-libp2p's mDNS takes the last PTR of the answer section as the room's and would otherwise
 * ignore every announcement, go's included (go's browser does not care about order); responses have AA set (go's
 * announcements do not; RFC 6762 18.4 wants it); each interface advertises only its own addresses (go sends all of them, and only
 * its first IPv4 and first IPv6 as A/AAAA); messages are kept under the MTU by dropping addresses from the end (go
 * never checks); the goodbye does not withdraw the shared {@code _services} pointer, which the other members of the
 * room still hold. A legacy unicast query (source port not 5353, RFC 6762 6.7, e.g. {@code dig -p 5353}) gets the same
 * records unicast, with its ID and question echoed, TTLs capped at 10 s and no cache-flush bits.
 */
final class MdnsMessages {
    static final int SRV_PORT = 4001;
    /** zeroconf's defaultTTL, for PTR, SRV and TXT. */
    static final long TTL = 3200;
    /** zeroconf's TTL for A/AAAA (RFC 6762 10: 120 s for records with host names). */
    static final long HOST_TTL = 120;
    static final long LEGACY_TTL = 10;
    /** Bytes left for the DNS message in a 1500-byte packet after an IPv6 (40) and UDP (8) header. */
    static final int MAX_MESSAGE = 1500 - 48;

    enum Layout { BROWSE, ANNOUNCE, GOODBYE, META, HOST }

    private final ServiceNames names;
    private final MdnsCodec codec;
    /** Strings our TXT record carries after the {@code dnsaddr}s: which transport listens where (TxtRecords). */
    private List<String> extraTxt = List.of();

    MdnsMessages(ServiceNames names, MdnsCodec codec) {
        this.names = names;
        this.codec = codec;
    }

    /** Our TXT record says which transport listens on which port ({@link TxtRecords#transports}). */
    void setTransportPorts(Map<String, Integer> transportPorts) {
        extraTxt = TxtRecords.transports(transportPorts).map(List::of).orElse(List.of());
    }

    /** The budget for one message on an interface with {@code mtu} (no larger than for a 1500-byte MTU). */
    static int budget(int mtu) {
        int m = mtu <= 0 ? 1500 : Math.min(mtu, 1500);
        return Math.max(512 - 48, m - 48);
    }

    /** A QUERY with a random ID. */
    byte[] query(int id, boolean unicastResponse) {
        return codec.encode(new Draft(false, id, List.of(new Question(names.service, MdnsCodec.PTR, unicastResponse)), List.of(), List.of()));
    }

    /**
     * The encoded response of {@code layout} advertising as many of {@code addrs} as fit in {@code budget} bytes
     * (addresses dropped from the end first); empty when not even one address fits, or none is given for a layout that
     * needs one. {@code legacy} is the question to echo for a legacy unicast reply (with its {@code id}), else null.
     */
    Optional<byte[]> response(Layout layout, List<Multiaddr> addrs, int budget, Question legacy, int id) {
        if (layout == Layout.META) return Optional.of(codec.encode(draft(layout, List.of(), legacy, id)));
        for (int n = addrs.size(); n >= 1; n--) {
            byte[] b = codec.encode(draft(layout, addrs.subList(0, n), legacy, id));
            if (b.length <= budget) return Optional.of(b);
        }
        return Optional.empty();
    }

    /** The number of addresses {@link #response} fits for this layout and budget (0 when none). */
    int fitting(Layout layout, List<Multiaddr> addrs, int budget) {
        for (int n = addrs.size(); n >= 1; n--) if (codec.encode(draft(layout, addrs.subList(0, n), null, 0)).length <= budget) return n;
        return 0;
    }

    Draft draft(Layout layout, List<Multiaddr> addrs, Question legacy, int id) {
        boolean lg = legacy != null;
        long ttl = layout == Layout.GOODBYE ? 0 : lg ? Math.min(TTL, LEGACY_TTL) : TTL;
        long hostTtl = layout == Layout.GOODBYE ? 0 : lg ? Math.min(HOST_TTL, LEGACY_TTL) : HOST_TTL;
        boolean flush = !lg; // legacy unicast replies never set the cache-flush bit (RFC 6762 6.7)
        Rr ptr = new Rr(names.service, false, ttl, new Ptr(names.instance));
        Rr srv = new Rr(names.instance, false, ttl, new Srv(0, 0, SRV_PORT, names.host));
        Rr txt = new Rr(names.instance, false, ttl, new Txt(txtStrings(addrs)));
        Rr meta = new Rr(ServiceNames.META, false, ttl, new Ptr(names.service));
        List<Rr> an = new ArrayList<>(), ar = new ArrayList<>();
        switch (layout) {
            case BROWSE -> {
                an.add(ptr);
                ar.add(srv);
                ar.add(txt);
                ar.addAll(addressRecords(addrs, hostTtl, false));
            }
            case ANNOUNCE, GOODBYE -> {
                an.add(flushed(srv, flush));
                an.add(flushed(txt, flush));
                if (layout == Layout.ANNOUNCE) an.add(meta); // before the room's PTR: js-libp2p keeps the last PTR
                an.add(ptr);
                an.addAll(addressRecords(addrs, hostTtl, flush));
            }
            case META -> an.add(meta);
            case HOST -> an.addAll(addressRecords(addrs, hostTtl, flush));
        }
        return new Draft(true, lg ? id : 0, lg ? List.of(legacy) : List.of(), an, ar);
    }

    private List<String> txtStrings(List<Multiaddr> addrs) {
        List<String> strings = new ArrayList<>(TxtRecords.dnsaddrs(addrs));
        strings.addAll(extraTxt);
        return strings;
    }

    private static Rr flushed(Rr r, boolean flush) {
        return new Rr(r.name(), flush, r.ttl(), r.data());
    }

    /** One A or AAAA per distinct IP of {@code addrs}, owned by {@code <inst>.local.}. */
    private List<Rr> addressRecords(List<Multiaddr> addrs, long ttl, boolean flush) {
        Set<InetAddress> ips = new LinkedHashSet<>();
        for (Multiaddr m : addrs) {
            Multiaddr.Component c = m.components().get(0);
            if (c.protocol() == Protocol.IP4 || c.protocol() == Protocol.IP6) {
                try {
                    ips.add(InetAddress.getByAddress(c.value()));
                } catch (UnknownHostException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        List<Rr> out = new ArrayList<>();
        for (InetAddress ip : ips) out.add(new Rr(names.host, flush, ttl, new Addr(ip)));
        return out;
    }
}
