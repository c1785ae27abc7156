package lanchat.app.tui;

import java.util.List;

import lanchat.api.ChatMessage;
import lanchat.api.PeerId;
import lanchat.app.node.ChatNode;
import lanchat.app.node.NodeEvents;
import lanchat.app.node.PeerManager;

/**
 * Turns node events into console lines and console lines into messages and commands.
 * The {@code ✓ connected to}, {@code ✓ mDNS connected to} and {@code ✗ disconnected from} lines are a contract
 * that users and tests rely on.
 */
public final class ChatShell implements NodeEvents {
    static final String HELP = String.join("\n",
            "commands:",
            "  /peers        connected peers: nick#shortid, id, address, transport, room member or plain peer",
            "  /nick NAME    change the name others see",
            "  /ping         round-trip time to each peer",
            FileCommands.HELP,
            "  /history [N]  the room's last N lines (default 20), also from before a restart with the same --identity",
            "  /search TEXT  lines of the room with these words (the last may be a prefix)",
            "  /pending      your lines not yet held by every member, and who lacks them",
            "  /doctor       why can't I see anyone? checks interfaces, multicast, rooms heard, our TCP port",
            "  /help         this text",
            "  /quit         leave (also Ctrl-C, Ctrl-D)",
            "anything else is sent to the room: signed, kept, and delivered to members that join later");

    /**
     * The commands, as {@link #HELP} names them (so they are written once): what Tab completes at the start of a line.
     * {@code ChatShellTest} checks that each is one the shell runs. Made on the first Tab, not at start-up.
     */
    static List<String> commands() {
        return Commands.ALL;
    }

    private static final class Commands {
        static final List<String> ALL = java.util.regex.Pattern.compile("(?<![\\w/])/[a-z]+").matcher(HELP).results()
                .map(java.util.regex.MatchResult::group).distinct().toList();
    }

    /** {@code /history} without a number. */
    static final int HISTORY_DEFAULT = 20;
    /** At most this many lines per {@code /history}: the console is no place for a whole database. */
    static final int HISTORY_MAX = 1000;

    private final Console console;
    private final Runnable quit;
    private volatile ChatNode node;
    private volatile FileCommands files;
    private volatile java.util.function.Supplier<lanchat.api.ui.DoctorReport> doctor;
    /** One doctor at a time: each run holds UDP 5353 and listens for seconds. */
    private final java.util.concurrent.atomic.AtomicBoolean doctorRunning = new java.util.concurrent.atomic.AtomicBoolean();
    /** On an interactive terminal only (see {@link Console#refreshesStatus()}), made when the node is attached. */
    private volatile StatusBar status;
    /** The last pending count, for a status line made after it came (the room may report before the node is attached). */
    private volatile int pending;

    public ChatShell(Console console, Runnable quit) {
        this.console = console;
        this.quit = quit;
    }

