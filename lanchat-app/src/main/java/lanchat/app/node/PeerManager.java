package lanchat.app.node;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;

import lanchat.api.ChatMessage;
import lanchat.api.Multiaddr;
import lanchat.api.PeerId;
import lanchat.api.policy.DialArbiter;
import lanchat.api.policy.ReconnectPolicy;
import lanchat.api.spi.ChatSession;
import lanchat.api.spi.DiscoveryEvent;
import lanchat.api.spi.SessionListener;
import lanchat.api.spi.Transport;

/**
 * The one component that sees both discovery events and sessions, and so the one place that enforces the dial
 * rules: who dials ({@link DialArbiter#shouldDial}), which of two connections to one peer survives
 * ({@link DialArbiter#survivor}), and when to redial ({@link ReconnectPolicy}).
 *
 * <p>Every method runs on the node's single thread ({@code loop}); transports deliver their callbacks there too, so
 * the state below needs no locks.
 */
public final class PeerManager {
    /**
     * Both ends pick the same survivor of two connections, but not at the same instant: the peer may not have the
     * survivor yet, and still use the other one. So a losing duplicate is closed only this long after it lost (what
     * the peer sends on it meanwhile is still delivered), and an orderly close of a peer's only session goes
     * unreported this long (the survivor replaces it silently; after that, the peer is reported disconnected).
     */
    static final Duration REPLACEMENT_GRACE = Duration.ofMillis(500);

    /** A peer that accepts a ping but never answers is reported after this long. */
    static final Duration PING_TIMEOUT = Duration.ofSeconds(5);

    private final PeerId self;
    private final Transport transport;
    private final ScheduledExecutorService loop;
    private final NodeEvents events;
    private final ReconnectPolicy policy;
    private final RandomGenerator random;
    private final Map<PeerId, Peer> peers = new HashMap<>();
    /** {@code --peer} addresses without a {@code /p2p/} id: dialed until they tell us who they are. */
    private final List<AnonymousPeer> anonymous = new ArrayList<>();
    /** Duplicates that lost arbitration, closed after {@link #REPLACEMENT_GRACE}. */
    private final List<ChatSession> retiring = new ArrayList<>();
    /** Inbound sessions from peers not (yet) seen in our room, waiting for discovery to vouch for them. */
    private final Map<ChatSession, ScheduledFuture<?>> unadmitted = new HashMap<>();
    /** Set in room mode: how long an unknown inbound peer may wait for its room record before it is refused. */
    private Duration admissionGrace;
    private String nick;
    private boolean closed;

    /** What we know and want of one remote peer. */
    private static final class Peer {
        final PeerId id;
        ChatSession session;
        String nick;
        Multiaddr staticAddress;
        List<Multiaddr> discovered = List.of();
        boolean dialing;
        int attempts;
        ScheduledFuture<?> timer;
        /** A disconnection waiting out {@link #REPLACEMENT_GRACE} before it is reported. */
        ScheduledFuture<?> unreported;
        boolean skipReported;

        Peer(PeerId id) { this.id = id; }

        boolean found() { return !discovered.isEmpty(); }
    }

    private static final class AnonymousPeer {
        final Multiaddr address;
        int attempts;

        AnonymousPeer(Multiaddr address) { this.address = address; }
    }

    /** A row of {@code /peers}. */
    public record PeerInfo(PeerId peer, String nick, Multiaddr address, String transport, String direction) {}

    public PeerManager(PeerId self, Transport transport, ScheduledExecutorService loop, NodeEvents events, ReconnectPolicy policy, RandomGenerator random) {
        this.self = self;
        this.transport = transport;
        this.loop = loop;
        this.events = events;
        this.policy = policy;
        this.random = random;
    }

    public void setNick(String nick) { this.nick = nick; }

    /**
     * Room mode (--rendezvous): only members of the room are accepted. An inbound connection from a peer that
     * discovery has not reported (it may simply have found us first) waits up to {@code grace} for its record, reading
     * nothing meanwhile; then it is refused. Peers given with {@code --peer} are always accepted.
     */
    public void requireRoomMembership(Duration grace) { this.admissionGrace = grace; }

    public String nick() { return nick; }

    /** A {@code --peer} address: dialed now and redialed whenever the connection is lost. */
    public void addStaticPeer(Multiaddr address) {
        if (address.peerId().isPresent()) {
            Peer p = entry(address.peerId().get());
            p.staticAddress = address;
            dial(p);
        } else {
            AnonymousPeer a = new AnonymousPeer(address);
            anonymous.add(a);
            dialAnonymous(a);
        }
    }

