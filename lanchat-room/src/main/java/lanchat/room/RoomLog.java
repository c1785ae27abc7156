package lanchat.room;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.LongSupplier;

import lanchat.api.Identity;
import lanchat.api.PeerId;
import lanchat.room.store.AuthorMark;
import lanchat.room.store.RoomStore;
import lanchat.room.store.StoredMessage;
import lanchat.room.wire.Frame;
import lanchat.room.wire.HaveVector;
import lanchat.room.wire.MessageBody;
import lanchat.room.wire.Rejection;
import lanchat.room.wire.SignedMessage;
import lanchat.room.wire.WireLimits;

/**
 * The room log engine: everything the room decides, with no threads and no sockets of its own. It is driven by calls
 * ({@link #post}, {@link #connected}, {@link #receive}, {@link #tick}, ...) on one thread, talks to neighbours through
 * an {@link Outbox} keyed by peer id, and tells the app through a {@link RoomListener}. The {@link Room} runs it on its
 * thread over real channels; the property tests run many of them over simulated links with a simulated clock.
 *
 * <p>In short: messages are inserted if absent (the store's primary key is the dedupe, not a cache); a second body
 * for a (room, author, seq) is equivocation and dropped; every new valid message is relayed to the neighbours whose
 * last known marks do not cover it; on every new connection both sides send SUMMARY frames and each WANTs what it
 * lacks, one peer per author, paged; have-vectors are the receipts and, from direct neighbours, a periodic summary.
 *
 * <p>Relay without flooding: a have-vector names its signer's room neighbours, so a relay knows who gets a message
 * from its author directly; its copy for such a neighbour waits {@link Tuning#RELAY_BACKSTOP_MS} and goes only if the
 * neighbour has not said by then that it holds the message. In a full mesh a post then crosses each author link once.
 */
final class RoomLog {
    /** Where frames go: the neighbour's current channel. */
    interface Outbox {
        /** Sends one frame to {@code peer}; completes once the channel took it (the pace of the peer). */
        CompletionStage<Void> send(PeerId peer, byte[] frame);

        /** Gives up on a neighbour that keeps sending invalid data. */
        void reset(PeerId peer, String why);

        /**
         * {@code peer} speaks the room protocol but is in another room (e.g. a {@code --peer} session between a node of
         * room X and one of the {@code (direct)} room): it can only be spoken to with plain chat lines.
         */
        default void otherRoom(PeerId peer, String itsRoom) {}

        /** {@code peer}'s SUMMARY named our room: it is a member, lines held for it until now need not go plain. */
        default void confirmed(PeerId peer) {}
    }

    private final String room;
    private final Identity identity;
    private final PeerId self;
    private final RoomStore store;
    private final Tuning tuning;
    private final int historyLimit;
    private final long historyAgeMs;
    private final LongSupplier clock;
    private final Executor loop;
    private final Outbox outbox;
    private final RoomListener listener;
    private String nick;
    private Hlc hlc;
    private long ownSeq;

    /** Our marks, by author (a cache of the store's authors table). */
    private final Map<PeerId, AuthorMark> marks = new HashMap<>();
    /** Neighbours with an open channel, in peer-id order (deterministic output order). */
    private final TreeMap<PeerId, Link> links = new TreeMap<>();
    /** Outstanding WANTs, by author: each author's missing range is asked of one peer at a time. */
    private final Map<PeerId, Want> wants = new HashMap<>();
    /** (author, peer) pairs whose WANT timed out: that peer is not asked for that author again until then. */
    private final Map<List<PeerId>, Long> failedWants = bounded(1024);
    private final Map<PeerId, TokenBucket> authorRates = bounded(1024);
    private final Map<PeerId, Member> members = new HashMap<>();
    private final TreeMap<Long, Pending> pending = new TreeMap<>();
    private final List<SignedMessage> block = new ArrayList<>();
    /** Messages in {@link #block} posted as the session they came by opened: shown live when the block is shown. */
    private final Set<SignedMessage> blockLive = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    /** Relayed copies held back for neighbours of the author, in due order (at most {@link Tuning#MAX_HELD_RELAYS}). */
    private final ArrayDeque<HeldRelay> held = new ArrayDeque<>();
    private final Set<String> logged = boundedSet(1024);
    private final TokenBucket ownRate, plainRate;
    private long blockQuietUntil, blockStartedAt;
    private boolean haveDirty;
    private long lastHaveAt, lastPruneAt, lastMemberCheck;
    private int lastPendingCount = -1;

    RoomLog(RoomConfig config, RoomStore store, Tuning tuning, LongSupplier clock, Executor loop, Outbox outbox, RoomListener listener) {
        this.room = config.room();
        this.identity = config.identity();
        this.self = identity.peerId();
        this.nick = config.nick();
        this.store = store;
        this.tuning = tuning;
        this.historyLimit = config.historyLimit();
        this.historyAgeMs = config.historyAge().toMillis();
        this.clock = clock;
        this.loop = loop;
        this.outbox = outbox;
        this.listener = listener;
        long now = clock.getAsLong();
        this.ownRate = new TokenBucket(tuning.ownRate(), tuning.ownBurst(), now);
        this.plainRate = new TokenBucket(tuning.plainRate(), tuning.plainBurst(), now);
    }

