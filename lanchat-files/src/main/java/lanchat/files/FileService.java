package lanchat.files;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Stream;

import lanchat.api.PeerId;
import lanchat.api.spi.ChannelLimits;
import lanchat.api.spi.ChannelListener;
import lanchat.api.spi.ChatSession;
import lanchat.api.spi.ProtocolChannel;
import lanchat.api.spi.ProtocolHandler;

/**
 * File sharing for one node: offers files to peers, serves the bytes of what the user offered (by offer id, never a
 * path a peer names), and downloads what the user accepted, resumably, into the downloads directory. Protocol and
 * design: the module README and {@link Wire}.
 *
 * <p>Threads: channel events arrive on the transport's callback executor (the node's thread) and do no I/O there;
 * disk reads and writes run on this service's I/O threads, a download's writes chained one after the other; every
 * download is started by the service's own timer thread (which may ask the app for a session: never the node thread,
 * so the app's lookup may wait for it). Flow control is the channel's: a sender keeps at most half a send buffer in
 * flight and waits for the connection to take it; a receiver returns each chunk's disk write as the stage that holds
 * the message, so a slow disk stops the channel, then the sender, and nothing queues in memory.
 */
public final class FileService implements AutoCloseable {
    public static final String PROTOCOL = "/lanchat/file/1.0.0";
    /**
     * A chunk of at most {@link FileLimits#MAX_CHUNK} per message, 1 MiB unsent per channel, 4 MiB received and held
     * until written to disk, 8 channels a peer may open at once (offers, requests and cancels are short; a download is
     * one). The transport reserves each channel's window in the resource manager; what a download holds beyond it
     * while its chunks wait for the disk is bounded by the 4 MiB here and by {@code file.maxTransfers}. 4 MiB, not
     * the 512 KiB of earlier builds: with 512 KiB a hiccup of the disk or the scheduler paused the channel, and each
     * pause cost a credit round trip (FileBench on 127.0.0.1: median 287 against 243 MB/s, BENCHMARKS.md).
     */
    public static final ChannelLimits LIMITS = new ChannelLimits(Wire.CHUNK_HEADER + FileLimits.MAX_CHUNK, 1 << 20, 4 << 20, 8);
    static final String PARTIAL_DIR = ".lanchat-partial";
    /** Resume bookkeeping is written every this many bytes (and when a transfer stops): at most this much is fetched twice. */
    static final long CHECKPOINT_BYTES = 4L << 20;
    /** An interrupted or waiting download is tried again this often while its peer is away or busy. */
    static final long RETRY_MS = 1000;
    /** A refused offer is reported at most once per peer in this time (a peer may offer in a loop); see {@link RefusalLines}. */
    static final java.time.Duration REFUSAL_LINE_INTERVAL = java.time.Duration.ofSeconds(10);
    /** A partial download not touched for this long is given up at the next start (its sender has long forgotten it). */
    static final java.time.Duration RESUME_WINDOW = java.time.Duration.ofDays(7);
    /** How long a sender waits for the receiver to close a fully sent channel (its SHA-256 check and fsync) before it counts the file as delivered anyway. */
    static final java.time.Duration CONFIRM_WAIT = java.time.Duration.ofSeconds(60);
    /** Files of one offered folder. */
    static final int MAX_FOLDER_FILES = 1000;

    private final FileConfig config;
    private final FileLimits limits;
    private final Path partialDir;
    private final Function<PeerId, Optional<ChatSession>> sessions;
    private final FileEvents events;
    private final ExecutorService io;
    private final ScheduledExecutorService timer;
    private final Pacer pacer;
    private final RefusalLines refusalLines;
    /** Where our open offers are kept across restarts; null: in memory only. */
    private final OfferStore store;

    // guarded by this
    private int nextNumber = 1;
    private int running;
    private final Map<Integer, Transfer> transfers = new LinkedHashMap<>();
    private final Map<String, Outgoing> outgoing = new HashMap<>();
    private final Map<Transfer, ProtocolChannel> serving = new HashMap<>();
    /** Served channels whose every byte is sent, until the receiver closes them (the file verified) or they end. Guarded by this. */
    private final Map<ProtocolChannel, Transfer> verifying = new HashMap<>();
    private final Map<Integer, Download> downloads = new HashMap<>();
    /** Ids of offers with a file in {@link #store}: each goes once its offer is gone or every transfer of it finished. */
    private final java.util.Set<String> stored = new java.util.HashSet<>();
    private boolean closed;

    /** A file the user offered: only these are ever read for a peer, and only by the peers it was offered to. */
    private record Outgoing(Path path, long size, FileTime modified, byte[] sha256, String name, int chunkSize, Map<PeerId, Transfer> to, long offeredNanos) {}

    /**
     * @param sessions the app's live session with a peer, if any (may be called on the timer and the callback threads)
     */
    public FileService(FileConfig config, Function<PeerId, Optional<ChatSession>> sessions, FileEvents events) throws IOException {
        this(config, sessions, events, REFUSAL_LINE_INTERVAL);
    }