    /** The node is created after the shell (it reports to it), so it is attached afterwards. */
    public void attach(ChatNode node) {
        this.node = node;
        console.completeWith(this::completions);
        if (console.refreshesStatus()) {
            java.util.concurrent.ScheduledExecutorService drawer = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "lanchat-status");
                t.setDaemon(true);
                return t;
            });
            StatusBar bar = new StatusBar(console, node.room().orElse(null), node.transportName(), () -> node.peers().length, drawer, System::nanoTime);
            status = bar;
            console.prompt("> ");
            bar.pending(pending);
        }
    }

    /** File sharing's commands, when the node shares files: on a terminal their progress joins the status line. */
    public void attach(FileCommands files) {
        this.files = files;
        StatusBar bar = status;
        if (bar != null) files.showProgressIn(bar::transfers);
    }

    /** Stops drawing the status line. */
    public void close() {
        StatusBar bar = status;
        if (bar != null) bar.close();
    }

    // ---- Tab ----

    /**
     * What Tab offers: a command at the start of a line; after {@code /send}, {@code @} and a connected peer's name;
     * in a chat line, the names of connected peers. Runs on the input thread (it may ask the node).
     */
    List<String> completions(List<String> wordsBefore, String word) {
        if (wordsBefore.isEmpty() && word.startsWith("/")) return commands();
        if (wordsBefore.size() == 1 && wordsBefore.get(0).equals("/send") && word.startsWith("@")) {
            return peerNames().stream().map(n -> "@" + n).toList();
        }
        if (!wordsBefore.isEmpty() && wordsBefore.get(0).startsWith("/")) return List.of();
        return peerNames();
    }

    /**
     * The connected peers as {@code /send @} finds them ({@link FileCommands#findPeer}): the nick when no other
     * connected peer has it, else {@code nick#shortid}; the short id for a peer without a nick.
     */
    private List<String> peerNames() {
        ChatNode n = node;
        if (n == null) return List.of();
        PeerManager.PeerInfo[] peers;
        try {
            peers = n.peers();
        } catch (IllegalStateException closing) {
            return List.of();
        }
        java.util.Map<String, Integer> uses = new java.util.HashMap<>();
        for (PeerManager.PeerInfo p : peers) if (p.nick() != null) uses.merge(p.nick().toLowerCase(java.util.Locale.ROOT), 1, Integer::sum);
        List<String> names = new java.util.ArrayList<>();
        for (PeerManager.PeerInfo p : peers) {
            String shortId = p.peer().shortString();
            if (p.nick() == null) names.add(shortId);
            else names.add(sanitize(uses.get(p.nick().toLowerCase(java.util.Locale.ROOT)) == 1 ? p.nick() : p.nick() + "#" + shortId));
        }
        return names;
    }

    /** Where {@code /doctor} gets its report (it takes a few seconds: run off the input thread). */
    public void attachDoctor(java.util.function.Supplier<lanchat.api.ui.DoctorReport> doctor) {
        this.doctor = doctor;
    }

    // ---- node → user ----

    @Override
    public void connected(PeerId peer, boolean viaDiscovery) {
        connected(peer, viaDiscovery, null);
    }

    /**
     * {@code ✓ connected to <id>}: the contract's text first, with the whole id; on an interactive terminal the peer's
     * name follows when it is known by now ({@code ✓ mDNS connected to 12D3KooW… (alice)}: a peer says its nick with
     * its first line, so it is known when it comes back). Pipes keep the bare line that scripts match.
     */
    @Override
    public void connected(PeerId peer, boolean viaDiscovery, String shownAs) {
        console.println((viaDiscovery ? "✓ mDNS connected to " : "✓ connected to ") + peer + named(shownAs));
        StatusBar bar = status;
        if (bar != null) bar.changed();
    }

    @Override
    public void disconnected(PeerId peer, String reason) {
        disconnected(peer, reason, null);
    }

    @Override
    public void disconnected(PeerId peer, String reason, String shownAs) {
        console.println("✗ disconnected from " + peer + named(shownAs) + ("closed".equals(reason) ? "" : " (" + sanitize(reason) + ")"));
        StatusBar bar = status;
        if (bar != null) bar.changed();
    }

    private String named(String shownAs) {
        return shownAs == null || !console.decorates() ? "" : " (" + sanitize(shownAs) + ")";
    }

    @Override
    public void message(PeerId from, String shownAs, ChatMessage message) {
        console.message(new ChatLine(null, from, sanitize(shownAs), sanitize(message.text())));
    }

    @Override
    public void info(String line) {
        console.println("* " + sanitize(line));
    }

    @Override
    public void roomMessage(NodeEvents.RoomLine line) {
        console.message(new ChatLine(line.sentAt(), line.author(), sanitize(line.shownAs()), sanitize(line.text())));
    }

    /** One block, in room order, under one header: the same lines in the same order on every node. */
    @Override
    public void caughtUp(List<NodeEvents.RoomLine> block) {
        console.println("— " + block.size() + (block.size() == 1 ? " message" : " messages") + " while you were away —");
        block.forEach(this::roomMessage);
    }

    @Override
    public void pending(int count) {
        pending = count;
        StatusBar bar = status;
        if (bar != null) bar.pending(count); // the status line says it: the prompt stays short
        else console.prompt(count > 0 ? "[" + count + " pending] > " : "> ");
    }

    // ---- user → node ----

    public void onLine(String raw) {
        String line = raw.strip();
        if (line.isEmpty()) return;
        ChatNode n = node;
        if (n == null) return;
        try {
            dispatch(n, raw, line);
        } catch (IllegalStateException e) {
            info(e.getMessage()); // node closed or not responding: say so, and keep the input thread alive
        }
    }

    private void dispatch(ChatNode n, String raw, String line) {
        if (!line.startsWith("/")) {
            ChatNode.Sent sent = n.send(raw);
            if (sent.sessions() == 0) info(sent.kept() ? "no peers connected; kept for peers that join" : "no peers connected; message not sent");
            else if (!sent.kept()) info("longer than a room message (" + lanchat.room.Room.MAX_TEXT_BYTES / 1024 + " KiB): sent as a plain line, unsigned and not kept");
            return;
        }
        String[] parts = line.split("\\s+", 2);
        FileCommands fileCommands = files;
        if (fileCommands != null && fileCommands.handles(parts[0])) {
            fileCommands.run(parts[0], parts.length > 1 ? parts[1] : "");
            return;
        }
        switch (parts[0]) {
            case "/peers" -> {
                PeerManager.PeerInfo[] peers = n.peers();
                n.roomKeyFingerprint().ifPresent(f -> info("private room, key fingerprint " + f));
                if (peers.length == 0) info("no peers connected");
                for (PeerManager.PeerInfo p : peers) {
                    // always nick and id: the nick alone is anyone's to choose
                    info((p.nick() == null ? "" : p.nick() + "#") + p.peer().shortString() + "  " + p.peer() + "  " + p.address() + "  " + p.transport() + " " + p.direction() + "  " + p.room().shown());
                }
            }
            case "/nick" -> {
                if (parts.length < 2) {
                    info("your nick is " + (n.nick() == null ? "(none)" : n.nick()));
                    return;
                }
                try {
                    n.setNick(ChatMessage.checkNick(parts[1].strip()));
                    info("you are now " + parts[1].strip());
                } catch (IllegalArgumentException e) {
                    info(e.getMessage());
                }
            }
            case "/ping" -> {
                if (n.ping() == 0) info("no peers connected");
            }
            case "/history" -> {
                int count = HISTORY_DEFAULT;
                if (parts.length > 1) {
                    try {
                        count = Integer.parseInt(parts[1].strip());
                    } catch (NumberFormatException e) {
                        count = -1;
                    }
                    if (count < 1 || count > HISTORY_MAX) {
                        info("usage: /history [N], N from 1 to " + HISTORY_MAX);
                        return;
                    }
                }
                List<NodeEvents.RoomLine> lines = n.history(count);
                info(lines.isEmpty() ? "no history yet" : "the last " + lines.size() + (lines.size() == 1 ? " line:" : " lines:"));
                lines.forEach(this::roomMessage);
            }
            case "/search" -> {
                if (parts.length < 2) {
                    info("usage: /search TEXT");
                    return;
                }
                List<NodeEvents.RoomLine> lines = n.search(parts[1].strip());
                info(lines.isEmpty() ? "no line matches" : lines.size() + (lines.size() == 1 ? " line matches" : " lines match") + ", newest first:");
                lines.forEach(this::roomMessage);
            }
            case "/pending" -> {
                List<String> pending = n.pending();
                if (pending.isEmpty()) info("nothing pending: every member holds every line of yours");
                pending.forEach(this::info);
            }
            case "/doctor" -> runDoctor();
            case "/help" -> HELP.lines().forEach(this::info);
            case "/quit", "/exit" -> quit.run();
            default -> info("unknown command " + parts[0] + "; try /help");
        }
    }

    private void runDoctor() {
        var d = doctor;
        if (d == null) {
            info("the network doctor is not available here");
            return;
        }
        if (!doctorRunning.compareAndSet(false, true)) {
            info("the network doctor is already running");
            return;
        }
        info("checking the network (a few seconds)…");
        Thread t = new Thread(() -> {
            try {
                d.get().lines().forEach(this::info);
            } catch (RuntimeException e) {
                info("the network doctor failed: " + e);
            } finally {
                doctorRunning.set(false);
            }
        }, "lanchat-doctor");
        t.setDaemon(true);
        t.start();
    }

    /**
     * Replaces control characters (ANSI escapes, carriage returns, NUL…) with U+FFFD so that a peer cannot rewrite the
     * user's screen; a message's own line breaks are shown as {@code ⏎}.
     */
    public static String sanitize(String s) {
        StringBuilder b = new StringBuilder(s.length());
        s.codePoints().forEach(c -> {
            if (c == '\n') b.append(" ⏎ ");
            else if (c == '\t') b.append(' ');
            else if (Character.isISOControl(c) || c == 0x2028 || c == 0x2029 || (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069)) b.append('\uFFFD');
            else b.appendCodePoint(c);
        });
        return b.toString();
    }
}