    /**
     * Restores from the store: the clock (never below a stamp it holds), our seq, the marks, our undelivered messages;
     * hands the app what was stored but never shown (a crash between the two) as one catch-up block.
     */
    void start() {
        long now = clock.getAsLong();
        hlc = new Hlc(Math.max(store.maxHlc(room), Hlc.stamp(now)));
        ownSeq = store.lastOwnSeq(room);
        reloadMarks();
        for (StoredMessage m : store.undelivered(room, self, historyLimit)) pending.put(m.message().seq(), new Pending(m.message()));
        for (List<StoredMessage> unshown; !(unshown = store.unshown(room, Tuning.MAX_BLOCK)).isEmpty(); ) {
            List<SignedMessage> list = unshown.stream().map(StoredMessage::message).toList();
            store.markShown(list);
            listener.onCatchUp(list.stream().map(this::view).toList());
        }
        lastHaveAt = now - tuning.haveIntervalMs();
        lastPruneAt = now - tuning.pruneIntervalMs() + Math.min(5_000, tuning.pruneIntervalMs()); // first prune soon, not at start
        lastMemberCheck = now;
        pendingChanged();
    }

    void setNick(String nick) {
        this.nick = nick == null ? "" : nick;
    }

    // ---------------------------------------------------------------- our messages

    /**
     * Signs, stores (seq allocated and committed in one transaction) and then sends a message of ours.
     *
     * @throws IllegalArgumentException when the text is too long
     * @throws IllegalStateException when we post faster than peers accept from one author
     */
    RoomMessage post(String text) {
        long now = clock.getAsLong();
        if (!ownRate.tryTake(now)) throw new IllegalStateException("slow down: more than " + (int) tuning.ownRate() + " messages a second");
        SignedMessage m = append(text, nick, Optional.empty(), now);
        pending.put(m.seq(), new Pending(m));
        pending.get(m.seq()).snapshot.addAll(presentMembers(now));
        pendingChanged();
        return view(m);
    }

    /**
     * A line from a plain libp2p peer (go or js {@code /chat/1.x}): kept and relayed as a message signed by us that
     * says where it came from, so nobody can put words in a signed author's mouth. Shown here at once (live, marked
     * unsigned); dropped (logged once) when plain peers are over their rate.
     */
    void relayPlain(PeerId from, String fromNick, String text) {
        long now = clock.getAsLong();
        if (!plainRate.tryTake(now)) {
            rejectOnce("plain-rate", "lines of plain peers over " + (int) tuning.plainRate() + " a second are shown but not kept or relayed");
            return;
        }
        if (MessageBody.utf8Length(text) > WireLimits.MAX_TEXT_BYTES) {
            rejectOnce("plain-size:" + from, "dropped a line of " + from.shortString() + ": longer than " + WireLimits.MAX_TEXT_BYTES + " bytes");
            return;
        }
        String n = fromNick == null || !MessageBody.validNick(fromNick) ? "" : fromNick;
        listener.onLive(view(append(text, n, Optional.of(from), now)));
    }

    private SignedMessage append(String text, String nickInBody, Optional<PeerId> relayedFrom, long now) {
        SignedMessage m = store.appendOwn(room, now, now, seq -> SignedMessage.sign(identity,
                new MessageBody(room, identity.publicKey(), seq, hlc.next(now), now, nickInBody, text, relayedFrom)));
        ownSeq = m.seq();
        marks.put(self, store.mark(room, self));
        haveDirty = true;
        for (Link link : links.values()) send(link, List.of(m), false, List.of());
        return m;
    }

    // ---------------------------------------------------------------- neighbours

    /** A channel to {@code peer} opened (again): exchange summaries and have-vectors. */
    void connected(PeerId peer) {
        long now = clock.getAsLong();
        Link link = links.get(peer);
        if (link == null) {
            link = new Link(peer, now);
            links.put(peer, link);
            haveDirty = true; // our neighbour list changed: relays decide by it
        }
        sendSummary(link);
        sendHave(List.of(link), now, false);
    }

    /** The last channel to {@code peer} closed. */
    void disconnected(PeerId peer) {
        Link link = links.remove(peer);
        if (link == null) return;
        haveDirty = true; // our neighbour list changed
        link.serving.clear();
        wants.values().removeIf(w -> w.peer.equals(peer));
        Member m = members.get(peer);
        if (m != null) m.gone = true; // it left (a relayed have-vector of a newer version brings it back)
        checkReceipts(clock.getAsLong());
        scheduleWants();
    }

    /** A frame from {@code peer}. Bad input costs one log line (once per cause) and never what is already accepted. */
    void receive(PeerId peer, byte[] bytes) {
        Link link = links.get(peer);
        if (link == null) return;
        Frame f;
        try {
            f = Frame.decode(bytes);
        } catch (Rejection r) {
            invalid(link, "sent an invalid frame: " + r.getMessage());
            return;
        }
        if (f instanceof Frame.Summary s) onSummary(link, s);
        else if (f instanceof Frame.Want w) onWant(link, w);
        else if (f instanceof Frame.Messages m) onMessages(link, m);
        else onHave(link, (Frame.Have) f);
    }

