package lanchat.discovery.mdns;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Predicate;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import lanchat.api.Multiaddr;
import lanchat.api.PeerId;
import lanchat.api.spi.DiscoveryEvent;
import lanchat.discovery.mdns.MdnsCodec.Message;
import lanchat.discovery.mdns.MdnsCodec.Question;
import lanchat.discovery.mdns.MdnsCodec.Rec;
import lanchat.discovery.mdns.MdnsMessages.Layout;

/**
 * The protocol, without sockets or threads: what to send when interfaces change, a packet arrives or a timer fires,
 * and what to report. {@link MdnsDiscovery} runs it on one event loop and gives it an {@link Io}; unit tests give it
 * a recording one and a fake clock.
 *
 * <ul>
 *   <li>On a new interface: announce (twice, one second apart, RFC 6762 8.3) and query (twice, likewise). The first
 *       query asks for unicast answers (QU bit, RFC 6762 5.4), which members send at once, while their multicast answer
 *       may have to wait up to a second behind their last multicast.</li>
 *   <li>Every query interval: a query on every interface, after counting who did not answer the previous one
 *       ({@link PeerTable#queryRound}). Queries carry no known answers, so every member answers every query.</li>
 *   <li>A query for the room is answered on the interface it came in on (all interfaces when that cannot be told),
 *       with only that interface's addresses; at most one multicast per interface per second (RFC 6762 6): later
 *       answers wait and are merged. The IPv4 and IPv6 copies of one query (same non-zero ID) are answered once. A
 *       question with the QU bit is also answered at once by unicast to its sender (RFC 6762 5.4), within the same
 *       budget as legacy replies; the multicast answer still follows, for peers whose unicast copy went to another
 *       process sharing port 5353 on their host.</li>
 *   <li>A query for the room from an address that is neither ours nor a known member's is a newcomer starting up: we
 *       query back at once (at most once a second per interface, QU too), which finds a go-libp2p peer right away
 *       instead of when its own announcement comes, up to a second later (zeroconf probes first).</li>
 *   <li>Responses: TXT records of {@code <label>.R.local.} are read with {@link TxtRecords#parse}; TTL 0 is a
 *       goodbye, as is a PTR {@code R.local. -> <label>.R.local.} with TTL 0. Our own instance and peer id are
 *       ignored. Only addresses on the link the response came in on are kept (see {@code onResponse}).</li>
 * </ul>
 */
final class MdnsEngine {
    private static final Logger log = LoggerFactory.getLogger(MdnsEngine.class);
    static final int MDNS_PORT = 5353;
    /** Unicast replies (legacy and QU) allowed per second, in all: a spoofed query cannot turn us into an amplifier. */
    static final int UNICAST_PER_SECOND = 20;

    /** What the engine needs from the outside. All calls happen on the engine's thread. */
    interface Io {
        /** Multicast {@code packet} on {@code nif}, in each family joined there. */
        void multicast(NetIf nif, byte[] packet);

        /** Unicast {@code packet} to {@code to} (legacy replies). */
        void unicast(InetSocketAddress to, byte[] packet);

        /** Runs {@code task} on the engine's thread after {@code delayMs}. */
        void schedule(Runnable task, long delayMs);
    }

    private static final class IfState {
        NetIf nif;
        List<Multiaddr> advertised = List.of();
        long lastMulticast = Long.MIN_VALUE / 2;
        long lastQuery = Long.MIN_VALUE / 2;
        boolean timerArmed;
        final EnumSet<Layout> pending = EnumSet.noneOf(Layout.class);
        /** IDs of queries answered recently, with when: drops the IPv4/IPv6 twin of a query. */
        final LinkedHashMap<Integer, Long> answeredIds = new LinkedHashMap<>();
        boolean gone;
    }

    private final ServiceNames names;
    private final PeerId self;
    private final MdnsOptions options;
    private final Io io;
    private final Consumer<DiscoveryEvent> events;
    private final LongSupplier clock;
    private final Random random;
    private final MdnsCodec codec = new MdnsCodec();
    private final MdnsMessages messages;
    private final PeerTable table;
    /** The rooms other hosts' packets named lately (queries and answers): the doctor's "heard in the last minute". */
    private final HeardNames heard;
    private final Map<String, IfState> ifaces = new LinkedHashMap<>();
    private List<Multiaddr> listen = List.of();
    private Set<InetAddress> local = Set.of();
    private long unicastWindow;
    private int unicastCount;
    private long malformed;
    private long offLink;
    private boolean closed;

    MdnsEngine(ServiceNames names, PeerId self, MdnsOptions options, Io io, Consumer<DiscoveryEvent> events, LongSupplier clock, Random random) {
        this.names = names;
        this.self = self;
        this.options = options;
        this.io = io;
        this.events = events;
        this.clock = clock;
        this.random = random;
        this.messages = new MdnsMessages(names, codec);
        this.table = new PeerTable(options.maxPeers(), MdnsOptions.MAX_ADDRS_PER_PEER, options.missLimit());
        this.heard = new HeardNames(clock);
    }