    /** With another interval between two lines about one peer's refused offers (tests: 0, to count every line). */
    FileService(FileConfig config, Function<PeerId, Optional<ChatSession>> sessions, FileEvents events, java.time.Duration refusalLineInterval) throws IOException {
        this.config = config;
        this.limits = config.limits();
        this.sessions = sessions;
        this.events = events;
        this.partialDir = config.downloads().resolve(PARTIAL_DIR);
        // created at the first /accept, not here: a node that never receives a file leaves no directory behind
        if (Files.exists(config.downloads()) && !Files.isDirectory(config.downloads())) throw new IOException(config.downloads() + " is not a directory");
        this.io = Executors.newCachedThreadPool(daemon("lanchat-files-io"));
        this.timer = Executors.newSingleThreadScheduledExecutor(daemon("lanchat-files"));
        this.pacer = new Pacer(limits.maxBytesPerSecond());
        this.refusalLines = new RefusalLines(limits.refusalLines(), refusalLineInterval.toNanos());
        this.store = config.offers().map(OfferStore::new).orElse(null);
        if (Files.isDirectory(partialDir)) loadPartials();
        if (store != null) {
            try {
                loadOffers();
            } catch (IOException e) { // the downloads work without them; the offers of the last run are not served
                events.info("cannot read the offers kept in " + store.dir() + ": " + e.getMessage());
            }
        }
        timer.scheduleWithFixedDelay(this::tick, RETRY_MS, RETRY_MS, TimeUnit.MILLISECONDS);
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    /** Register with the transport before it listens. */
    public ProtocolHandler protocolHandler() {
        return new ProtocolHandler(PROTOCOL, LIMITS, ch -> ch.setListener(new Inbound()));
    }

    public FileConfig config() { return config; }

    /** Every transfer of this run (and the downloads resumed from the last), oldest first. */
    public synchronized List<Transfer> transfers() {
        return List.copyOf(transfers.values());
    }

    public synchronized Optional<Transfer> transfer(int number) {
        return Optional.ofNullable(transfers.get(number));
    }

    // ------------------------------------------------------------------ sending

    /**
     * Offers {@code path} (a file, or a folder's regular files) to {@code peers}: hashes it, then tells each peer.
     * Completes with one transfer per file and peer; fails with a message for the user when the path cannot be offered.
     */
    public CompletableFuture<List<Transfer>> offer(Path path, Collection<PeerId> peers) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                List<Path> files = filesOf(path);
                List<Transfer> out = new ArrayList<>();
                for (Path f : files) out.addAll(offerFile(f, peers));
                return out;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, io);
    }

    private static List<Path> filesOf(Path path) throws IOException {
        if (Files.isRegularFile(path)) return List.of(path);
        if (!Files.isDirectory(path)) throw new IOException(path + " is not a file or folder");
        try (Stream<Path> walk = Files.walk(path)) {
            List<Path> files = walk.filter(Files::isRegularFile).limit(MAX_FOLDER_FILES + 1L).sorted().toList();
            if (files.size() > MAX_FOLDER_FILES) throw new IOException(path + " has more than " + MAX_FOLDER_FILES + " files");
            if (files.isEmpty()) throw new IOException(path + " has no files");
            return files;
        }
    }

    private List<Transfer> offerFile(Path file, Collection<PeerId> peers) throws IOException {
        long size = Files.size(file);
        if (size > limits.maxOfferBytes()) throw new IOException(file.getFileName() + " is larger than file.maxOfferSize (" + size + " > " + limits.maxOfferBytes() + " bytes)");
        FileTime modified = Files.getLastModifiedTime(file);
        byte[] sha = hash(file);
        if (Files.size(file) != size || !Files.getLastModifiedTime(file).equals(modified)) throw new IOException(file + " changed while it was hashed");
        String name = FileNames.sanitize(file.getFileName().toString());
        String id = Wire.newId();
        Map<PeerId, Transfer> to = new HashMap<>();
        List<Transfer> made = new ArrayList<>();
        List<Transfer> expired;
        synchronized (this) {
            expired = pruneOutgoing(System.nanoTime());
            evictFinishedOutgoing(limits.maxOpenOffers() - 1);
            if (outgoing.size() >= limits.maxOpenOffers()) {
                throw new IOException("already " + outgoing.size() + " offers open (file.maxOpenOffers); /cancel some or wait");
            }
            for (PeerId p : peers) {
                Transfer t = add(Transfer.Direction.SEND, p, id, name, size, Transfer.State.OFFERED);
                to.put(p, t);
                made.add(t);
            }
            outgoing.put(id, new Outgoing(file, size, modified, sha, name, limits.chunkBytes(), to, System.nanoTime()));
        }
        expired.forEach(events::changed);
        // on disk before any peer hears of it: a receiver that accepted can always fetch it, even after our restart
        if (store != null) {
            sweepStored(); // the offers that made room above take their files with them: the directory stays bounded too
            try {
                store.save(new OfferStore.Stored(id, file.toAbsolutePath(), size, modified, sha, name, limits.chunkBytes(), java.time.Instant.now(), List.copyOf(peers)));
                synchronized (this) {
                    stored.add(id);
                }
            } catch (IOException e) {
                events.info("cannot keep the offer of " + name + " in " + store.dir() + " (" + e.getMessage() + "): it is served until this node stops");
            }
        }
        byte[] offer = Wire.encode(new Wire.Offer(id, size, limits.chunkBytes(), sha, name));
        for (Transfer t : made) {
            sendOne(t.peer(), offer).whenComplete((ok, err) -> {
                if (err != null) end(t, Transfer.State.FAILED, "could not offer: " + reason(err));
            });
        }
        return made;
    }

    /**
     * Our offers of the last run (kept in {@link #store}): each is open again to the peers it was offered to, so a
     * receiver's download resumes when it asks. Offers older than the resume window, and those whose file is gone or
     * changed, are dropped with a line (a receiver would be told "the file changed" anyway).
     */
    private void loadOffers() throws IOException {
        long now = System.nanoTime();
        java.time.Instant wall = java.time.Instant.now();
        for (OfferStore.Stored s : store.load(limits.maxOpenOffers(), events::info)) {
            String why = null;
            if (s.offeredAt().isBefore(wall.minus(RESUME_WINDOW))) why = "offered more than " + RESUME_WINDOW.toDays() + " days ago";
            else if (s.peers().isEmpty()) why = "offered to nobody";
            else {
                try {
                    if (Files.size(s.path()) != s.size() || !Files.getLastModifiedTime(s.path()).equals(s.modified())) why = "the file changed since it was offered";
                } catch (IOException e) {
                    why = "the file is gone (" + e.getMessage() + ")";
                }
            }
            if (why != null) {
                store.delete(s.id());
                events.info("dropped the offer of " + s.name() + " from the last run: " + why);
                continue;
            }
            long age = java.time.Duration.between(s.offeredAt(), wall).toNanos();
            synchronized (this) {
                Map<PeerId, Transfer> to = new HashMap<>();
                for (PeerId p : s.peers()) {
                    Transfer t = add(Transfer.Direction.SEND, p, s.id(), s.name(), s.size(), Transfer.State.OFFERED);
                    t.state(Transfer.State.OFFERED, "offered in an earlier run; served when " + p.shortString() + " asks");
                    to.put(p, t);
                }
                outgoing.put(s.id(), new Outgoing(s.path(), s.size(), s.modified(), s.sha256(), s.name(), s.chunkSize(), to, now - Math.max(0, age)));
                stored.add(s.id());
            }
        }
    }

    /**
     * Deletes the stored file of every offer that is gone from {@code outgoing} (pruned, evicted) or whose every
     * transfer finished (delivered, cancelled, rejected, failed): nothing is left to resume after a restart. Not on
     * the node's thread (disk).
     */
    private void sweepStored() {
        if (store == null) return;
        List<String> done = new ArrayList<>();
        synchronized (this) {
            for (java.util.Iterator<String> it = stored.iterator(); it.hasNext(); ) {
                String id = it.next();
                Outgoing o = outgoing.get(id);
                if (o == null || o.to().values().stream().allMatch(t -> t.state().finished())) {
                    it.remove();
                    done.add(id);
                }
            }
        }
        done.forEach(store::delete);
    }

    static byte[] hash(Path file) throws IOException {
        MessageDigest d = Sidecar.newDigest();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
            while (ch.read(buf) >= 0) {
                buf.flip();
                d.update(buf);
                buf.clear();
            }
        }
        return d.digest();
    }

    /**
     * Forgets offers nobody can use any more, so that {@code outgoing} stays bounded: those whose every transfer
     * finished at least {@link #FINISHED_KEEP} ago (kept that long so a receiver's late CANCEL, after its check
     * failed, still reaches the transfer), and those offered more than {@link #RESUME_WINDOW} ago with nothing running
     * (the receivers give their partial files up after that long too; what was not finished fails as expired).
     * Guarded by this; returns the transfers that changed.
     */
    synchronized List<Transfer> pruneOutgoing(long now) {
        List<Transfer> expired = new ArrayList<>();
        outgoing.values().removeIf(o -> {
            Collection<Transfer> ts = o.to().values();
            // DONE on our side means written to our socket: a receiver cut before the tail arrived asks again, within
            // the resume window (review), so only offers nobody can take any more go after FINISHED_KEEP
            if (ts.stream().allMatch(t -> t.state().finished() && t.state() != Transfer.State.DONE && now - t.changedNanos() >= FINISHED_KEEP.toNanos())) return true;
            if (now - o.offeredNanos() < RESUME_WINDOW.toNanos() || ts.stream().anyMatch(t -> t.state() == Transfer.State.RUNNING)) return false;
            for (Transfer t : ts) {
                if (t.state().finished()) continue;
                t.state(Transfer.State.FAILED, "offer expired after " + RESUME_WINDOW.toDays() + " days");
                expired.add(t);
            }
            return true;
        });
        return expired;
    }

    /**
     * Makes room for a new offer when {@code outgoing} is full: offers whose every transfer finished go first, the
     * longest finished first (a DONE one could still have been resumed; an open one never goes this way). Guarded by this.
     */
    private void evictFinishedOutgoing(int keep) {
        if (outgoing.size() <= keep) return;
        List<Map.Entry<String, Outgoing>> finished = new ArrayList<>();
        for (Map.Entry<String, Outgoing> e : outgoing.entrySet()) {
            if (e.getValue().to().values().stream().allMatch(t -> t.state().finished())) finished.add(e);
        }
        finished.sort(java.util.Comparator.comparingLong(e -> e.getValue().to().values().stream().mapToLong(Transfer::changedNanos).max().orElse(0)));
        for (int i = 0; i < finished.size() && outgoing.size() > keep; i++) outgoing.remove(finished.get(i).getKey());
    }

    /** How long a cancelled, rejected or failed offer is kept for late news from its receivers (a DONE one: the resume window). */
    static final java.time.Duration FINISHED_KEEP = java.time.Duration.ofMinutes(1);

    synchronized int outgoingCount() {
        return outgoing.size();
    }

    /** Offers with a file in the store (tests). */
    synchronized int storedCount() {
        return stored.size();
    }

    /**
     * What the service holds in memory, entries per structure (tests: every one of them is bounded by a limit, whatever
     * peers send).
     */
    synchronized Map<String, Integer> footprint() {
        return Map.of("transfers", transfers.size(), "downloads", downloads.size(), "outgoing", outgoing.size(), "serving", serving.size(),
                "stored", stored.size(), "refusalPeers", refusalLines.peers());
    }

    /** Opens a channel, sends one message, closes it: offers, rejections, cancels. */
    private CompletionStage<Void> sendOne(PeerId peer, byte[] message) {
        Optional<ChatSession> s = sessions.apply(peer);
        if (s.isEmpty()) return CompletableFuture.failedFuture(new IOException(peer.shortString() + " is not connected"));
        return s.get().openChannel(PROTOCOL).thenCompose(ch -> {
            ch.setListener(IGNORE);
            return ch.send(message).thenCompose(v -> ch.close());
        });
    }

    private static final ChannelListener IGNORE = new ChannelListener() {
        @Override
        public CompletionStage<?> onMessage(ProtocolChannel channel, byte[] message) {
            channel.reset(); // these channels carry one message, ours
            return null;
        }

        @Override
        public void onClosed(ProtocolChannel channel, Throwable cause) {}
    };

    /** A peer asks for bytes of an offer (on the callback thread). */
    private void serve(ProtocolChannel ch, Wire.Get get) {
        PeerId peer = ch.session().remotePeer();
        Outgoing o;
        Transfer t;
        synchronized (this) {
            o = outgoing.get(get.id());
            t = o == null ? null : o.to().get(peer);
            if (t == null || t.state() == Transfer.State.CANCELLED || t.state() == Transfer.State.REJECTED || t.state() == Transfer.State.FAILED) {
                refuse(ch, "unknown offer");
                return;
            }
            if (get.offset() > o.size()) {
                refuse(ch, "offset beyond the end");
                return;
            }
            if (serving.containsKey(t)) serving.remove(t).reset(); // a resumed request replaces a stale channel
            else if (running >= limits.maxTransfers() || servingTo(peer) >= perPeer(limits.maxTransfers())) {
                refuse(ch, "busy");
                return;
            }
            else running++;
            serving.put(t, ch);
            t.running(get.offset());
        }
        events.changed(t);
        io.execute(() -> serveBytes(ch, o, t, get.offset()));
    }

    private static void refuse(ProtocolChannel ch, String reason) {
        ch.send(Wire.encode(new Wire.Error(reason))).thenCompose(v -> ch.close());
    }

    private void serveBytes(ProtocolChannel ch, Outgoing o, Transfer t, long from) {
        int window = Math.max(1, LIMITS.sendBufferBytes() / 2 / o.chunkSize());
        ArrayDeque<CompletableFuture<Void>> inFlight = new ArrayDeque<>();
        try (FileChannel file = FileChannel.open(o.path(), StandardOpenOption.READ)) {
            if (file.size() != o.size() || !Files.getLastModifiedTime(o.path()).equals(o.modified())) {
                refuse(ch, "the file changed since it was offered");
                stopServing(t, ch, Transfer.State.FAILED, o.path().getFileName() + " changed since it was offered");
                return;
            }
            long pos = from;
            while (pos < o.size()) {
                if (t.state() != Transfer.State.RUNNING) return; // cancelled: handled where it happened
                if (!ch.isOpen()) { // the receiver went away (killed, cut): its next GET resumes
                    stopServing(t, ch, Transfer.State.INTERRUPTED, "connection lost at " + pos + " bytes");
                    return;
                }
                int len = (int) Math.min(o.chunkSize(), o.size() - pos);
                pacer.take(len);
                // the message is built around the file's bytes: one copy from the page cache, none after
                byte[] msg = new byte[Wire.CHUNK_HEADER + len];
                ByteBuffer.wrap(msg).put(Wire.CHUNK).putLong(pos);
                ByteBuffer body = ByteBuffer.wrap(msg, Wire.CHUNK_HEADER, len);
                while (body.hasRemaining()) {
                    if (file.read(body, pos + body.position() - Wire.CHUNK_HEADER) < 0) throw new IOException("file shrank");
                }
                inFlight.add(ch.send(msg).toCompletableFuture());
                // a full window waits until half of it is sent: one wake-up per half window, not one per chunk
                if (inFlight.size() >= window) {
                    while (inFlight.size() > window / 2) inFlight.poll().join();
                }
                pos += len;
                t.progress(pos);
            }
            synchronized (this) {
                verifying.put(ch, t); // before END: a quick receiver may close the channel as soon as END is out
            }
            inFlight.add(ch.send(Wire.encode(new Wire.End())).toCompletableFuture());
            for (CompletableFuture<Void> f : inFlight) f.join();
            timer.schedule(() -> {
                if (delivered(ch, null, true)) ch.close();
            }, CONFIRM_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (IOException e) {
            ch.reset();
            stopServing(t, ch, Transfer.State.FAILED, "cannot read " + o.path().getFileName() + ": " + e.getMessage());
        } catch (RuntimeException e) { // a send failed: the connection is gone or the channel reset; the peer may resume
            stopServing(t, ch, Transfer.State.INTERRUPTED, "connection lost: " + reason(e));
        }
    }

    /**
     * A served channel whose last byte (END) is sent ended, or its receiver did not end it within {@link #CONFIRM_WAIT}
     * ({@code timedOut}). A receiver closes the channel once the file matched its SHA-256 and is in place (receivers
     * of every version do), so that clean close is the delivery: DONE. A channel that ends otherwise (the receiver died
     * with the tail still in its socket, or its check failed) leaves the transfer INTERRUPTED: the offer stays open,
     * and kept on disk, so the receiver's next request is served from its checkpoint, after a restart of ours too. A
     * receiver that neither closes nor goes away is taken at its word after the wait. Returns whether the channel was
     * still waiting for that.
     */
    private boolean delivered(ProtocolChannel ch, Throwable cause, boolean timedOut) {
        Transfer t;
        synchronized (this) {
            t = verifying.remove(ch);
        }
        if (t == null) return false;
        if (timedOut) stopServing(t, ch, Transfer.State.DONE, "sent; " + t.peer().shortString() + " did not confirm it within " + CONFIRM_WAIT.toSeconds() + " s");
        else if (cause == null) stopServing(t, ch, Transfer.State.DONE, "sent and verified by " + t.peer().shortString());
        else stopServing(t, ch, Transfer.State.INTERRUPTED, "sent, but the connection ended before " + t.peer().shortString() + " confirmed it: " + reason(cause));
        return true;
    }

    /** Ends a served request; only the channel that is still the transfer's may change its state. */
    private void stopServing(Transfer t, ProtocolChannel ch, Transfer.State state, String why) {
        synchronized (this) {
            if (serving.get(t) != ch) return;
            serving.remove(t);
            running--;
            if (t.state().finished()) return;
            t.state(state, why);
        }
        events.changed(t);
    }

    // ------------------------------------------------------------------ receiving

    private void received(ProtocolChannel ch, Wire.Offer offer) {
        PeerId peer = ch.session().remotePeer();
        String name = FileNames.sanitize(offer.name());
        if (sessions.apply(peer).isEmpty()) return; // a session the app has not admitted (not in our room): no offers
        String refusal = null;
        Transfer t = null;
        synchronized (this) {
            // every receive not yet finished counts, not only those still OFFERED: with --accept-from-room an offer
            // leaves OFFERED at once, so counting only those let one peer pile up downloads without end
            long pending = downloads.values().stream().filter(x -> !x.t.state().finished()).count();
            long fromPeer = downloads.values().stream().filter(x -> !x.t.state().finished() && x.t.peer().equals(peer)).count();
            // an offer is named by its sender and its id: a peer choosing another peer's id neither pre-empts nor
            // collides with that offer (nor its partial file, see Sidecar.key)
            boolean known = transfers.values().stream().anyMatch(x -> x.direction() == Transfer.Direction.RECEIVE && x.peer().equals(peer) && x.offerId().equals(offer.id()));
            if (closed) return;
            if (known) refusal = "an offer it already made";
            else if (offer.size() > limits.maxOfferBytes()) refusal = name + " (" + offer.size() + " bytes) is larger than file.maxOfferSize";
            else if (pending >= limits.maxPendingOffers()) refusal = pending + " received files are already offered or under way (file.maxPendingOffers)";
            else if (fromPeer >= perPeer(limits.maxPendingOffers())) {
                refusal = fromPeer + " files from it are already offered or under way (half of file.maxPendingOffers: one peer cannot take them all)";
            }
            else {
                t = add(Transfer.Direction.RECEIVE, peer, offer.id(), name, offer.size(), Transfer.State.OFFERED);
                downloads.put(t.number(), new Download(t, new Sidecar(peer, offer.id(), name, offer.size(), offer.chunkSize(), offer.sha256(), 0, Sidecar.peek(Sidecar.newDigest()))));
            }
        }
        if (refusal != null) {
            String line = refusalLines.line(peer, refusal, System.nanoTime());
            if (line != null) events.info(line);
            return;
        }
        events.offered(t);
        if (config.autoAccept()) {
            int number = t.number();
            // accept() creates directories and asks the file store for free space: not on the node's network thread
            try {
                timer.execute(() -> accept(number));
            } catch (java.util.concurrent.RejectedExecutionException closing) {
                // closing: the offer stays offered, as after a restart
            }
        }
    }

    /** Accepts a received offer; the download starts as soon as a slot is free. Returns a line for the user. */
    public String accept(int number) {
        Transfer t;
        Download d;
        synchronized (this) {
            t = transfers.get(number);
            d = downloads.get(number);
            if (t == null || d == null) return "no offer #" + number;
            if (t.state() != Transfer.State.OFFERED) return "#" + number + " is " + t.state().name().toLowerCase();
            // the files already accepted but not yet complete will take their space too: check against the sum
            long committed = 0;
            for (Download o : downloads.values()) {
                Transfer x = o.t;
                if (x != t && !x.state().finished() && x.state() != Transfer.State.OFFERED) committed += x.size() - x.transferred();
            }
            String space = checkSpace(committed + t.size());
            if (space != null) {
                t.state(Transfer.State.FAILED, space);
                downloads.remove(number);
            } else {
                t.state(Transfer.State.WAITING, "waiting for a free transfer slot");
            }
        }
        if (t.state() == Transfer.State.FAILED) {
            events.changed(t);
            sendOne(t.peer(), Wire.encode(new Wire.Reject(t.offerId())));
            return "cannot accept #" + number + ": " + t.detail();
        }
        timer.execute(this::tick);
        return "accepted #" + number + " " + t.name() + " from " + t.peer().shortString();
    }

    /** Null when {@code bytes} fit in the downloads directory with {@link FileLimits#reserveDiskBytes()} to spare. */
    private String checkSpace(long bytes) {
        try {
            Files.createDirectories(partialDir);
            long free = Files.getFileStore(partialDir).getUsableSpace();
            if (free - bytes < limits.reserveDiskBytes()) {
                return "not enough disk space in " + config.downloads() + ": " + bytes + " bytes needed, " + free + " free (keeping " + limits.reserveDiskBytes() + ")";
            }
            return null;
        } catch (IOException e) {
            return "cannot check the disk space of " + config.downloads() + ": " + e.getMessage();
        }
    }

    public String reject(int number) {
        Transfer t;
        synchronized (this) {
            t = transfers.get(number);
            if (t == null || t.direction() != Transfer.Direction.RECEIVE || t.state() != Transfer.State.OFFERED) return "no open offer #" + number;
            t.state(Transfer.State.REJECTED, "rejected");
            downloads.remove(number);
        }
        sendOne(t.peer(), Wire.encode(new Wire.Reject(t.offerId())));
        return "rejected #" + number + " " + t.name();
    }

    /** Cancels a transfer on both sides. */
    public String cancel(int number) {
        Transfer t;
        synchronized (this) {
            t = transfers.get(number);
        }
        if (t == null) return "no transfer #" + number;
        if (t.state().finished()) return "#" + number + " is already " + t.state().name().toLowerCase();
        if (t.direction() == Transfer.Direction.RECEIVE) {
            Download d;
            synchronized (this) {
                d = downloads.get(number);
            }
            if (d != null) d.stop(Transfer.State.CANCELLED, "cancelled", true);
        } else {
            ProtocolChannel ch;
            synchronized (this) {
                ch = serving.remove(t);
                if (ch != null) running--;
                t.state(Transfer.State.CANCELLED, "cancelled");
            }
            if (ch != null) ch.reset();
            events.changed(t);
            sendOne(t.peer(), Wire.encode(new Wire.Cancel(t.offerId(), "cancelled by the sender")));
        }
        return "cancelled #" + number + " " + t.name();
    }

    /** A peer cancels: one of our offers to it, or a download from it. */
    private void cancelled(PeerId peer, Wire.Cancel c) {
        Download d = null;
        Transfer sent = null;
        ProtocolChannel ch = null;
        synchronized (this) {
            Outgoing o = outgoing.get(c.id());
            if (o != null && o.to().containsKey(peer)) {
                sent = o.to().get(peer);
                ch = serving.remove(sent);
                if (ch != null) running--;
                if (sent.state().finished() && sent.state() != Transfer.State.DONE) return;
                // a receiver whose check failed cancels after we sent everything: that is the news
                sent.state(Transfer.State.FAILED == sent.state() ? sent.state() : Transfer.State.CANCELLED, "by " + peer.shortString() + ": " + c.reason());
            } else {
                for (Download x : downloads.values()) if (x.t.peer().equals(peer) && x.t.offerId().equals(c.id())) d = x;
            }
        }
        if (ch != null) ch.reset();
        if (sent != null) events.changed(sent);
        if (d != null) d.stop(Transfer.State.CANCELLED, "cancelled by " + peer.shortString() + ": " + c.reason(), false);
    }

    private void rejected(PeerId peer, String id) {
        Transfer t;
        synchronized (this) {
            Outgoing o = outgoing.get(id);
            t = o == null ? null : o.to().get(peer);
            if (t == null || t.state() != Transfer.State.OFFERED) return;
            t.state(Transfer.State.REJECTED, "rejected by " + peer.shortString());
        }
        events.changed(t);
    }

    /** One peer's share of a bound: half, at least one, so that no peer can take all of it. */
    static int perPeer(int bound) {
        return Math.max(1, bound / 2);
    }

    /** Downloads from {@code peer} running now. Guarded by this. */
    private long runningFrom(PeerId peer) {
        return downloads.values().stream().filter(x -> x.t.state() == Transfer.State.RUNNING && x.t.peer().equals(peer)).count();
    }

    /** Requests of {@code peer} we are serving now. Guarded by this. */
    private long servingTo(PeerId peer) {
        return serving.keySet().stream().filter(x -> x.peer().equals(peer)).count();
    }

    /** Starts what can start: accepted and interrupted downloads whose peer is connected, while slots are free. */
    private void tick() {
        List<Download> ready = new ArrayList<>();
        long now = System.nanoTime();
        List<Transfer> expired;
        synchronized (this) {
            if (closed) return;
            expired = pruneOutgoing(now);
            pruneFinished();
            for (Download d : downloads.values()) {
                Transfer.State s = d.t.state();
                if ((s == Transfer.State.WAITING || s == Transfer.State.INTERRUPTED) && now >= d.retryAt) ready.add(d);
            }
        }
        expired.forEach(events::changed);
        sweepStored();
        for (Download d : ready) {
            Optional<ChatSession> session;
            try {
                session = sessions.apply(d.t.peer());
            } catch (RuntimeException e) {
                continue;
            }
            if (session.isEmpty()) continue;
            synchronized (this) {
                if (running >= limits.maxTransfers()) return;
                Transfer.State s = d.t.state();
                if (s != Transfer.State.WAITING && s != Transfer.State.INTERRUPTED) continue;
                if (runningFrom(d.t.peer()) >= perPeer(limits.maxTransfers())) continue; // the others' turn
                running++;
                d.t.state(Transfer.State.RUNNING, "starting");
            }
            io.execute(() -> d.begin(session.get()));
        }
    }

    /** Downloads left by the last run: the user accepted them then, so they resume by themselves. */
    private void loadPartials() throws IOException {
        try (Stream<Path> list = Files.list(partialDir)) {
            for (Path f : list.filter(p -> p.getFileName().toString().endsWith(Sidecar.STATE)).sorted().toList()) {
                try {
                    if (Files.getLastModifiedTime(f).toInstant().isBefore(java.time.Instant.now().minus(RESUME_WINDOW))) {
                        Sidecar old = Sidecar.load(f);
                        Files.deleteIfExists(Sidecar.partial(partialDir, old.key()));
                        Files.deleteIfExists(partialDir.resolve(old.id() + Sidecar.PART)); // named as before per-peer keys
                        Files.delete(f);
                        events.info("gave up the download of " + old.name() + " from " + old.peer().shortString() + ": not resumed for " + RESUME_WINDOW.toDays() + " days");
                        continue;
                    }
                    Sidecar s = Sidecar.load(f);
                    s.migrate(partialDir, f);
                    synchronized (this) {
                        Transfer t = add(Transfer.Direction.RECEIVE, s.peer(), s.id(), s.name(), s.size(), Transfer.State.INTERRUPTED);
                        t.progress(s.offset());
                        t.state(Transfer.State.INTERRUPTED, "resumes from " + s.offset() + " bytes when " + s.peer().shortString() + " is connected");
                        Download d = new Download(t, s);
                        downloads.put(t.number(), d);
                    }
                } catch (IOException e) {
                    events.info(e.getMessage() + "; ignored");
                }
            }
        }
    }

    /** Once closing, downloads are left as they are: their last checkpoint resumes them in the next run. */
    private synchronized boolean closing() {
        return closed;
    }

    private Transfer add(Transfer.Direction dir, PeerId peer, String id, String name, long size, Transfer.State state) {
        pruneFinished();
        Transfer t = new Transfer(nextNumber++, dir, peer, id, name, size, state);
        transfers.put(t.number(), t);
        return t;
    }

    /**
     * Keeps at most {@link FileLimits#keepFinished()} finished transfers, dropping the oldest (lowest numbers) first:
     * a peer offering and cancelling in a loop, or a long run's history, never grows the list. Only the record goes:
     * an offer of ours stays servable through {@code outgoing} while its other transfers run. Guarded by this.
     */
    private void pruneFinished() {
        int finished = 0;
        for (Transfer t : transfers.values()) if (t.state().finished()) finished++;
        int drop = finished - limits.keepFinished();
        if (drop <= 0) return;
        for (java.util.Iterator<Transfer> it = transfers.values().iterator(); it.hasNext() && drop > 0; ) {
            if (it.next().state().finished()) {
                it.remove();
                drop--;
            }
        }
    }

    private void end(Transfer t, Transfer.State state, String why) {
        synchronized (this) {
            if (t.state().finished()) return;
            t.state(state, why);
        }
        events.changed(t);
    }

    /** One accepted download: its bookkeeping, its partial file and the channel it is fetched on. */
    /**
     * A received chunk waiting for the disk; {@code written} completes once it is written (or skipped: stopped).
     * {@code checkpoint}: the SHA-256 state after this chunk when a checkpoint is due once it is on disk, else null.
     */
    private record Queued(long offset, ByteBuffer data, byte[] checkpoint, CompletableFuture<Void> written) {}

    private final class Download implements ChannelListener {
        final Transfer t;
        Sidecar sidecar;
        long retryAt;
        // set by begin (I/O thread) before the channel exists; then the digest is fed by the callback thread (in order,
        // ahead of the disk) and read on the write chain once every queued chunk is written; the rest is the write chain's
        MessageDigest digest;
        FileChannel file;
        /** Bytes on disk; volatile: {@link #checkpoint} compares it with what was hashed from another thread. */
        volatile long written;
        // callback thread
        long expected;
        long checkpointAt;
        ProtocolChannel channel;
        /** The last queued disk write; volatile: {@link #stop} waits for it from the user's thread. */
        volatile CompletableFuture<Void> tail = CompletableFuture.completedFuture(null);
        /** Chunks on their way to the disk, in arrival order, and whether an I/O task is draining them (guarded by the queue). */
        private final ArrayDeque<Queued> queued = new ArrayDeque<>();
        private boolean writing;
        volatile boolean stopped;

        Download(Transfer t, Sidecar sidecar) {
            this.t = t;
            this.sidecar = sidecar;
        }

        Path part() { return Sidecar.partial(partialDir, sidecar.key()); }

        /** On an I/O thread: verify what we have, then ask the sender for the rest. */
        void begin(ChatSession session) {
            try {
                stopped = false;
                String space = checkSpace(sidecar.size() - sidecar.offset());
                if (space != null) {
                    stop(Transfer.State.FAILED, space, true);
                    return;
                }
                MessageDigest d = sidecar.verifyPrefix(part());
                if (d == null) {
                    events.info("#" + t.number() + " " + t.name() + ": the partial file does not match its checkpoint; starting over");
                    sidecar = sidecar.at(0, Sidecar.peek(Sidecar.newDigest()));
                    Files.deleteIfExists(part());
                    d = Sidecar.newDigest();
                }
                sidecar.save(partialDir);
                digest = d;
                written = checkpointAt = expected = sidecar.offset();
                file = FileChannel.open(part(), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                tail = CompletableFuture.completedFuture(null);
            } catch (IOException e) {
                stop(Transfer.State.FAILED, "cannot write in " + partialDir + ": " + e.getMessage(), true);
                return;
            }
            t.running(sidecar.offset());
            events.changed(t);
            session.openChannel(PROTOCOL).whenComplete((ch, err) -> {
                if (err != null) {
                    interrupted("cannot reach " + t.peer().shortString() + ": " + reason(err));
                    return;
                }
                synchronized (FileService.this) {
                    channel = ch;
                }
                if (stopped) {
                    ch.reset();
                    return;
                }
                ch.setListener(this);
                ch.send(Wire.encode(new Wire.Get(sidecar.id(), sidecar.offset())));
            });
        }

        /** Netty's channels hand over arrays: the same path as a view (no copy either way). */
        @Override
        public CompletionStage<?> onMessage(ProtocolChannel ch, byte[] message) {
            return onMessageView(ch, ByteBuffer.wrap(message));
        }

        /**
         * A chunk is written and hashed straight from the transport's buffer (the libp2p stream channel's frame),
         * which stays ours until the returned write completes; the rare other messages are copied and decoded.
         */
        @Override
        public CompletionStage<?> onMessageView(ProtocolChannel ch, ByteBuffer view) {
            if (stopped) return null;
            if (view.remaining() >= Wire.CHUNK_HEADER && view.get(view.position()) == Wire.CHUNK) {
                long offset = view.getLong(view.position() + 1);
                return chunk(offset, view.slice(view.position() + Wire.CHUNK_HEADER, view.remaining() - Wire.CHUNK_HEADER));
            }
            byte[] message = new byte[view.remaining()];
            view.get(message);
            Wire.Message m;
            try {
                m = Wire.decode(message, limits);
            } catch (IOException e) {
                stop(Transfer.State.FAILED, t.peer().shortString() + " sent a malformed message: " + e.getMessage(), true);
                return null;
            }
            if (m instanceof Wire.End) {
                if (expected != sidecar.size()) {
                    stop(Transfer.State.FAILED, t.peer().shortString() + " ended at " + expected + " of " + sidecar.size() + " bytes", true);
                    return null;
                }
                tail = tail.thenRunAsync(this::finish, io);
                return tail;
            }
            if (m instanceof Wire.Error e) {
                if ("busy".equals(e.reason())) interrupted(t.peer().shortString() + " is busy; trying again");
                else stop(Transfer.State.FAILED, t.peer().shortString() + " cannot send it: " + e.reason(), false);
                return null;
            }
            stop(Transfer.State.FAILED, t.peer().shortString() + " sent an unexpected message", true);
            return null;
        }

        /**
         * A chunk of {@code data.remaining()} bytes at {@code offset}: checked against the offer, hashed here, then
         * queued for the disk. Hashing on the delivering thread (≈ 35 µs per 64 KiB chunk with the JDK's SHA-256
         * instructions) overlaps it with the previous chunk's write instead of adding it to the write chain.
         */
        private CompletionStage<?> chunk(long offset, ByteBuffer data) {
            int length = data.remaining();
            String bad = offset != expected ? "a chunk at " + offset + " where " + expected + " was due"
                    : length == 0 || length > sidecar.chunkSize() ? "a chunk of " + length + " bytes (offered chunk size " + sidecar.chunkSize() + ")"
                    : offset + length > sidecar.size() ? "bytes beyond the offered size " + sidecar.size() : null;
            if (bad != null) {
                stop(Transfer.State.FAILED, t.peer().shortString() + " sent bytes that do not match its offer: " + bad, true);
                return null;
            }
            expected += length;
            digest.update(data.duplicate());
            byte[] due = null;
            if (expected - checkpointAt >= CHECKPOINT_BYTES) {
                due = Sidecar.peek(digest);
                checkpointAt = expected;
            }
            CompletableFuture<Void> written = new CompletableFuture<>();
            boolean start;
            synchronized (queued) {
                queued.add(new Queued(offset, data, due, written));
                start = !writing;
                writing = true;
            }
            tail = written;
            if (start) {
                try {
                    io.execute(this::drain);
                } catch (RejectedExecutionException e) { // the service is closing: the checkpoint on disk stands
                    synchronized (queued) {
                        queued.clear();
                        writing = false;
                    }
                    written.complete(null);
                }
            }
            return written;
        }

        /**
         * On an I/O thread: writes the queued chunks in order until none is left, so a steady transfer is drained by
         * one task instead of one task per chunk (each of which handed the next chunk to another pool thread).
         */
        private void drain() {
            while (true) {
                Queued q;
                synchronized (queued) {
                    q = queued.poll();
                    if (q == null) {
                        writing = false;
                        return;
                    }
                }
                try {
                    write(q.offset(), q.data(), q.checkpoint());
                } finally {
                    q.written().complete(null);
                }
            }
        }

        private void write(long offset, ByteBuffer data, byte[] checkpoint) {
            if (stopped) return;
            int length = data.remaining();
            pacer.take(length); // on the I/O thread: a paced download holds its channel, never the callback thread
            try {
                ByteBuffer b = data.duplicate();
                while (b.hasRemaining()) file.write(b, offset + b.position());
                written = offset + length;
                t.progress(written);
                if (checkpoint != null && !stopped) {
                    sidecar = sidecar.at(written, checkpoint);
                    sidecar.save(partialDir);
                }
            } catch (IOException e) {
                // a full disk lands here: the transfer ends, nothing is moved into place, the node goes on
                stop(Transfer.State.FAILED, "cannot write " + t.name() + ": " + e.getMessage(), true);
            }
        }

        /**
         * Saves the resume point at what is on disk, when the digest covers exactly that: a chunk already hashed but
         * still queued for the disk (a stop from the callback thread mid-transfer) leaves the last checkpoint standing.
         */
        private void checkpoint() throws IOException {
            if (written != expected) return;
            sidecar = sidecar.at(written, Sidecar.peek(digest));
            sidecar.save(partialDir);
        }

        private void finish() {
            if (stopped) return;
            byte[] got = digest.digest();
            if (!MessageDigest.isEqual(got, sidecar.sha256())) {
                stop(Transfer.State.FAILED, "SHA-256 of " + t.name() + " from " + t.peer().shortString() + " does not match its offer; discarded, not saved", true);
                return;
            }
            try {
                file.force(true);
                file.close();
                Path landed = FileNames.moveIntoPlace(part(), config.downloads(), t.name());
                Files.deleteIfExists(Sidecar.state(partialDir, sidecar.key()));
                t.savedAs(landed);
                synchronized (FileService.this) {
                    stopped = true;
                    running--;
                    downloads.remove(t.number());
                    t.state(Transfer.State.DONE, "saved as " + landed);
                }
                if (channel != null) channel.close();
                events.changed(t);
            } catch (IOException e) {
                stop(Transfer.State.FAILED, "cannot save " + t.name() + ": " + e.getMessage(), true);
            }
        }

        @Override
        public void onClosed(ProtocolChannel ch, Throwable cause) {
            if (!stopped && t.state() == Transfer.State.RUNNING && !closing()) {
                // after the writes already queued, so that the checkpoint covers them; and as the new tail, so that a
                // cancel arriving next (the sender's CANCEL follows its reset) deletes the files after this checkpoint
                tail = tail.handleAsync((v, e) -> {
                    interrupted("connection lost" + (cause == null ? "" : ": " + reason(cause)));
                    return null;
                }, io);
            }
        }

        /** The channel is gone but the transfer is not over: keep what we have, try again later. */
        private void interrupted(String why) {
            synchronized (FileService.this) {
                if (stopped || t.state() != Transfer.State.RUNNING) return;
                stopped = true;
                running--;
                retryAt = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(RETRY_MS);
                t.state(Transfer.State.INTERRUPTED, why + "; resumes from " + written + " bytes");
            }
            try {
                if (file != null) {
                    checkpoint();
                    file.close();
                }
            } catch (IOException e) {
                // the last checkpoint stands
            }
            if (channel != null) channel.reset();
            events.changed(t);
        }

        /** Ends the download for good; its partial file and bookkeeping go, the peer is told when {@code tellPeer}. */
        void stop(Transfer.State state, String why, boolean tellPeer) {
            ProtocolChannel ch;
            synchronized (FileService.this) {
                if (t.state().finished()) return;
                if (t.state() == Transfer.State.RUNNING && !stopped) running--;
                stopped = true;
                downloads.remove(t.number());
                t.state(state, why);
                ch = channel;
            }
            if (ch != null) ch.reset();
            // after any write in progress: the partial file is closed and deleted once nothing writes it
            tail.whenCompleteAsync((v, e) -> {
                try {
                    if (file != null) file.close();
                    Files.deleteIfExists(part());
                    Files.deleteIfExists(Sidecar.state(partialDir, sidecar.key()));
                } catch (IOException ignored) {
                    // a leftover partial file is harmless: its state file is gone, so it is never resumed
                }
            }, io);
            events.changed(t);
            if (tellPeer) sendOne(t.peer(), Wire.encode(new Wire.Cancel(t.offerId(), why)));
        }
    }

    /** Channels a peer opens: the first message says what it is for. */
    private final class Inbound implements ChannelListener {
        private boolean first = true;

        @Override
        public CompletionStage<?> onMessage(ProtocolChannel ch, byte[] message) {
            if (!first) {
                ch.reset(); // every inbound conversation is one message from the peer
                return null;
            }
            first = false;
            PeerId peer = ch.session().remotePeer();
            Wire.Message m;
            try {
                m = Wire.decode(message, limits);
            } catch (IOException e) {
                ch.reset();
                events.info("malformed file-sharing message from " + peer.shortString() + ": " + e.getMessage());
                return null;
            }
            if (m instanceof Wire.Offer o) received(ch, o);
            else if (m instanceof Wire.Get g) serve(ch, g);
            else if (m instanceof Wire.Reject r) rejected(peer, r.id());
            else if (m instanceof Wire.Cancel c) cancelled(peer, c);
            else ch.reset();
            return null;
        }

        @Override
        public void onClosed(ProtocolChannel ch, Throwable cause) {
            // a served request that the receiver cut is noticed by the next send failing; one whose every byte is
            // sent ends here: closed by the receiver once it verified the file, or cut before it could
            delivered(ch, cause, false);
        }
    }

    static String reason(Throwable e) {
        while ((e instanceof java.util.concurrent.CompletionException || e instanceof java.util.concurrent.ExecutionException) && e.getCause() != null) e = e.getCause();
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    @Override
    public void close() {
        List<ProtocolChannel> open = new ArrayList<>();
        synchronized (this) {
            if (closed) return;
            closed = true;
            open.addAll(serving.values());
            for (Download d : downloads.values()) if (d.channel != null) open.add(d.channel);
        }
        timer.shutdownNow();
        for (ProtocolChannel ch : open) ch.reset();
        // downloads keep their last checkpoint on disk and resume in the next run
        io.shutdown();
        try {
            io.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Bytes per second for all transfers together (file.rate); 0: unpaced. */
    static final class Pacer {
        private final long rate;
        private long nextFreeNanos;

        Pacer(long rate) { this.rate = rate; }

        void take(long bytes) {
            if (rate <= 0) return;
            long wait;
            synchronized (this) {
                long now = System.nanoTime();
                long start = Math.max(now, nextFreeNanos);
                nextFreeNanos = start + bytes * 1_000_000_000L / rate;
                wait = start - now;
            }
            if (wait > 0) {
                try {
                    TimeUnit.NANOSECONDS.sleep(wait);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }
}