    private void onSummary(Link link, Frame.Summary s) {
        if (!s.room().equals(room)) {
            rejectOnce("room:" + link.peer, link.peer.shortString() + (s.room().equals(Frame.NO_ROOM_LOG) ? " has no room log (its history store cannot open)"
                    : " is in room '" + s.room() + "', not ours") + ": plain chat lines only");
            outbox.otherRoom(link.peer, s.room());
            return;
        }
        outbox.confirmed(link.peer);
        link.summarySeen = true;
        if (!link.summaries.tryTake(clock.getAsLong())) {
            rejectOnce("summary-rate:" + link.peer, link.peer.shortString() + " sends summaries too fast: some ignored");
            return;
        }
        for (Frame.SummaryEntry e : s.entries()) {
            if (link.known.size() < Tuning.MAX_SUMMARY_AUTHORS || link.known.containsKey(e.author())) link.known.put(e.author(), new long[] {e.low(), e.high()});
        }
        scheduleWants();
    }

    private void onWant(Link link, Frame.Want w) {
        if (!w.room().equals(room)) {
            rejectOnce("room:" + link.peer, link.peer.shortString() + " asked for room '" + w.room() + "': ignored");
            return;
        }
        if (!link.wantsIn.tryTake(clock.getAsLong()) || link.serving.size() >= Tuning.MAX_WANTS_PER_PEER) {
            rejectOnce("want-rate:" + link.peer, link.peer.shortString() + " asks for more than " + Tuning.MAX_WANTS_PER_PEER + " ranges at once: some ignored");
            return;
        }
        link.serving.add(new Serve(w.author(), w.from(), w.to(), w.limit()));
        if (!link.serveBusy) serveNext(link);
    }

    /** Sends the next page of the WANT at the head of the peer's queue; the next page goes once the channel took this one. */
    private void serveNext(Link link) {
        if (links.get(link.peer) != link) return;
        Serve s = link.serving.peek();
        if (s == null) {
            link.serveBusy = false;
            return;
        }
        link.serveBusy = true;
        List<SignedMessage> page = store.page(room, s.author, s.next, s.to, Math.min(s.remaining, Tuning.PAGE_ROWS), Tuning.PAGE_BYTES);
        if (!page.isEmpty()) {
            s.next = page.get(page.size() - 1).seq() + 1;
            s.remaining -= page.size();
        }
        List<Frame.Done> done = List.of();
        if (page.isEmpty() || s.remaining == 0 || s.next > s.to) {
            link.serving.poll();
            // "nothing more up to through": never past our own mark, or the asker would skip what we merely lack
            long through = Math.min(s.remaining == 0 ? s.next - 1 : s.to, highOf(s.author));
            done = List.of(new Frame.Done(s.author, through));
        }
        for (SignedMessage m : page) link.remember(m);
        outbox.send(link.peer, encodeMessages(page.stream().map(SignedMessage::envelope).toList(), true, done)).whenComplete((v, e) -> loop.execute(() -> {
            if (e != null) {
                link.serving.clear(); // the channel is gone or full: the peer asks again on its next summary
                link.serveBusy = false;
                return;
            }
            serveNext(link);
        }));
    }