    /** The room names other hosts' packets carried in the last minute (bounded, see {@link HeardNames}). Any thread. */
    List<String> recentlyHeard() {
        return heard.recent();
    }

    void setListenAddresses(List<Multiaddr> addrs) {
        listen = List.copyOf(addrs);
    }

    /** Which of our transports listens on which port, said in our TXT record (LAN Chat peers read it). */
    void setTransportPorts(Map<String, Integer> transportPorts) {
        messages.setTransportPorts(transportPorts);
    }

    // ------------------------------------------------------------------------------------------ interfaces

    /**
     * The interfaces now joined, and every address of this host. New interfaces are announced on and queried;
     * interfaces whose advertised addresses changed are announced on again.
     */
    void interfaces(List<NetIf> joined, Set<InetAddress> localAddresses) {
        if (closed) return;
        local = Set.copyOf(localAddresses);
        Map<String, NetIf> now = new LinkedHashMap<>();
        for (NetIf n : joined) now.put(n.key(), n);
        for (var it = ifaces.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            if (!now.containsKey(e.getKey())) {
                e.getValue().gone = true;
                it.remove();
                log.debug("mdns: left {}", e.getKey());
            }
        }
        for (NetIf n : joined) {
            IfState st = ifaces.get(n.key());
            List<Multiaddr> adv = TxtRecords.forInterface(listen, n, self, MdnsOptions.MAX_ADDRS_PER_PEER);
            if (st == null) {
                st = new IfState();
                st.nif = n;
                st.advertised = adv;
                ifaces.put(n.key(), st);
                if (adv.isEmpty()) log.info("mDNS: browsing only on {}: no listen address belongs to it", n.key());
                else log.debug("mdns: joined {} advertising {}", n.key(), adv);
                startBurst(st, true);
            } else {
                st.nif = n;
                if (!st.advertised.equals(adv)) {
                    st.advertised = adv;
                    log.debug("mdns: addresses on {} now {}", n.key(), adv);
                    startBurst(st, false);
                }
            }
        }
    }

    /** Announce now and a second later; with {@code query}, query likewise. */
    private void startBurst(IfState st, boolean query) {
        requestMulticast(st, Layout.ANNOUNCE);
        if (query) sendQuery(st, true);
        io.schedule(() -> {
            if (closed || st.gone) return;
            requestMulticast(st, Layout.ANNOUNCE);
            if (query) sendQuery(st, false);
        }, 1000);
    }

    // ------------------------------------------------------------------------------------------ timers

    /** The periodic query: count misses, then query on every interface. */
    void periodicQuery() {
        if (closed) return;
        emit(table.queryRound(clock.getAsLong()));
        for (IfState st : ifaces.values()) sendQuery(st, false);
    }

    /** Drops records whose TTL ran out; call about once a second. */
    void sweep() {
        if (closed) return;
        emit(table.expire(clock.getAsLong()));
    }

    /** {@code unicastResponse}: the QU bit, for answers that need not wait for the members' multicast turn. */
    private void sendQuery(IfState st, boolean unicastResponse) {
        st.lastQuery = clock.getAsLong();
        io.multicast(st.nif, messages.query(1 + random.nextInt(0xFFFF), unicastResponse));
    }

    // ------------------------------------------------------------------------------------------ packets

    /** A datagram from {@code sender}; anything malformed is counted and dropped. */
    void onPacket(byte[] data, int offset, int length, InetSocketAddress sender) {
        if (closed) return;
        Optional<Message> m = codec.decode(data, offset, length);
        if (m.isEmpty()) {
            if (++malformed % 1000 == 1) log.debug("mdns: ignored a malformed packet from {} ({} so far)", sender, malformed);
            return;
        }
        InetAddress from = NetIf.stripScope(sender.getAddress());
        boolean fromThisHost = local.contains(from);
        // our own queries and announcements (and those of other nodes on this host) say nothing about the LAN
        if (!fromThisHost) noteNames(m.get());
        if (m.get().response()) onResponse(m.get(), sender.getAddress(), fromThisHost);
        else onQuery(m.get(), sender, fromThisHost);
    }

    /** The service names a packet asks for or answers about (PTR: DNS-SD's browse names, go-libp2p's room). */
    private void noteNames(Message m) {
        for (Question q : m.questions()) if (q.type() == MdnsCodec.PTR) heard.note(q.name());
        for (Rec r : m.records()) if (r.type() == MdnsCodec.PTR) heard.note(r.name());
    }

