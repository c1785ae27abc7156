package lanchat.app.tui;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import lanchat.api.PeerId;
import lanchat.app.node.ChatNode;
import lanchat.app.node.PeerManager;
import lanchat.files.FileEvents;
import lanchat.files.FileService;
import lanchat.files.Transfer;

/**
 * The file-sharing commands ({@code /send}, {@code /accept}, {@code /reject}, {@code /transfers}, {@code /cancel}) and
 * what the user sees of transfers: one line per offer and per outcome, and progress without flooding the scroll-back:
 * on a terminal one status line refreshed in place every second, on plain output one line per running transfer at
 * most every {@link #PLAIN_PROGRESS_S} seconds.
 */
public final class FileCommands implements FileEvents, AutoCloseable {
    static final String HELP = String.join("\n",
            "  /send PATH         offer a file (or a folder's files) to everyone connected",
            "  /send @NICK PATH   offer it to one peer",
            "  /accept N, /reject N   take or refuse offer N",
            "  /transfers         list transfers; /cancel N stops one on both sides");
    static final long PLAIN_PROGRESS_S = 10;

    private final Console console;
    private final Consumer<String> info;
    private final ScheduledExecutorService ticker;
    /** Nicks for display, refreshed by the ticker (file events come on the node thread, which cannot ask the node). */
    private final Map<PeerId, String> shown = new ConcurrentHashMap<>();
    private volatile FileService files;
    private volatile ChatNode node;
    private long lastPlainProgress;
    /** Where progress goes on a terminal: its status area, or the shell's status line ({@link StatusBar}). */
    private volatile Consumer<String> progress;