    private void onMessages(Link link, Frame.Messages frame) {
        long now = clock.getAsLong();
        boolean answer = frame.catchUp() && link.outstanding > 0;
        if (!answer && !link.frames.tryTake(now)) {
            rejectOnce("frame-rate:" + link.peer, link.peer.shortString() + " sends messages too fast: some ignored (they come back by catch-up)");
            return;
        }
        long maxHlc = Hlc.acceptable(now, tuning.maxSkewMs());
        List<SignedMessage> verified = new ArrayList<>();
        for (byte[] envelope : frame.envelopes()) {
            SignedMessage m;
            try {
                m = SignedMessage.decode(envelope, room, maxHlc);
            } catch (Rejection r) {
                onBadEnvelope(link, r);
                deferWant(link);
                continue;
            }
            link.remember(m);
            byte[] held = store.idOf(room, m.author(), m.seq());
            Want want = wants.get(m.author());
            boolean solicited = want != null && want.peer.equals(link.peer) && m.seq() >= want.from && m.seq() <= want.to;
            try {
                if (held != null) {
                    if (Arrays.equals(held, m.id())) continue; // a duplicate: the cheap, common case
                    m.verify(); // only a signed second body proves equivocation
                    equivocation(m);
                    continue;
                }
                if (!solicited && !link.envelopes.tryTake(now)) {
                    rejectOnce("envelopes:" + link.peer, link.peer.shortString() + " sends new messages too fast: some ignored for now (they come back by catch-up)");
                    continue;
                }
                if (!solicited && !authorRate(m.author(), now)) throw new Rejection(Rejection.Kind.RATE_LIMITED, "over the per-author rate");
                m.verify();
                verified.add(m);
            } catch (Rejection r) {
                if (r.kind() == Rejection.Kind.BAD_SIGNATURE) invalid(link, "relayed a message whose signature does not verify (author " + m.author().shortString() + ")");
                else rejectOnce(r.kind() + ":" + m.author(), "ignored messages of " + m.author().shortString() + " for now: " + r.getMessage());
                if (solicited) want.deferred = true;
            }
        }
        Set<PeerId> unknownAuthors = new HashSet<>();
        for (SignedMessage m : verified) if (!marks.containsKey(m.author())) unknownAuthors.add(m.author());
        // A live line that overtakes a catch-up in progress (a block being collected, or its author's range being
        // fetched) joins that block: shown live it would come before the older lines the block brings, and one
        // author's lines would appear out of order (a burst typed as a session opens). Stored unshown, like the block.
        List<SignedMessage> live = new ArrayList<>(), late = new ArrayList<>();
        for (SignedMessage m : verified) (!frame.catchUp() && block.isEmpty() && !catchingUp(m.author()) ? live : late).add(m);
        List<SignedMessage> fresh = new ArrayList<>(insert(live, true, now));
        List<SignedMessage> freshLate = insert(late, false, now);
        fresh.addAll(freshLate);
        if (!fresh.isEmpty()) {
            for (SignedMessage m : fresh) if (!freshLate.contains(m)) listener.onLive(view(m));
            if (!freshLate.isEmpty()) {
                if (block.isEmpty()) blockStartedAt = now;
                block.addAll(freshLate);
                // posted as this session opened: it joins the block only to keep its author's lines in order, and
                // is shown live right after it (a line typed as we connected is not "while you were away")
                for (SignedMessage m : freshLate) if (postedAsSessionOpened(link, m)) blockLive.add(m);
                if (frame.catchUp() || blockQuietUntil < now) blockQuietUntil = now + tuning.catchUpQuietMs();
                if (block.size() >= Tuning.MAX_BLOCK) flushBlock();
            }
            for (Link other : links.values()) if (other != link) relay(other, fresh, frame.catchUp(), now);
        }
        for (Want w : wants.values()) if (w.peer.equals(link.peer)) w.deadline = now + tuning.wantTimeoutMs(); // progress
        boolean rescheduled = false;
        for (Frame.Done d : frame.done()) {
            Want w = wants.get(d.author());
            if (w == null || !w.peer.equals(link.peer)) continue;
            wants.remove(d.author());
            link.outstanding--;
            if (!w.deferred) {
                AuthorMark before = marks.get(d.author()), after = store.skipTo(room, d.author(), Math.min(d.through(), w.to), now);
                marks.put(d.author(), after);
                // a raised mark is news for the neighbours: a summary they got before it said less (a first-seen
                // author's mark only rises here), and without this they would learn it from the 20 s have-vector
                if (before == null || after.high() > before.high()) haveDirty = true;
            }
            else failedWants.put(List.of(w.author, w.peer), now + 3 * tuning.wantTimeoutMs()); // asked again later, not in a loop
            rescheduled = true;
        }
        if (!frame.catchUp()) askForGaps(link, fresh, unknownAuthors);
        if (rescheduled) scheduleWants();
    }

    /**
     * Whether {@code m} was posted as our session with {@code link} opened: it arrives in the session's first
     * exchange and its time (the physical part of its hybrid clock stamp, the stamp that orders the room) is at most
     * {@link Tuning#LIVE_SLACK_MS} before the session opened by our clock (LAN clocks agree far better than that; a
     * genuine catch-up is seconds or hours old).
     */
    private boolean postedAsSessionOpened(Link link, SignedMessage m) {
        return link.firstExchange && Hlc.millis(m.hlc()) >= link.openedAt - Tuning.LIVE_SLACK_MS;
    }

    /**
     * Relays new messages to a neighbour. Catch-up goes at once (nobody else is known to be sending it). A live
     * message whose author is this neighbour's direct neighbour (its signed have-vector says so) reaches it from the
     * author: our copy is held back for {@link Tuning#RELAY_BACKSTOP_MS} and sent only if the neighbour still does not
     * say it holds it (the author's link dropped, the list was stale). Anything else goes at once, so a partial mesh
     * (A - B - C) relays with no delay.
     */
    private void relay(Link to, List<SignedMessage> fresh, boolean catchUp, long now) {
        if (catchUp) {
            send(to, fresh, true, List.of());
            return;
        }
        List<SignedMessage> atOnce = new ArrayList<>();
        for (SignedMessage m : fresh) {
            if (!to.covers(m) && getsItFromItsAuthor(to.peer, m.author()) && held.size() < Tuning.MAX_HELD_RELAYS) {
                held.add(new HeldRelay(m, to.peer, now + Tuning.RELAY_BACKSTOP_MS));
            } else {
                atOnce.add(m);
            }
        }
        if (!atOnce.isEmpty()) send(to, atOnce, false, List.of());
    }

    /** Whether {@code neighbour} is {@code author} itself or named in the author's latest have-vector as its neighbour. */
    private boolean getsItFromItsAuthor(PeerId neighbour, PeerId author) {
        if (neighbour.equals(author)) return true;
        Member m = members.get(author);
        return m != null && !m.gone && m.neighbours.contains(neighbour);
    }

    /** Held copies whose backstop passed: sent to neighbours that still do not say they hold them, dropped for the rest. */
    private void releaseHeld(long now) {
        while (!held.isEmpty() && held.peek().due() <= now) {
            HeldRelay h = held.poll();
            Link link = links.get(h.to());
            if (link != null && !link.covers(h.message())) send(link, List.of(h.message()), false, List.of());
        }
    }