    /**
     * A record is a stranger's say-so, and the app dials what we report (issue 13: spoofed records made every node
     * dial a victim thousands of times). So only addresses a real member on that link could have: inside a subnet of
     * the interface the datagram came in on (Java cannot read IP_PKTINFO, so the sender's subnet or IPv6 scope tells
     * which), or IPv4 link-local; loopback only in records from this host. A datagram from outside every subnet of
     * ours, which no member on our links sends, is not read at all.
     */
    private void onResponse(Message m, InetAddress sender, boolean fromThisHost) {
        Optional<NetIf> arrival = NetIf.attribute(joined(), sender);
        if (arrival.isEmpty() && !fromThisHost) {
            if (++offLink % 1000 == 1) log.debug("mdns: ignored a response from {}, outside every subnet of ours ({} so far)", sender, offLink);
            return;
        }
        Predicate<InetAddress> dialable = ip -> ip.isLoopbackAddress() ? fromThisHost : arrival.isPresent() && arrival.get().onLink(ip);
        InetAddress introducer = fromThisHost ? null : NetIf.stripScope(sender);
        long now = clock.getAsLong();
        long ignoredBefore = table.ignoredPeers();
        List<DiscoveryEvent> out = new ArrayList<>();
        for (Rec r : m.records()) {
            if (r.type() == MdnsCodec.PTR && names.isService(r.name()) && r.ttl() == 0) {
                if (!names.isOurInstance(r.target()) && names.instanceLabelOf(r.target()).isPresent()) out.addAll(table.goodbyeInstance(r.target()));
            } else if (r.type() == MdnsCodec.TXT && !names.isOurInstance(r.name()) && names.instanceLabelOf(r.name()).isPresent()) {
                Optional<TxtRecords.Advert> ad = TxtRecords.parse(r.txt(), self, dialable, MdnsOptions.MAX_ADDRS_PER_PEER);
                if (ad.isEmpty()) continue;
                if (r.ttl() == 0) out.addAll(table.goodbye(ad.get().peer(), ad.get().addresses()));
                else out.addAll(table.seen(introducer, r.name(), ad.get().peer(), ad.get().addresses(), ad.get().transportPorts(), r.ttl(), now));
            }
        }
        if (table.ignoredPeers() > ignoredBefore) {
            log.warn("mDNS: ignored {} new peer(s) advertised by {}: at most {} peers per host and {} in all are kept",
                    table.ignoredPeers() - ignoredBefore, introducer != null ? introducer : "this host", PeerTable.MAX_PEERS_PER_SENDER, options.maxPeers());
        }
        emit(out);
    }

    private List<NetIf> joined() {
        List<NetIf> list = new ArrayList<>();
        for (IfState st : ifaces.values()) list.add(st.nif);
        return list;
    }

    private void onQuery(Message m, InetSocketAddress sender, boolean fromThisHost) {
        EnumSet<Layout> want = EnumSet.noneOf(Layout.class);
        EnumSet<Layout> wantUnicast = EnumSet.noneOf(Layout.class);
        Question legacyQuestion = null;
        boolean forRoom = false;
        for (Question q : m.questions()) {
            Layout l = answerFor(q);
            if (l == null) continue;
            if (l == Layout.BROWSE) {
                forRoom = true;
                if (knownAnswer(m)) continue;
            }
            want.add(l);
            if (q.unicastResponse()) wantUnicast.add(l);
            if (legacyQuestion == null) legacyQuestion = q;
        }
        if (want.isEmpty() && !forRoom) return;
        List<IfState> targets = targets(sender.getAddress());
        if (sender.getPort() != MDNS_PORT) {
            if (legacyQuestion != null) legacyReply(want, legacyQuestion, m.id(), sender, targets);
            return;
        }
        long now = clock.getAsLong();
        for (IfState st : targets) {
            if (!want.isEmpty() && !duplicate(st, m.id(), now)) {
                for (Layout l : wantUnicast) unicastReply(st, l, sender);
                for (Layout l : want) requestMulticast(st, l);
            }
            if (forRoom && !fromThisHost && now - st.lastQuery >= 1000 && !table.knowsIp(NetIf.stripScope(sender.getAddress()).getAddress())) {
                log.debug("mdns: query from newcomer {} on {}: querying back", sender, st.nif.key());
                sendQuery(st, true);
            }
        }
    }

    private Layout answerFor(Question q) {
        int t = q.type();
        if (names.isService(q.name()) && (t == MdnsCodec.PTR || t == MdnsCodec.ANY)) return Layout.BROWSE;
        if (names.isOurInstance(q.name()) && (t == MdnsCodec.SRV || t == MdnsCodec.TXT || t == MdnsCodec.ANY)) return Layout.ANNOUNCE;
        if (ServiceNames.META.equals(q.name()) && (t == MdnsCodec.PTR || t == MdnsCodec.ANY)) return Layout.META;
        if (names.host.equals(q.name()) && (t == MdnsCodec.A || t == MdnsCodec.AAAA || t == MdnsCodec.ANY)) return Layout.HOST;
        return null;
    }

