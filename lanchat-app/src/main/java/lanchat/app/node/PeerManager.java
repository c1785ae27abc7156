package lanchat.app.node;

import java.text.Normalizer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;

import lanchat.api.ChatMessage;
import lanchat.api.Multiaddr;
import lanchat.api.PeerId;
import lanchat.api.policy.DialArbiter;
import lanchat.api.policy.ReconnectPolicy;
import lanchat.api.spi.ChatSession;
import lanchat.api.spi.NotInPrivateRoomException;
import lanchat.api.spi.PeerIdMismatchException;
import lanchat.api.spi.DiscoveryEvent;
import lanchat.api.spi.SessionListener;
import lanchat.api.spi.Transport;
import lanchat.app.log.LineThrottle;

/**
 * The one component that sees both discovery events and sessions, and so the one place that enforces the dial
 * rules: who dials ({@link DialArbiter#shouldDial}), which of two connections to one peer survives
 * ({@link DialArbiter#survivor}), and when to redial ({@link ReconnectPolicy}).
 *
 * <p>Every method runs on the node's single thread ({@code loop}); transports deliver their callbacks there too, so
 * the state below needs no locks.
 *
 * <h2>Hostile LANs (issue 13)</h2>
 * Discovery only gives hints: anyone on the LAN can advertise any peer at any address. So dials to discovered
 * addresses (not {@code --peer} ones, which the user chose) are budgeted: {@link #DIAL_BURST} at once, then one per
 * {@link #DIAL_INTERVAL}, for the whole node, first come first served; and per discovered peer
 * {@link #PEER_DIAL_BURST} at once, then one per {@link #PEER_DIAL_INTERVAL}, refilled when a connection succeeds.
 * An address that answers as another peer (the handshake's peer-id check) is never dialed for that peer again.
 * Peers that are neither connected, found, given with {@code --peer}, nor waiting for anything are forgotten, so the
 * table holds no more than what discovery and the sessions hold. At most {@link #MAX_UNADMITTED} strangers wait for
 * their room record at once. Lines about unreachable room members and refused strangers go through a
 * {@link LineThrottle}: one line, then one summary per interval.
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

    /**
     * Dials to discovered addresses, node-wide: 16 at once (a node joining a busy room dials the members with smaller
     * ids at once; the others dial it), then one a second. go-libp2p allows new connections per IP at 16 at once and
     * 0.2/s (the shared notes' security-protocols.md, section 3). With this, 258 spoofed peers × 16 addresses make at
     * most 16 + t dials in t seconds, not thousands (issue 13: 11,072 in 35 s).
     */
    static final int DIAL_BURST = 16;
    static final Duration DIAL_INTERVAL = Duration.ofSeconds(1);
    /** Per discovered peer: 4 address dials at once (a member advertises one to four), then one per 30 s. */
    static final int PEER_DIAL_BURST = 4;
    static final Duration PEER_DIAL_INTERVAL = Duration.ofSeconds(30);
    /** Strangers whose inbound connection waits for their room record, at once; more are refused at once. */
    static final int MAX_UNADMITTED = 64;

    private final PeerId self;
    private final Transport transport;
    private final ScheduledExecutorService loop;
    private final NodeEvents events;
    private final ReconnectPolicy policy;
    private final RandomGenerator random;
    private final LongSupplier clock;
    private final DialSlots dialSlots;
    /** Lines about room members and strangers, which anyone on the LAN can multiply. */
    private final LineThrottle notices;
    /** Which connect/disconnect lines are shown: a flood of throw-away peers from one host becomes a summary. */
    private final ConnectionNotices connectionNotices = new ConnectionNotices();
    private ScheduledFuture<?> noticeTick;
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
        /** The short id and the nick as {@link #fold} makes them: compared on every message, so made once. */
        final String foldedShortId;
        String foldedNick;
        ChatSession session;
        String nick;
        Multiaddr staticAddress;
        List<Multiaddr> discovered = List.of();
        /** Discovery reports it present (found, perhaps with no address we can dial). */
        boolean listed;
        boolean dialing;
        /** A dial of this peer waits in {@link #dialSlots}. */
        boolean waitingForSlot;
        int attempts;
        /** Dials of discovered addresses; made on first use. */
        TokenBucket budget;
        /** Addresses that answered as another peer: never dialed for this one again. */
        final Set<Multiaddr> wrongPeer = new HashSet<>();
        ScheduledFuture<?> timer;
        /** A disconnection waiting out {@link #REPLACEMENT_GRACE} before it is reported. */
        ScheduledFuture<?> unreported;
        boolean skipReported;
        /** The user was told it connected ({@link ConnectionNotices}), so is told when it leaves. */
        boolean announced;
        /** The source host of its session, for {@link ConnectionNotices}. */
        String host;

        Peer(PeerId id) {
            this.id = id;
            this.foldedShortId = fold(id.shortString());
        }

        boolean found() { return !discovered.isEmpty(); }
    }

    private static final class AnonymousPeer {
        final Multiaddr address;
        int attempts;

        AnonymousPeer(Multiaddr address) { this.address = address; }
    }

    /**
     * The room log's side of the sessions (issue 14; {@link RoomWiring}): every admitted session is attached, every
     * session that closes is detached, and chat lines go through it instead of straight to {@link NodeEvents#message}.
     */
    public interface SessionRoom {
        void attach(ChatSession session);

        void detach(ChatSession session);

        /** A plain chat line arrived on {@code session} from the peer shown as {@code shownAs}. */
        void plainLine(ChatSession session, String shownAs, ChatMessage message);

        /** Whether {@code peer} speaks the room protocol with us, as far as the room knows yet. */
        RoomRole roleOf(PeerId peer);
    }

    /**
     * What a connected peer is to the room, for {@code /peers}: a member of the signed room log, a plain chat peer
     * (unsigned lines: a go or js {@code /chat/1.x} peer, a member of another room, a node without a room log), or not
     * known yet (the room channel is being opened).
     */
    public enum RoomRole {
        MEMBER("room member (signed)"), PLAIN("plain peer (unsigned)"), PENDING("room: not known yet");

        private final String shown;

        RoomRole(String shown) {
            this.shown = shown;
        }

        /** As {@code /peers} shows it. */
        public String shown() {
            return shown;
        }

        /** As the JSON protocol names it: {@code member}, {@code plain}, {@code pending}. */
        public String id() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private SessionRoom room;

    /** Routes sessions and chat lines through the room log; set once, before the first session. */
    public void useRoom(SessionRoom room) { this.room = room; }

    /** A row of {@code /peers}. */
    public record PeerInfo(PeerId peer, String nick, Multiaddr address, String transport, String direction, RoomRole room) {}

    /** {@code clock}: nanoseconds of the same time {@code loop} schedules in (the budgets refill by it). */
    public PeerManager(PeerId self, Transport transport, ScheduledExecutorService loop, NodeEvents events, ReconnectPolicy policy, RandomGenerator random,
                       LongSupplier clock) {
        this.self = self;
        this.transport = transport;
        this.loop = loop;
        this.events = events;
        this.policy = policy;
        this.random = random;
        this.clock = clock;
        this.dialSlots = new DialSlots(DIAL_BURST, DIAL_INTERVAL, loop, clock);
        this.notices = new LineThrottle(events::info);
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
            p.listed = true;
            List<Multiaddr> usable = found.addresses().stream().filter(transport::canDial).toList();
            if (usable.isEmpty()) {
                if (!p.skipReported) notice("skipping", found.byTransport().isEmpty()
                        ? "skipping " + p.id + ": none of its addresses " + found.addresses() + " is dialable by the " + transport.name() + " transport"
                        : "skipping " + p.id + ": it listens with the " + String.join(",", found.byTransport().keySet()) + " transport, this node runs " + transport.name());
                p.skipReported = true;
                return;
            }
            p.discovered = usable;
            // only addresses still advertised are remembered as another peer's: at most 16, whatever a spoofer cycles through
            p.wrongPeer.removeIf(a -> usable.stream().noneMatch(u -> withPeer(u, p.id).equals(a)));
            admitWaiting(p.id);
            if (p.session != null || p.dialing || p.timer != null) return;
            if (DialArbiter.shouldDial(self, p.id)) dial(p);
            else schedule(p, policy.fallbackDialAfter());
        } else {
            p.listed = false;
            p.discovered = List.of();
            if (p.staticAddress == null) {
                cancelTimer(p);
                if (p.waitingForSlot) { // its turn will be skipped
                    p.waitingForSlot = false;
                    p.dialing = false;
                }
            }
            forgetIfIdle(p);
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
            if (unadmitted.size() >= MAX_UNADMITTED) {
                notice("refused", "refused " + s.remotePeer() + ": " + MAX_UNADMITTED + " strangers already wait for their room record");
                s.close();
                forgetIfIdle(p);
                return;
            }
            hold(s);
            return;
        }
        s.setListener(new Listener());
        if (room != null) room.attach(s); // duplicates too: the room keys its channels by peer, a retired one detaches on close
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
        if (p.budget != null) p.budget.refill(clock.getAsLong());
        cancelTimer(p);
        if (!replacing) announceConnected(p, s);
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

    /** The live session with {@code id}, for protocols that open channels to it (file sharing). */
    public Optional<ChatSession> session(PeerId id) {
        Peer p = peers.get(id);
        return p == null ? Optional.empty() : Optional.ofNullable(p.session);
    }

    public List<PeerInfo> connectedPeers() {
        List<PeerInfo> out = new ArrayList<>();
        for (Peer p : peers.values()) {
            if (p.session == null) continue;
            out.add(new PeerInfo(p.id, p.nick, p.session.remoteAddress(), p.session.transport(), p.session.direction().name().toLowerCase(),
                    room == null ? RoomRole.PENDING : room.roleOf(p.id)));
        }
        out.sort((a, b) -> a.peer().compareTo(b.peer()));
        return out;
    }

    /**
     * The name a peer is shown with: the tail of its id when it sent no nick; its nick when that cannot be mistaken
     * for anyone else; else {@code nick#shortid}. A nick is mistakable (issue 13: anyone can call themselves "alice")
     * when another known peer, or this node, has the same nick; when it reads as another known peer's short id (or
     * ours), which is how peers without a nick are shown; or when it holds a {@code #}, so that no nick can pose as
     * another's {@code nick#shortid}. Nicks are compared after NFKC and lower-casing: "Alice" and "ａｌｉｃｅ" are
     * "alice" too. (Look-alikes across scripts, Cyrillic "а" for Latin "a", are not caught: that needs Unicode's
     * confusables table.)
     */
    public String display(PeerId id) {
        Peer p = peers.get(id);
        if (p == null || p.nick == null) return id.shortString();
        return mistakable(p) ? p.nick + "#" + id.shortString() : p.nick;
    }

    private boolean mistakable(Peer p) {
        return mistakable(p.nick, p.foldedNick, p);
    }

    private boolean mistakable(String nick, String folded, Peer except) {
        if (nick.indexOf('#') >= 0) return true;
        if ((this.nick != null && fold(this.nick).equals(folded)) || fold(self.shortString()).equals(folded)) return true;
        for (Peer q : peers.values()) {
            if (q != except && (folded.equals(q.foldedNick) || folded.equals(q.foldedShortId))) return true;
        }
        return false;
    }

    /**
     * How the author of a room message is shown (issue 14): a connected or known peer as {@link #display}, its nick
     * taken from the message when {@code learn} (the nick is signed by that author); any other author by the nick it
     * sent, under the same rules ({@code nick#shortid} when mistakable), or its short id.
     */
    public String displayAuthor(PeerId author, String claimedNick, boolean learn) {
        Peer p = peers.get(author);
        if (p != null) {
            if (learn && !claimedNick.isEmpty() && !claimedNick.equals(p.nick)) {
                p.nick = claimedNick;
                p.foldedNick = fold(claimedNick);
            }
            if (learn || claimedNick.isEmpty()) return display(author);
        }
        if (claimedNick.isEmpty()) return author.shortString();
        return mistakable(claimedNick, fold(claimedNick), p) ? claimedNick + "#" + author.shortString() : claimedNick;
    }

    private static String fold(String s) {
        return Normalizer.normalize(s, Normalizer.Form.NFKC).toLowerCase(Locale.ROOT);
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
        dialSlots.clear();
        if (noticeTick != null) noticeTick.cancel(false);
        return CompletableFuture.allOf(closing.toArray(CompletableFuture[]::new));
    }

    /**
     * For sessions whose close event never came: the node's callback queue refuses events when full (see
     * {@link ChatNode}), and a refused close leaves a dead session in place. Run some time after such a refusal: a
     * session that is closed but still ours is handled as lost.
     */
    void forgetClosedSessions() {
        if (closed) return;
        for (Peer p : List.copyOf(peers.values())) {
            if (p.session != null && !p.session.isOpen()) {
                p.session = null;
                announceDisconnected(p, "connection lost while the node was overloaded");
                afterDisconnect(p);
            }
        }
        unadmitted.entrySet().removeIf(e -> {
            if (e.getKey().isOpen()) return false;
            e.getValue().cancel(false);
            forgetIfIdle(peers.get(e.getKey().remotePeer()));
            return true;
        });
        retiring.removeIf(s -> !s.isOpen());
    }

    /** Peers remembered now (for tests: the table is pruned). */
    int tableSize() { return peers.size(); }

    // ---- dialing ----

    private void dial(Peer p) {
        cancelTimer(p);
        if (closed || p.session != null || p.dialing) return;
        List<Multiaddr> addrs = new ArrayList<>();
        if (p.staticAddress != null) addrs.add(p.staticAddress);
        for (Multiaddr a : p.discovered) {
            Multiaddr full = withPeer(a, p.id);
            if (!p.wrongPeer.contains(full) && !addrs.contains(full)) addrs.add(full);
        }
        if (addrs.isEmpty()) {
            if (p.found()) notice("wrong-peer", "not dialing " + display(p.id) + ": every address it advertises answered as another peer");
            return;
        }
        p.dialing = true;
        dialFirst(p, addrs, 0, null);
    }

    private static Multiaddr withPeer(Multiaddr a, PeerId id) {
        return a.peerId().isPresent() ? a : a.withPeerId(id);
    }

    /**
     * Tries the addresses in order; the first that connects wins. A discovered address is dialed only within the
     * peer's budget and the node's ({@link #dialSlots}); when the peer's budget is spent, the round ends and the next
     * one waits until an attempt is earned back.
     */
    private void dialFirst(Peer p, List<Multiaddr> addrs, int i, Throwable last) {
        if (closed) {
            p.dialing = false;
            return;
        }
        if (p.staticAddress == null && !p.found()) {
            // lost (PeerLost) while we were dialing: there is nothing left to retry
            p.dialing = false;
            if (last != null) notice("unreachable", cannotReach(display(p.id), last));
            forgetIfIdle(p);
            return;
        }
        if (i == addrs.size()) {
            roundFailed(p, last, Duration.ZERO);
            return;
        }
        Multiaddr a = addrs.get(i);
        if (a.equals(p.staticAddress)) {
            attempt(p, addrs, i);
            return;
        }
        long now = clock.getAsLong();
        if (p.budget == null) p.budget = new TokenBucket(PEER_DIAL_BURST, PEER_DIAL_INTERVAL, now);
        long wait = p.budget.waitNanos(now);
        if (wait > 0) {
            roundFailed(p, last != null ? last : new java.io.IOException(PEER_DIAL_BURST + " attempts failed"), Duration.ofNanos(wait));
            return;
        }
        p.waitingForSlot = true;
        dialSlots.request(() -> p.waitingForSlot && !closed, () -> {
            p.waitingForSlot = false;
            p.budget.tryTake(clock.getAsLong());
            attempt(p, addrs, i);
        });
    }

    private void attempt(Peer p, List<Multiaddr> addrs, int i) {
        Multiaddr a = addrs.get(i);
        transport.dial(a).whenCompleteAsync((s, err) -> {
            if (err == null) {
                p.dialing = false;
                register(s);
                return;
            }
            if (isPeerIdMismatch(err) && !a.equals(p.staticAddress)) p.wrongPeer.add(a); // another peer's: never again for this one
            dialFirst(p, addrs, i + 1, err);
        }, loop);
    }

    /** Every address failed (or the budget ran out): retry after the backoff, and not before {@code atLeast}. */
    private void roundFailed(Peer p, Throwable last, Duration atLeast) {
        p.dialing = false;
        if (p.session != null) return;
        Duration d = policy.delay(p.attempts, random);
        if (d.compareTo(atLeast) < 0) d = atLeast;
        if (worthReporting(p.attempts++)) {
            String line = cannotReach(display(p.id), last) + "; retrying in " + seconds(d);
            if (p.staticAddress != null) events.info(line);
            else notice("unreachable", line);
        }
        schedule(p, d);
    }

    /** A failed dial in plain words: a peer outside our private room (issue 15) is not "unreachable". */
    static String cannotReach(String who, Throwable err) {
        for (Throwable c = err; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof NotInPrivateRoomException) return who + " " + NotInPrivateRoomException.OUTCOME;
        }
        return "cannot reach " + who + ": " + reason(err);
    }

    /** Whether a dial failed because the address answered as another peer (the transports' typed cause). */
    static boolean isPeerIdMismatch(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof PeerIdMismatchException) return true;
        }
        return false;
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
                if (worthReporting(a.attempts++)) events.info(cannotReach(a.address.toString(), err) + "; retrying in " + seconds(d));
                loop.schedule(() -> dialAnonymous(a), d.toMillis(), TimeUnit.MILLISECONDS);
            }
        }, loop);
    }

    private void hold(ChatSession s) {
        unadmitted.put(s, loop.schedule(() -> {
            if (unadmitted.remove(s) == null) return;
            notice("refused", "refused " + s.remotePeer() + ": not a member of this room");
            s.close();
            forgetIfIdle(peers.get(s.remotePeer()));
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
        } else {
            forgetIfIdle(p);
        }
    }

    /**
     * Drops a peer nothing refers to any more: not connected, not found, not a {@code --peer}, no dial, timer or
     * report pending, no session waiting for admission. Its nick and wrong addresses go with it.
     */
    private void forgetIfIdle(Peer p) {
        if (p == null || p.session != null || p.dialing || p.timer != null || p.unreported != null || p.staticAddress != null || p.listed) return;
        for (ChatSession s : unadmitted.keySet()) if (s.remotePeer().equals(p.id)) return;
        peers.remove(p.id, p);
    }

    /** A status line anyone on the LAN could multiply: shown once, then summarised per interval by {@code kind}. */
    private void announceConnected(Peer p, ChatSession s) {
        List<Multiaddr.Component> address = s.remoteAddress().components();
        p.host = address.isEmpty() ? "an unknown host" : address.get(0).valueText();
        p.announced = connectionNotices.connected(clock.getAsLong(), p.host);
        if (p.announced) events.connected(p.id, p.found() && p.staticAddress == null, p.nick == null ? null : display(p.id));
        else armNoticeTick();
    }

    private void announceDisconnected(Peer p, String why) {
        if (p.announced) events.disconnected(p.id, why, p.nick == null ? null : display(p.id));
        else connectionNotices.hiddenDisconnected(clock.getAsLong(), p.host == null ? "an unknown host" : p.host);
        p.announced = false;
        armNoticeTick();
    }

    private void notice(String kind, String line) {
        notices.offer(clock.getAsLong(), kind, "", line, line);
        armNoticeTick();
    }

    private void armNoticeTick() {
        long at = Math.min(notices.nextTick(), connectionNotices.nextTick());
        if (noticeTick != null || closed || at == Long.MAX_VALUE) return;
        noticeTick = loop.schedule(() -> {
            noticeTick = null;
            long now = clock.getAsLong();
            notices.tick(now);
            connectionNotices.tick(now).forEach(events::info);
            armNoticeTick();
        }, Math.max(0, at - clock.getAsLong()), TimeUnit.NANOSECONDS);
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
            m.nick().filter(n -> !n.equals(p.nick)).ifPresent(n -> {
                p.nick = n;
                p.foldedNick = fold(n);
            });
            if (room != null) room.plainLine(s, display(p.id), m);
            else events.message(p.id, display(p.id), m);
            forgetIfIdle(p); // a line on a retiring duplicate of a peer already gone
        }

        @Override
        public void onClosed(ChatSession s, Throwable cause) {
            if (room != null) room.detach(s);
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
            announceDisconnected(p, why);
            afterDisconnect(p);
        }
    }
}