    private void onBadEnvelope(Link link, Rejection r) {
        switch (r.kind()) {
            case FUTURE, RATE_LIMITED -> rejectOnce(r.kind() + ":" + link.peer, "ignored a message from " + link.peer.shortString() + " for now: " + r.getMessage());
            case WRONG_ROOM -> rejectOnce("room:" + link.peer, link.peer.shortString() + " sent a " + r.getMessage() + ": dropped");
            default -> invalid(link, "sent an invalid message: " + r.getMessage());
        }
    }

    /** An envelope we could not take (its author unknown) from a peer we asked: its WANTs must not skip what they did not store. */
    private void deferWant(Link link) {
        for (Want w : wants.values()) if (w.peer.equals(link.peer)) w.deferred = true;
    }

    /** Inserts verified messages (one transaction) and returns those that were new. */
    private List<SignedMessage> insert(List<SignedMessage> verified, boolean shown, long now) {
        if (verified.isEmpty()) return List.of();
        List<RoomStore.Insert> results = store.insert(verified, now, shown);
        List<SignedMessage> fresh = new ArrayList<>();
        Set<PeerId> authors = new LinkedHashSet<>();
        for (int i = 0; i < verified.size(); i++) {
            SignedMessage m = verified.get(i);
            switch (results.get(i)) {
                case INSERTED -> {
                    fresh.add(m);
                    authors.add(m.author());
                    hlc.observe(m.hlc());
                    if (m.author().equals(self)) raiseOwnSeq(m.seq());
                }
                case CONFLICT -> equivocation(m);
                case DUPLICATE -> { }
            }
        }
        for (PeerId a : authors) marks.put(a, store.mark(room, a));
        if (!fresh.isEmpty()) haveDirty = true;
        return fresh;
    }

    private void equivocation(SignedMessage m) {
        rejectOnce("equivocation:" + m.author(), "author " + m.author().shortString() + " signed two different messages as seq " + m.seq()
                + ": the second (and any later one) is dropped, never shown or relayed");
    }

    /**
     * A live message beyond our mark shows a gap: ask its sender for it now rather than at the next summary. For an
     * author we had no mark of ({@code firstSeen}) the gap is usually none (a fresh store starts its seq at the wall
     * clock): that WANT only moves our mark, and live lines meanwhile are not held back for it ({@link #catchingUp}).
     */
    private void askForGaps(Link link, List<SignedMessage> fresh, Set<PeerId> firstSeen) {
        for (SignedMessage m : fresh) {
            long high = highOf(m.author());
            if (m.seq() > high + 1 && !wants.containsKey(m.author()) && link.outstanding < Tuning.MAX_WANTS_PER_PEER) {
                want(link, m.author(), high + 1, m.seq() - 1);
                wants.get(m.author()).firstContact = firstSeen.contains(m.author());
            }
        }
    }

    /** Whether older lines of {@code author} are being fetched (not just a first contact's mark): its live lines wait for them. */
    private boolean catchingUp(PeerId author) {
        Want w = wants.get(author);
        return w != null && !w.firstContact;
    }

    private void onHave(Link link, Frame.Have frame) {
        long now = clock.getAsLong();
        if (!link.haves.tryTake(now)) {
            rejectOnce("have-rate:" + link.peer, link.peer.shortString() + " sends have-vectors too fast: some ignored");
            return;
        }
        HaveVector v;
        try {
            v = HaveVector.decode(frame.envelope(), room);
        } catch (Rejection r) {
            if (r.kind() == Rejection.Kind.WRONG_ROOM) rejectOnce("room:" + link.peer, link.peer.shortString() + " sent a " + r.getMessage() + ": dropped");
            else invalid(link, "sent an invalid have-vector: " + r.getMessage());
            return;
        }
        PeerId member = v.member();
        if (member.equals(self)) return; // ours, echoed back by the flood
        Member known = members.get(member);
        boolean newer = known == null || v.version() > known.have.version() || now - known.seenAt > tuning.memberTtlMs();
        if (!newer) {
            // seen: dedupe by (member, version) ends the flood here. A neighbour's own vector that a relay brought
            // first still tells what this neighbour holds (held relays are dropped by it): the verified copy's marks
            if (member.equals(link.peer) && v.version() == known.have.version()) learnMarks(link, known.have);
            return;
        }
        try {
            v.verify();
        } catch (Rejection r) {
            invalid(link, "relayed a have-vector whose signature does not verify");
            return;
        }
        if (known == null && members.size() >= Tuning.MAX_MEMBERS) {
            members.entrySet().stream().min(Comparator.comparingLong(e -> e.getValue().seenAt)).ifPresent(e -> members.remove(e.getKey()));
        }
        members.put(member, new Member(v, now));
        byte[] encoded = encodeHave(frame.envelope());
        for (Link other : links.values()) if (other != link) outbox.send(other.peer, encoded);
        if (member.equals(link.peer)) learnMarks(link, v);
        checkReceipts(now);
    }

    /** A neighbour's own vector is also its periodic summary (anti-entropy for what a full channel dropped). */
    private void learnMarks(Link link, HaveVector v) {
        for (HaveVector.Entry e : v.entries()) {
            long[] r = link.known.get(e.author());
            if (r != null) r[1] = e.high();
            else if (link.known.size() < Tuning.MAX_SUMMARY_AUTHORS) link.known.put(e.author(), new long[] {1, e.high()});
        }
        scheduleWants();
    }

    // ---------------------------------------------------------------- catch-up