    /** Known-answer suppression (RFC 6762 7.1), as zeroconf does it: the querier lists our PTR with at least half its TTL. */
    private boolean knownAnswer(Message m) {
        for (Rec r : m.records()) {
            if (r.type() == MdnsCodec.PTR && names.isService(r.name()) && names.isOurInstance(r.target()) && r.ttl() >= MdnsMessages.TTL / 2) return true;
        }
        return false;
    }

    private List<IfState> targets(InetAddress sender) {
        Optional<NetIf> on = NetIf.attribute(joined(), sender);
        if (on.isPresent()) return List.of(ifaces.get(on.get().key()));
        return new ArrayList<>(ifaces.values());
    }

    private static boolean duplicate(IfState st, int id, long now) {
        st.answeredIds.values().removeIf(t -> now - t > 1000);
        if (id == 0) return false;
        if (st.answeredIds.containsKey(id)) return true;
        if (st.answeredIds.size() >= 32) st.answeredIds.remove(st.answeredIds.keySet().iterator().next());
        st.answeredIds.put(id, now);
        return false;
    }

    private void legacyReply(EnumSet<Layout> want, Question q, int id, InetSocketAddress to, List<IfState> targets) {
        if (targets.isEmpty()) return;
        IfState st = targets.get(0);
        for (Layout l : want) {
            if (!unicastBudget()) return;
            messages.response(l, st.advertised, MdnsMessages.budget(st.nif.mtu()), q, id).ifPresent(b -> io.unicast(to, b));
        }
    }

    /** A QU question's answer: the records a multicast answer would carry, sent to the querier alone (RFC 6762 6). */
    private void unicastReply(IfState st, Layout layout, InetSocketAddress to) {
        if (st.advertised.isEmpty() && layout != Layout.META) return;
        if (!unicastBudget()) return;
        messages.response(layout, st.advertised, MdnsMessages.budget(st.nif.mtu()), null, 0).ifPresent(b -> io.unicast(to, b));
    }

    /** Takes one unicast reply from this second's budget; false when it is spent. */
    private boolean unicastBudget() {
        long now = clock.getAsLong();
        if (now - unicastWindow >= 1000) {
            unicastWindow = now;
            unicastCount = 0;
        }
        if (unicastCount >= UNICAST_PER_SECOND) return false;
        unicastCount++;
        return true;
    }

    // ------------------------------------------------------------------------------------------ rate limit

    /** Sends {@code layout} on {@code st} now, or when a second has passed since the last multicast there. */
    private void requestMulticast(IfState st, Layout layout) {
        if (st.advertised.isEmpty() && layout != Layout.META) return; // nothing to say on this link
        st.pending.add(layout);
        if (st.timerArmed) return;
        long wait = st.lastMulticast + MdnsOptions.MIN_MULTICAST_INTERVAL_MS - clock.getAsLong();
        if (wait <= 0) {
            flush(st);
        } else {
            st.timerArmed = true;
            io.schedule(() -> {
                st.timerArmed = false;
                if (!closed && !st.gone) flush(st);
            }, wait);
        }
    }

    private void flush(IfState st) {
        if (st.pending.isEmpty()) return;
        EnumSet<Layout> send = EnumSet.copyOf(st.pending);
        st.pending.clear();
        // an announcement carries everything a browse, meta or host answer would
        if (send.contains(Layout.ANNOUNCE)) send = EnumSet.of(Layout.ANNOUNCE);
        int budget = MdnsMessages.budget(st.nif.mtu());
        for (Layout l : send) messages.response(l, st.advertised, budget, null, 0).ifPresent(b -> io.multicast(st.nif, b));
        st.lastMulticast = clock.getAsLong();
    }

    // ------------------------------------------------------------------------------------------ close

    /** Goodbyes (TTL 0) on every interface for what was advertised there; nothing is sent or reported afterwards. */
    void goodbye() {
        if (closed) return;
        closed = true;
        for (IfState st : ifaces.values()) {
            if (st.advertised.isEmpty()) continue;
            messages.response(Layout.GOODBYE, st.advertised, MdnsMessages.budget(st.nif.mtu()), null, 0).ifPresent(b -> io.multicast(st.nif, b));
        }
        codec.close();
    }

    private void emit(List<DiscoveryEvent> out) {
        for (DiscoveryEvent e : out) {
            log.debug("mdns: {}", e);
            events.accept(e);
        }
    }

    // ------------------------------------------------------------------------------------------ for tests

    PeerTable table() {
        return table;
    }

    List<Multiaddr> advertised(String ifaceKey) {
        IfState st = ifaces.get(ifaceKey);
        return st == null ? List.of() : st.advertised;
    }

    long malformed() {
        return malformed;
    }
}