    /** Discovery's report; only the larger peer dials at once, the smaller waits for it before dialing itself. */
    public void onDiscovery(DiscoveryEvent event) {
        if (closed || event.peer().equals(self)) return;
        Peer p = entry(event.peer());
        if (event instanceof DiscoveryEvent.PeerFound found) {
            List<Multiaddr> usable = found.addresses().stream().filter(transport::canDial).toList();
            if (usable.isEmpty()) {
                if (!p.skipReported) events.info("skipping " + p.id + ": none of its addresses " + found.addresses() + " is dialable by the " + transport.name() + " transport");
                p.skipReported = true;
                return;
            }
            p.discovered = usable;
            admitWaiting(p.id);
            if (p.session != null || p.dialing || p.timer != null) return;
            if (DialArbiter.shouldDial(self, p.id)) dial(p);
            else schedule(p, policy.fallbackDialAfter());
        } else {
            p.discovered = List.of();
            if (p.staticAddress == null) cancelTimer(p);
        }
    }

    /** Adopts an authenticated session, inbound or outbound, keeping one per peer on both ends. */
    public void register(ChatSession s) {
        if (closed || s.remotePeer().equals(self)) { // the latter: a --peer without /p2p that is our own address
            s.close();
            return;
        }
        Peer p = entry(s.remotePeer());
        if (admissionGrace != null && !p.found() && p.staticAddress == null) {
            hold(s);
            return;
        }
        s.setListener(new Listener());
        if (p.session != null && p.session.isOpen()) {
            ChatSession keep = DialArbiter.survivor(self, p.session, s);
            ChatSession drop = keep == s ? p.session : s;
            p.session = keep;
            retire(drop); // its close event is ignored: it is no longer p.session
            return;
        }
        // a session replacing one whose close is not reported yet (or not even delivered): the peer never left
        boolean replacing = p.session != null || p.unreported != null;
        if (p.unreported != null) {
            p.unreported.cancel(false);
            p.unreported = null;
        }
        p.session = s;
        p.attempts = 0;
        cancelTimer(p);
        if (!replacing) events.connected(p.id, p.found() && p.staticAddress == null);
    }

    public int broadcast(String text) {
        ChatMessage msg = ChatMessage.of(nick, text);
        int sent = 0;
        for (Peer p : peers.values()) {
            if (p.session == null) continue;
            sent++;
            PeerId id = p.id;
            p.session.send(msg).whenCompleteAsync((ok, err) -> {
                if (err != null) events.info("could not send to " + display(id) + ": " + reason(err));
            }, loop);
        }
        return sent;
    }

    /** Pings every connected peer; results arrive as info lines. */
    public int pingAll() {
        int n = 0;
        for (Peer p : peers.values()) {
            if (p.session == null) continue;
            n++;
            PeerId id = p.id;
            p.session.ping().toCompletableFuture().orTimeout(PING_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).whenCompleteAsync((rtt, err) -> events.info(err != null
                    ? "ping " + display(id) + ": failed: " + reason(err)
                    : String.format(java.util.Locale.ROOT, "ping %s: %.3f ms", display(id), rtt.toNanos() / 1e6)), loop);
        }
        return n;
    }

    public List<PeerInfo> connectedPeers() {
        List<PeerInfo> out = new ArrayList<>();
        for (Peer p : peers.values()) {
            if (p.session == null) continue;
            out.add(new PeerInfo(p.id, p.nick, p.session.remoteAddress(), p.session.transport(), p.session.direction().name().toLowerCase()));
        }
        out.sort((a, b) -> a.peer().compareTo(b.peer()));
        return out;
    }

    /** The name a peer is shown with: its nick when it sent one, else the tail of its id. */
    public String display(PeerId id) {
        Peer p = peers.get(id);
        return p != null && p.nick != null ? p.nick : id.shortString();
    }

    /** Closes every session (peers are told) and stops redialing. */
    public CompletableFuture<Void> close() {
        closed = true;
        List<CompletableFuture<Void>> closing = new ArrayList<>();
        for (Peer p : peers.values()) {
            cancelTimer(p);
            if (p.unreported != null) p.unreported.cancel(false);
            if (p.session != null) closing.add(p.session.close().toCompletableFuture());
        }
        retiring.forEach(s -> closing.add(s.close().toCompletableFuture()));
        retiring.clear();
        unadmitted.forEach((s, timer) -> {
            timer.cancel(false);
            closing.add(s.close().toCompletableFuture());
        });
        unadmitted.clear();
        return CompletableFuture.allOf(closing.toArray(CompletableFuture[]::new));
    }

    // ---- dialing ----

    private void dial(Peer p) {
        cancelTimer(p);
        if (closed || p.session != null || p.dialing) return;
        List<Multiaddr> addrs = new ArrayList<>();
        if (p.staticAddress != null) addrs.add(p.staticAddress);
        for (Multiaddr a : p.discovered) addrs.add(a.peerId().isPresent() ? a : a.withPeerId(p.id));
        if (addrs.isEmpty()) return;
        p.dialing = true;
        dialFirst(p, addrs, 0, null);
    }