    /** Asks each author's missing range of one peer whose marks show it has more; at most 8 outstanding per peer. */
    private void scheduleWants() {
        long now = clock.getAsLong();
        for (Link link : links.values()) {
            if (link.outstanding >= Tuning.MAX_WANTS_PER_PEER) continue;
            for (Map.Entry<PeerId, long[]> e : new TreeMap<>(link.known).entrySet()) {
                PeerId author = e.getKey();
                long low = e.getValue()[0], high = e.getValue()[1];
                if (wants.containsKey(author)) continue;
                long ours = highOf(author);
                long from = Math.max(ours + 1, low);
                if (high <= ours || from > high) continue;
                Long until = failedWants.get(List.of(author, link.peer));
                if (until != null && until > now) continue;
                want(link, author, from, high);
                if (link.outstanding >= Tuning.MAX_WANTS_PER_PEER) break;
            }
        }
    }

    private void want(Link link, PeerId author, long from, long to) {
        Want w = new Want(link.peer, author, from, to, clock.getAsLong() + tuning.wantTimeoutMs());
        wants.put(author, w);
        link.outstanding++;
        outbox.send(link.peer, encode(new Frame.Want(room, author, from, to, WireLimits.MAX_WANT)));
    }

    /** Shows the collected catch-up block, in room order, as one event. */
    private void flushBlock() {
        if (block.isEmpty()) return;
        List<SignedMessage> list = new ArrayList<>(block);
        block.clear();
        list.sort(ROOM_ORDER);
        store.markShown(list);
        int cut = firstLive(list, blockLive::contains);
        blockLive.clear();
        if (cut > 0) listener.onCatchUp(list.subList(0, cut).stream().map(this::view).toList());
        for (SignedMessage m : list.subList(cut, list.size())) listener.onLive(view(m)); // after the block, in room order
    }

    /**
     * Where a block in room order stops being "while you were away": at its first line posted as the session opened.
     * That line and every later one are shown live, after the block, so no line ever comes before an earlier one: a
     * burst typed as we connected has its first lines posted as the session opened and its later ones arriving once
     * the first exchange is over but while the block still waits, and those later lines must not go into the block
     * ahead of the first ones (TwoProcessChatIT saw 12..29 in a block, then 0..11). {@code inRoomOrder.size()}: none.
     */
    static <T> int firstLive(List<T> inRoomOrder, java.util.function.Predicate<T> postedAsSessionOpened) {
        for (int i = 0; i < inRoomOrder.size(); i++) if (postedAsSessionOpened.test(inRoomOrder.get(i))) return i;
        return inRoomOrder.size();
    }

    static final Comparator<SignedMessage> ROOM_ORDER = Comparator.comparingLong(SignedMessage::hlc)
            .thenComparing(SignedMessage::author)
            .thenComparingLong(SignedMessage::seq);

    // ---------------------------------------------------------------- receipts

    private Set<PeerId> presentMembers(long now) {
        Set<PeerId> present = new TreeSet<>(links.keySet());
        for (Map.Entry<PeerId, Member> e : members.entrySet()) {
            if (!e.getValue().gone && now - e.getValue().seenAt <= tuning.memberTtlMs()) present.add(e.getKey());
        }
        present.remove(self);
        return present;
    }

    private boolean holds(PeerId member, long seq) {
        Member m = members.get(member);
        return m != null && m.have.high(self) >= seq;
    }

    /** Our messages every member (of the send-time snapshot still present) holds are delivered. */
    private void checkReceipts(long now) {
        if (pending.isEmpty()) return;
        Set<PeerId> present = presentMembers(now);
        List<SignedMessage> delivered = new ArrayList<>();
        for (Pending p : pending.values()) {
            p.snapshot.retainAll(present); // members that left drop out
            if (p.snapshot.isEmpty()) p.snapshot.addAll(present); // nobody was there to get it: whoever is there now
            if (!p.snapshot.isEmpty() && p.snapshot.stream().allMatch(mem -> holds(mem, p.message.seq()))) delivered.add(p.message);
        }
        if (delivered.isEmpty()) return;
        for (SignedMessage m : delivered) pending.remove(m.seq());
        store.markDelivered(delivered);
        pendingChanged(); // first: whoever hears "delivered" reads a count that already says so
        for (SignedMessage m : delivered) listener.onDelivered(view(m));
    }

    List<PendingMessage> pending() {
        Set<PeerId> present = presentMembers(clock.getAsLong());
        List<PendingMessage> out = new ArrayList<>();
        for (Pending p : pending.values()) {
            Set<PeerId> who = p.snapshot.isEmpty() ? present : p.snapshot;
            out.add(new PendingMessage(view(p.message), who.stream().filter(mem -> !holds(mem, p.message.seq())).toList()));
        }
        return out;
    }

    int pendingCount() {
        return pending.size();
    }

    private void pendingChanged() {
        if (pending.size() != lastPendingCount) {
            lastPendingCount = pending.size();
            listener.onPendingCount(lastPendingCount);
        }
    }

    // ---------------------------------------------------------------- time