    public FileCommands(Console console, Consumer<String> info) {
        this.console = console;
        this.info = info;
        this.progress = console::status;
        this.ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "lanchat-progress");
            t.setDaemon(true);
            return t;
        });
    }

    /** Both exist only after the shell: attached once made. */
    public void attach(ChatNode node, FileService files) {
        this.node = node;
        this.files = files;
        ticker.scheduleWithFixedDelay(this::tick, 1, 1, TimeUnit.SECONDS);
    }

    /** Progress goes to {@code progress} ("" when nothing runs) instead of the console's status area. */
    void showProgressIn(Consumer<String> progress) {
        this.progress = progress;
    }

    boolean handles(String command) {
        return switch (command) {
            case "/send", "/accept", "/reject", "/transfers", "/cancel" -> true;
            default -> false;
        };
    }

    void run(String command, String args) {
        FileService f = files;
        if (f == null) {
            info.accept("file sharing is not available");
            return;
        }
        switch (command) {
            case "/send" -> send(f, args.strip());
            case "/transfers" -> {
                List<Transfer> all = f.transfers();
                if (all.isEmpty()) info.accept("no transfers");
                for (Transfer t : all) info.accept(row(t));
            }
            default -> {
                int n;
                try {
                    n = Integer.parseInt(args.strip().replaceFirst("^#", ""));
                } catch (NumberFormatException e) {
                    info.accept("usage: " + command + " N (the number /transfers shows)");
                    return;
                }
                info.accept(switch (command) {
                    case "/accept" -> f.accept(n);
                    case "/reject" -> f.reject(n);
                    default -> f.cancel(n);
                });
            }
        }
    }

    private void send(FileService f, String args) {
        if (args.isEmpty()) {
            info.accept("usage: /send PATH or /send @NICK PATH");
            return;
        }
        PeerManager.PeerInfo[] connected = node.peers();
        List<PeerId> to = new ArrayList<>();
        String pathText = args;
        if (args.startsWith("@")) {
            String[] p = args.split("\\s+", 2);
            if (p.length < 2) {
                info.accept("usage: /send @NICK PATH");
                return;
            }
            PeerId peer = findPeer(connected, p[0].substring(1));
            if (peer == null) {
                info.accept("no connected peer " + p[0] + " (see /peers)");
                return;
            }
            to.add(peer);
            pathText = p[1].strip();
        } else {
            for (PeerManager.PeerInfo p : connected) to.add(p.peer());
        }
        if (to.isEmpty()) {
            info.accept("no peers connected; nothing offered");
            return;
        }
        String asked = pathText;
        f.offer(path(asked), to).whenComplete((made, err) -> {
            if (err != null) info.accept("cannot send " + asked + ": " + FileServiceReason.of(err));
            else if (!made.isEmpty()) info.accept("offered " + describe(made.get(0)) + " to " + to.size() + " peer" + (to.size() == 1 ? "" : "s")
                    + (made.size() > to.size() ? " (" + made.size() / to.size() + " files)" : "") + "; /transfers shows them");
        });
    }

    /** {@code ~/x} and quoted paths as a shell would take them. */
    static Path path(String text) {
        String t = text;
        if (t.length() >= 2 && (t.startsWith("\"") && t.endsWith("\"") || t.startsWith("'") && t.endsWith("'"))) t = t.substring(1, t.length() - 1);
        if (t.equals("~") || t.startsWith("~/")) t = System.getProperty("user.home") + t.substring(1);
        return Path.of(t);
    }

    /** By nick (case-insensitive), nick#shortid, short id or whole id. */
    static PeerId findPeer(PeerManager.PeerInfo[] connected, String who) {
        PeerId byNick = null;
        for (PeerManager.PeerInfo p : connected) {
            String shortId = p.peer().shortString();
            if (who.equals(p.peer().toString()) || who.equals(shortId) || (p.nick() != null && who.equalsIgnoreCase(p.nick() + "#" + shortId))) return p.peer();
            if (p.nick() != null && who.equalsIgnoreCase(p.nick())) {
                if (byNick != null) return null; // two peers use that nick: the user must say which (nick#shortid)
                byNick = p.peer();
            }
        }
        return byNick;
    }

    private String who(PeerId p) {
        return shown.getOrDefault(p, p.shortString());
    }

    private static String describe(Transfer t) {
        return t.name() + " (" + bytes(t.size()) + ")";
    }

    String row(Transfer t) {
        String dir = t.direction() == Transfer.Direction.SEND ? "→ " : "← ";
        String pct = t.size() == 0 ? "" : String.format(Locale.ROOT, " %d%%", t.transferred() * 100 / t.size());
        return "#" + t.number() + " " + dir + who(t.peer()) + " " + describe(t) + " " + t.state().name().toLowerCase(Locale.ROOT) + pct
                + (t.detail().isEmpty() ? "" : ": " + t.detail());
    }

    // ---- file service → user (its threads; never blocks) ----

    @Override
    public void offered(Transfer t) {
        info.accept(who(t.peer()) + " offers " + describe(t) + ": /accept " + t.number() + " or /reject " + t.number()
                + (files != null && files.config().autoAccept() ? " (accepting: --accept-from-room)" : ""));
    }

    @Override
    public void changed(Transfer t) {
        String head = "#" + t.number() + " " + t.name() + (t.direction() == Transfer.Direction.SEND ? " to " : " from ") + who(t.peer());
        switch (t.state()) {
            case RUNNING -> {
                if (t.transferred() > 0) info.accept(head + ": resuming at " + bytes(t.transferred()));
            }
            case DONE -> info.accept(head + ": " + (t.direction() == Transfer.Direction.SEND ? "sent" : t.detail() + ", SHA-256 verified")
                    + String.format(Locale.ROOT, " (%s, %s/s)", bytes(t.size()), bytes((long) t.rate())));
            case INTERRUPTED, FAILED, CANCELLED, REJECTED -> info.accept(head + ": " + t.state().name().toLowerCase(Locale.ROOT) + " (" + t.detail() + ")");
            default -> { }
        }
    }

    @Override
    public void info(String line) {
        info.accept(line);
    }

    /** Progress of the running transfers and the nicks for display; on the ticker thread. */
    private void tick() {
        try {
            ChatNode n = node;
            for (PeerManager.PeerInfo p : n.peers()) shown.put(p.peer(), p.nick() == null ? p.peer().shortString() : p.nick() + "#" + p.peer().shortString());
            List<String> running = new ArrayList<>();
            for (Transfer t : files.transfers()) {
                if (t.state() != Transfer.State.RUNNING) continue;
                long rate = (long) t.rate();
                long eta = rate <= 0 ? -1 : (t.size() - t.transferred()) / Math.max(1, rate);
                running.add(String.format(Locale.ROOT, "#%d %s %d%% %s/%s %s/s%s", t.number(), t.name(), t.size() == 0 ? 100 : t.transferred() * 100 / t.size(),
                        bytes(t.transferred()), bytes(t.size()), bytes(rate), eta < 0 ? "" : " ETA " + eta + " s"));
            }
            if (console.refreshesStatus()) {
                progress.accept(String.join("  |  ", running));
            } else if (!running.isEmpty()) {
                long now = System.nanoTime();
                if (now - lastPlainProgress >= TimeUnit.SECONDS.toNanos(PLAIN_PROGRESS_S)) {
                    lastPlainProgress = now;
                    running.forEach(r -> info.accept("progress " + r));
                }
            }
        } catch (RuntimeException e) {
            // the node is closing: nothing to show
        }
    }

    static String bytes(long n) {
        if (n < 1024) return n + " B";
        if (n < 1L << 20) return String.format(Locale.ROOT, "%.1f KiB", n / 1024.0);
        if (n < 1L << 30) return String.format(Locale.ROOT, "%.1f MiB", n / 1048576.0);
        return String.format(Locale.ROOT, "%.2f GiB", n / 1073741824.0);
    }

    @Override
    public void close() {
        ticker.shutdownNow();
        if (console.refreshesStatus()) console.status("");
    }

    /** The message of a failed offer, without the future's wrapping. */
    private static final class FileServiceReason {
        static String of(Throwable e) {
            while (e.getCause() != null && (e instanceof java.util.concurrent.CompletionException || e instanceof java.io.UncheckedIOException)) e = e.getCause();
            return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        }
    }
}
