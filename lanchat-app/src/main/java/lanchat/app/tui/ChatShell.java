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
            "  /peers        connected peers: nick#shortid, id, address, transport",
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

    public ChatShell(Console console, Runnable quit) {
        this.console = console;
        this.quit = quit;
    }

    /** The node is created after the shell (it reports to it), so it is attached afterwards. */
    public void attach(ChatNode node) {
        this.node = node;
    }

    /** File sharing's commands, when the node shares files. */
    public void attach(FileCommands files) {
        this.files = files;
    }

    /** Where {@code /doctor} gets its report (it takes a few seconds: run off the input thread). */
    public void attachDoctor(java.util.function.Supplier<lanchat.api.ui.DoctorReport> doctor) {
        this.doctor = doctor;
    }

    // ---- node → user ----

    @Override
    public void connected(PeerId peer, boolean viaDiscovery) {
        console.println((viaDiscovery ? "✓ mDNS connected to " : "✓ connected to ") + peer);
    }

    @Override
    public void disconnected(PeerId peer, String reason) {
        console.println("✗ disconnected from " + peer + ("closed".equals(reason) ? "" : " (" + sanitize(reason) + ")"));
    }

    @Override
    public void message(PeerId from, String shownAs, ChatMessage message) {
        console.println(sanitize(shownAs) + ": " + sanitize(message.text()));
    }

    @Override
    public void info(String line) {
        console.println("* " + sanitize(line));
    }

    @Override
    public void roomMessage(NodeEvents.RoomLine line) {
        console.println(sanitize(line.shownAs()) + ": " + sanitize(line.text()));
    }

    /** One block, in room order, under one header: the same lines in the same order on every node. */
    @Override
    public void caughtUp(List<NodeEvents.RoomLine> block) {
        console.println("— " + block.size() + (block.size() == 1 ? " message" : " messages") + " while you were away —");
        block.forEach(this::roomMessage);
    }

    @Override
    public void pending(int count) {
        console.prompt(count > 0 ? "[" + count + " pending] > " : "> ");
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
                    info((p.nick() == null ? "" : p.nick() + "#") + p.peer().shortString() + "  " + p.peer() + "  " + p.address() + "  " + p.transport() + " " + p.direction());
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