    /** Periodic work: our have-vector, WANT timeouts, the catch-up block, members that went quiet, retention. */
    void tick() {
        long now = clock.getAsLong();
        if (!links.isEmpty() && (now - lastHaveAt >= tuning.haveIntervalMs() || (haveDirty && now - lastHaveAt >= tuning.haveDebounceMs()))) {
            sendHave(links.values(), now, true);
        }
        boolean expired = false;
        for (var it = wants.values().iterator(); it.hasNext(); ) {
            Want w = it.next();
            if (w.deadline > now) continue;
            it.remove();
            Link link = links.get(w.peer);
            if (link != null) link.outstanding--;
            failedWants.put(List.of(w.author, w.peer), now + 3 * tuning.wantTimeoutMs());
            expired = true;
        }
        if (expired) scheduleWants();
        releaseHeld(now);
        for (Link link : links.values()) {
            // the first exchange ends once the slack passed and its WANTs were answered (or, at the latest, timed out)
            if (link.firstExchange && now - link.openedAt > Tuning.LIVE_SLACK_MS
                    && ((link.summarySeen && link.outstanding == 0) || now - link.openedAt > tuning.wantTimeoutMs())) {
                link.firstExchange = false;
            }
        }
        if (!block.isEmpty() && ((wants.isEmpty() && now >= blockQuietUntil) || now - blockStartedAt >= tuning.wantTimeoutMs())) flushBlock();
        if (now - lastMemberCheck >= 1000) {
            lastMemberCheck = now;
            checkReceipts(now);
        }
        if (now - lastPruneAt >= tuning.pruneIntervalMs()) {
            int deleted = store.prune(room, historyLimit, Hlc.stamp(now - historyAgeMs), Tuning.PRUNE_BATCH, now - 2 * historyAgeMs);
            if (deleted < Tuning.PRUNE_BATCH) lastPruneAt = now; // else another batch on the next tick
            if (deleted > 0) reloadMarks();
        }
    }

    // ---------------------------------------------------------------- queries

    List<RoomMessage> history(int n) {
        return store.history(room, Math.max(0, n)).stream().map(s -> view(s.message())).toList();
    }

    List<RoomMessage> search(String text, int limit) {
        return store.search(room, text, limit).stream().map(s -> view(s.message())).toList();
    }

    // ---------------------------------------------------------------- helpers

    private void sendSummary(Link link) {
        List<AuthorMark> all = store.marks(room, Tuning.MAX_SUMMARY_AUTHORS);
        int pages = Math.max(1, (all.size() + WireLimits.MAX_ENTRIES - 1) / WireLimits.MAX_ENTRIES);
        for (int p = 0; p < pages; p++) {
            List<Frame.SummaryEntry> entries = all.subList(p * WireLimits.MAX_ENTRIES, Math.min(all.size(), (p + 1) * WireLimits.MAX_ENTRIES)).stream()
                    .map(m -> new Frame.SummaryEntry(m.author(), m.low(), m.high())).toList();
            outbox.send(link.peer, encode(new Frame.Summary(room, entries, p + 1 < pages)));
        }
    }

    /** Signs a fresh have-vector and sends it; {@code everyone}: to all neighbours (restarts the debounce and period). */
    private void sendHave(Iterable<Link> to, long now, boolean everyone) {
        List<HaveVector.Entry> entries = new ArrayList<>();
        for (AuthorMark m : store.marks(room, WireLimits.MAX_ENTRIES)) entries.add(new HaveVector.Entry(m.author(), m.high()));
        AuthorMark mine = marks.get(self);
        if (mine != null && entries.stream().noneMatch(e -> e.author().equals(self))) {
            // receipts of our own messages always fit: our entry replaces the least recently active author's
            if (entries.size() < WireLimits.MAX_ENTRIES) entries.add(new HaveVector.Entry(self, mine.high()));
            else entries.set(entries.size() - 1, new HaveVector.Entry(self, mine.high()));
        }
        List<PeerId> neighbours = links.keySet().stream().limit(WireLimits.MAX_NEIGHBOURS).toList();
        byte[] encoded = encodeHave(HaveVector.sign(identity, room, hlc.next(now), entries, neighbours).envelope());
        for (Link link : to) outbox.send(link.peer, encoded);
        if (everyone) {
            lastHaveAt = now;
            haveDirty = false;
        }
    }

    /** Sends messages to a neighbour unless its marks (or what passed between us) show it has them; paged. */
    private void send(Link link, List<SignedMessage> messages, boolean catchUp, List<Frame.Done> done) {
        List<byte[]> page = new ArrayList<>();
        int bytes = 0;
        for (SignedMessage m : messages) {
            if (link.covers(m)) continue;
            link.remember(m);
            if (bytes + m.envelope().length > Tuning.PAGE_BYTES && !page.isEmpty()) {
                outbox.send(link.peer, encodeMessages(page, catchUp, List.of()));
                page = new ArrayList<>();
                bytes = 0;
            }
            page.add(m.envelope());
            bytes += m.envelope().length;
        }
        if (!page.isEmpty() || !done.isEmpty()) outbox.send(link.peer, encodeMessages(page, catchUp, done));
    }

    private static byte[] encodeMessages(List<byte[]> envelopes, boolean catchUp, List<Frame.Done> done) {
        return encode(new Frame.Messages(envelopes, catchUp, done));
    }

    private static byte[] encodeHave(byte[] envelope) {
        return encode(new Frame.Have(envelope));
    }

    private static byte[] encode(Frame f) {
        return Frame.encode(f);
    }