    /** Tries the addresses in order; the first that connects wins. */
    private void dialFirst(Peer p, List<Multiaddr> addrs, int i, Throwable last) {
        if (closed) {
            p.dialing = false;
            return;
        }
        if (i == addrs.size()) {
            p.dialing = false;
            if (p.session != null) return;
            if (p.staticAddress == null && !p.found()) {
                // lost (PeerLost) while we were dialing: there is nothing left to retry
                events.info("cannot reach " + display(p.id) + ": " + reason(last));
                return;
            }
            Duration d = policy.delay(p.attempts, random);
            if (worthReporting(p.attempts++)) events.info("cannot reach " + display(p.id) + ": " + reason(last) + "; retrying in " + seconds(d));
            schedule(p, d);
            return;
        }
        transport.dial(addrs.get(i)).whenCompleteAsync((s, err) -> {
            if (err == null) {
                p.dialing = false;
                register(s);
            } else {
                dialFirst(p, addrs, i + 1, err);
            }
        }, loop);
    }

    private void dialAnonymous(AnonymousPeer a) {
        if (closed) return;
        transport.dial(a.address).whenCompleteAsync((s, err) -> {
            if (err == null && s.remotePeer().equals(self)) {
                anonymous.remove(a);
                s.close();
                events.info("not dialing " + a.address + " again: it is this node itself");
            } else if (err == null) {
                anonymous.remove(a);
                entry(s.remotePeer()).staticAddress = a.address.withPeerId(s.remotePeer());
                register(s);
            } else {
                Duration d = policy.delay(a.attempts, random);
                if (worthReporting(a.attempts++)) events.info("cannot reach " + a.address + ": " + reason(err) + "; retrying in " + seconds(d));
                loop.schedule(() -> dialAnonymous(a), d.toMillis(), TimeUnit.MILLISECONDS);
            }
        }, loop);
    }

    private void hold(ChatSession s) {
        unadmitted.put(s, loop.schedule(() -> {
            if (unadmitted.remove(s) == null) return;
            events.info("refused " + s.remotePeer() + ": not a member of this room");
            s.close();
        }, admissionGrace.toMillis(), TimeUnit.MILLISECONDS));
    }

    private void admitWaiting(PeerId peer) {
        for (ChatSession s : List.copyOf(unadmitted.keySet())) {
            if (!s.remotePeer().equals(peer)) continue;
            unadmitted.remove(s).cancel(false);
            register(s);
        }
    }

    /** Closes a losing duplicate a little later: until the peer has the survivor too, it may still send on this one. */
    private void retire(ChatSession s) {
        retiring.add(s);
        loop.schedule(() -> {
            if (retiring.remove(s)) s.close();
        }, REPLACEMENT_GRACE.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Failed attempts 1, 2, 4, 8, … are reported: a peer that stays away for an hour costs a dozen lines, not
     * hundreds, and the user still hears that it is being retried.
     */
    static boolean worthReporting(int attempt) {
        int n = attempt + 1;
        return (n & (n - 1)) == 0;
    }

    private void afterDisconnect(Peer p) {
        if (closed) return;
        if (p.staticAddress != null || (p.found() && DialArbiter.shouldDial(self, p.id))) {
            schedule(p, policy.delay(p.attempts++, random));
        } else if (p.found()) {
            schedule(p, policy.fallbackDialAfter());
        }
    }

    private void schedule(Peer p, Duration delay) {
        cancelTimer(p);
        p.timer = loop.schedule(() -> {
            p.timer = null;
            dial(p);
        }, delay.toMillis(), TimeUnit.MILLISECONDS);
    }

    private static void cancelTimer(Peer p) {
        if (p.timer != null) {
            p.timer.cancel(false);
            p.timer = null;
        }
    }

    private Peer entry(PeerId id) {
        return peers.computeIfAbsent(id, Peer::new);
    }

    static String reason(Throwable t) {
        while ((t instanceof CompletionException || t instanceof java.util.concurrent.ExecutionException) && t.getCause() != null) t = t.getCause();
        if (t == null) return "unknown error";
        if (t instanceof java.util.concurrent.TimeoutException) return "no answer in time";
        return t.getMessage() != null ? t.getMessage() : t.getClass().getSimpleName();
    }

    private static String seconds(Duration d) {
        return String.format(java.util.Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
    }

    /** Session events, on the node thread (the transport's callback executor). */
    private final class Listener implements SessionListener {
        @Override
        public void onMessage(ChatSession s, ChatMessage m) {
            Peer p = entry(s.remotePeer());
            m.nick().ifPresent(n -> p.nick = n);
            events.message(p.id, m);
        }

        @Override
        public void onClosed(ChatSession s, Throwable cause) {
            Peer p = peers.get(s.remotePeer());
            if (p == null || p.session != s) return; // a duplicate that lost arbitration
            p.session = null;
            String why = cause == null ? "closed" : reason(cause);
            if (cause != null || closed) {
                disconnected(p, why);
            } else {
                // may be the peer dropping its duplicate of a connection still on its way to us: give it a moment
                p.unreported = loop.schedule(() -> {
                    p.unreported = null;
                    disconnected(p, why);
                }, REPLACEMENT_GRACE.toMillis(), TimeUnit.MILLISECONDS);
            }
        }

        private void disconnected(Peer p, String why) {
            events.disconnected(p.id, why);
            afterDisconnect(p);
        }
    }
}