    private long highOf(PeerId author) {
        AuthorMark m = marks.get(author);
        return m == null ? 0 : m.high();
    }

    private void reloadMarks() {
        marks.clear();
        for (AuthorMark m : store.marks(room, Integer.MAX_VALUE)) marks.put(m.author(), m);
    }

    /**
     * A message signed by us that this store did not allocate (it was lost; peers kept it): never allocate its seq
     * again. Only our own signature moves our seq: a summary or have-vector claiming a high seq of ours makes us ask
     * for those messages, and a lie there cannot push our seq towards overflow.
     */
    private void raiseOwnSeq(long seq) {
        if (seq > ownSeq) {
            store.raiseOwnSeq(room, seq);
            ownSeq = seq;
        }
    }

    private boolean authorRate(PeerId author, long now) {
        return authorRates.computeIfAbsent(author, a -> new TokenBucket(tuning.authorRate(), tuning.authorBurst(), now)).tryTake(now);
    }

    /** Bad data from a neighbour: logged once, counted; a few and its channel is reset. */
    private void invalid(Link link, String what) {
        link.invalid++;
        rejectOnce("invalid:" + link.peer, link.peer.shortString() + " " + what);
        if (link.invalid == Tuning.MAX_INVALID) {
            listener.onRejected(link.peer.shortString() + " sent " + Tuning.MAX_INVALID + " invalid frames or signatures: channel reset");
            outbox.reset(link.peer, "too many invalid frames");
        }
    }

    private void rejectOnce(String key, String line) {
        if (logged.add(key)) listener.onRejected("room " + room + ": " + line);
    }

    RoomMessage view(SignedMessage m) {
        MessageBody b = m.body();
        return new RoomMessage(room, m.author(), b.seq(), b.hlc(), Instant.ofEpochMilli(b.sentAt()), b.nick(), b.text(), b.relayedFrom(), m.shortId(),
                m.author().equals(self));
    }

    private static <T> Set<T> boundedSet(int max) {
        return java.util.Collections.newSetFromMap(bounded(max));
    }

    private static <K, V> Map<K, V> bounded(int max) {
        return new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
                return size() > max;
            }
        };
    }

    // ---------------------------------------------------------------- state

    /** What we know of one neighbour, keyed by its peer id (not by connection: it may change transport). */
    private final class Link {
        final PeerId peer;
        /** Its marks per author, {low, high}, from its summaries and its own have-vectors. */
        final Map<PeerId, long[]> known = new HashMap<>();
        /** (author, seq) recently sent to it or received from it. */
        final Set<List<Object>> recent = boundedSet(Tuning.RECENT_PER_PEER);
        final ArrayDeque<Serve> serving = new ArrayDeque<>();
        final TokenBucket frames, envelopes, summaries, wantsIn, haves;
        /** When the session opened (our clock), and whether its first catch-up exchange is still going on. */
        final long openedAt;
        boolean firstExchange = true, summarySeen;
        boolean serveBusy;
        int outstanding;
        int invalid;

        Link(PeerId peer, long now) {
            this.peer = peer;
            this.openedAt = now;
            this.frames = new TokenBucket(100, 200, now);
            // new authors get fresh per-author buckets: this bounds what one neighbour makes us verify and store
            this.envelopes = new TokenBucket(200, 400, now);
            this.summaries = new TokenBucket(1, 8, now);
            this.wantsIn = new TokenBucket(200, 400, now); // a CPU bound only: the queue of 8 and the paced answers bound the rest
            this.haves = new TokenBucket(50, 100, now);
        }

        boolean covers(SignedMessage m) {
            long[] r = known.get(m.author());
            return (r != null && r[1] >= m.seq()) || recent.contains(List.of(m.author(), m.seq()));
        }

        void remember(SignedMessage m) {
            recent.add(List.of(m.author(), m.seq()));
        }
    }

    /** A relayed copy held back until {@code due} for a neighbour that should get it from the author. */
    private record HeldRelay(SignedMessage message, PeerId to, long due) {}

    private static final class Want {
        final PeerId peer, author;
        final long from, to;
        long deadline;
        boolean deferred;
        /** Asked because a live line of an author we had no mark of came: see {@link #askForGaps}. */
        boolean firstContact;

        Want(PeerId peer, PeerId author, long from, long to, long deadline) {
            this.peer = peer;
            this.author = author;
            this.from = from;
            this.to = to;
            this.deadline = deadline;
        }
    }

    private static final class Serve {
        final PeerId author;
        final long to;
        long next;
        int remaining;

        Serve(PeerId author, long from, long to, int limit) {
            this.author = author;
            this.next = from;
            this.to = to;
            this.remaining = limit;
        }
    }

    private static final class Member {
        final HaveVector have;
        /** Its room neighbours as its vector names them (≤ 256; asked once per relayed copy, hence a set). */
        final Set<PeerId> neighbours;
        final long seenAt;
        boolean gone;

        Member(HaveVector have, long seenAt) {
            this.have = have;
            this.neighbours = Set.copyOf(have.neighbours());
            this.seenAt = seenAt;
        }
    }

    private static final class Pending {
        final SignedMessage message;
        final Set<PeerId> snapshot = new TreeSet<>();

        Pending(SignedMessage message) {
            this.message = message;
        }
    }
}
