package lanchat.app.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

import lanchat.api.ChatMessage;
import lanchat.api.Identity;
import lanchat.api.Multiaddr;
import lanchat.api.crypto.PreSharedKey;
import lanchat.api.resource.ResourceLimits;
import lanchat.api.policy.ReconnectPolicy;
import lanchat.api.spi.DiscoveryProvider;
import lanchat.api.spi.Plugins;
import lanchat.api.spi.TransportProvider;
import lanchat.api.ui.DoctorReport;
import lanchat.api.ui.Frontend;
import lanchat.api.ui.FrontendContext;
import lanchat.api.ui.FrontendProvider;
import lanchat.app.doctor.Doctor;
import lanchat.app.log.LogRouter;
import lanchat.app.node.ChatNode;
import lanchat.app.node.FrontendEvents;
import lanchat.app.node.NodeControl;
import lanchat.app.node.NodeEvents;
import lanchat.app.node.TransportAddress;
import lanchat.app.tui.ChatShell;
import lanchat.app.tui.Console;
import lanchat.app.tui.FileCommands;
import lanchat.app.tui.TerminalFrontend;
import lanchat.files.FileConfig;
import lanchat.files.FileLimits;
import lanchat.files.FileService;
import lanchat.room.RoomConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The command line. Exit codes: 0 after a clean shutdown, 2 for bad input (one line on stderr, no stack trace). */
@Command(name = "lanchat", mixinStandardHelpOptions = true, versionProvider = LanChatCommand.Version.class, sortOptions = false, usageHelpWidth = 110,
        description = "Offline, serverless chat for a local network: peers find each other by mDNS (--rendezvous) or by address (--peer).",
        footer = {"", "Examples:",
                "  java -p mods -m lanchat.app -port 9000",
                "  java -p mods -m lanchat.app -port 0 --peer /ip4/127.0.0.1/tcp/9000/p2p/12D3KooW...",
                "  java -p mods -m lanchat.app --rendezvous myroom"})
public final class LanChatCommand implements Callable<Integer> {
    static final int USAGE = 2;
    private static final String DEFAULT_TRANSPORT = "libp2p";

    @Option(names = {"-port", "--port"}, paramLabel = "N", description = "TCP port to listen on; 0 picks a free one (default: ${DEFAULT-VALUE})")
    int port = 0;

    @Option(names = {"--host"}, paramLabel = "ADDR", description = "address to listen on (default: ${DEFAULT-VALUE}, all IPv4 interfaces)")
    String host = "0.0.0.0";

    @Option(names = {"-peer", "--peer"}, paramLabel = "[TRANSPORT:]MULTIADDR",
            description = "dial this peer at start, and again whenever the connection drops (repeatable); with the first --transport, or the one named (netty:/ip4/…)")
    List<String> peers = new ArrayList<>();

    @Option(names = {"-rendezvous", "--rendezvous"}, paramLabel = "NAME", description = "join this room: find and connect to its members on the LAN by mDNS")
    String rendezvous;

    @Option(names = {"--transport"}, paramLabel = "NAME[,NAME]", completionCandidates = TransportNames.class,
            description = "libp2p (default; talks to go-libp2p and js-libp2p peers) or netty, or a list (libp2p,netty): one listener each,"
                    + " the first on -port, the others on free ports. Installed: ${COMPLETION-CANDIDATES}")
    String transport;

    @Option(names = {"--nick"}, paramLabel = "NAME", description = "the name others see (default: the end of your peer id)")
    String nick;

    @Option(names = {"--identity"}, paramLabel = "FILE", description = "key file to load, or to create when missing (mode 0600); without it each run gets a fresh identity")
    Path identityFile;

    @Option(names = {"--ui"}, paramLabel = "NAME", completionCandidates = FrontendNames.class,
            description = "how you use the chat: terminal (default; lines for people), json (one JSON object per line, for programs; README: JSON protocol) or web (a local page on 127.0.0.1 with a secret link). Installed: ${COMPLETION-CANDIDATES}")
    String ui = "terminal";

    @Option(names = {"--no-open"}, description = "with --ui web: print the page's link but do not open a browser")
    boolean noOpen;

    @Option(names = {"--doctor"}, description = "check why peers may not be found (interfaces, multicast, rooms heard, TCP port), print a verdict and exit: 0 healthy, 1 not")
    boolean doctor;

    @Option(names = {"--verbose"}, description = "log protocol details to stderr")
    boolean verbose;

    @Option(names = {"--limit"}, paramLabel = "NAME=VALUE", description = "change one resource limit, e.g. peer.inboundStreams=64 or system.memory=96MiB (repeatable; README: Limits)")
    Map<String, String> limits = new java.util.LinkedHashMap<>();

    @Mixin
    RoomKeyOptions roomKey = new RoomKeyOptions();

    @Option(names = {"--downloads"}, paramLabel = "DIR", description = "where accepted files land (default: ~/.lanchat/downloads)")
    Path downloads;

    @Option(names = {"--accept-from-room"}, description = "accept every file a connected peer offers, without asking (into --downloads)")
    boolean acceptFromRoom;

    // ---- the room's history (issue 14) ----

    @Option(names = {"--data"}, paramLabel = "DIR", description = "where the room's history and your open file offers are kept, with --identity (default: ~/.lanchat)")
    Path dataDir;

    @Option(names = {"--no-history"}, description = "keep no history on disk (it is kept in memory while the node runs)")
    boolean noHistory;

    @Option(names = {"--history-limit"}, paramLabel = "N", description = "lines of history kept per room (default: ${DEFAULT-VALUE})")
    int historyLimit = RoomConfig.DEFAULT_HISTORY_LIMIT;

    @Option(names = {"--history-hours"}, paramLabel = "H", description = "hours of history kept per room (default: ${DEFAULT-VALUE})")
    int historyHours = (int) RoomConfig.DEFAULT_HISTORY_AGE.toHours();

    /**
     * On disk only for a stable peer id (--identity): the history belongs to one identity (its seq must never repeat),
     * and a fresh identity per run would leave a database behind at every start.
     */
    private ChatNode.History history() {
        if (historyLimit < 1 || historyLimit > 1_000_000) throw new UsageException("invalid --history-limit " + historyLimit + ": must be 1-1000000");
        if (historyHours < 1 || historyHours > 24 * 365) throw new UsageException("invalid --history-hours " + historyHours + ": must be 1-8760");
        if (dataDir != null && noHistory) throw new UsageException("--data and --no-history contradict each other");
        if (dataDir != null && identityFile == null) throw new UsageException("--data needs --identity: history is kept for one stable peer id");
        Optional<Path> dir = noHistory || identityFile == null ? Optional.empty() : Optional.of(dataDir != null ? dataDir : RoomConfig.defaultDataDir());
        return new ChatNode.History(dir, historyLimit, Duration.ofHours(historyHours));
    }

    private InputStream in = System.in;
    private PrintStream out = System.out;
    private PrintStream err = System.err;

    /** Picocli's version line. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = LanChatCommand.class.getModule().getDescriptor() != null
                    ? LanChatCommand.class.getModule().getDescriptor().rawVersion().orElse("0.1.0") : "0.1.0";
            return new String[] {"lanchat " + v + " (Java " + Runtime.version() + ")"};
        }
    }

    /** Runs the command line and returns the exit code. */
    public static int run(String[] args, InputStream in, PrintStream rawOut, PrintStream rawErr) {
        PrintStream out = new PrintStream(rawOut, true, StandardCharsets.UTF_8);
        PrintWriter err = new PrintWriter(new java.io.OutputStreamWriter(rawErr, StandardCharsets.UTF_8), true);
        LanChatCommand cmd = new LanChatCommand();
        cmd.in = in;
        cmd.out = out;
        cmd.err = new PrintStream(rawErr, true, StandardCharsets.UTF_8);
        CommandLine cl = new CommandLine(cmd)
                .setOut(new PrintWriter(new java.io.OutputStreamWriter(rawOut, StandardCharsets.UTF_8), true))
                .setErr(err)
                .setParameterExceptionHandler((e, a) -> {
                    e.getCommandLine().getErr().println("lanchat: " + e.getMessage() + " (see --help)");
                    return USAGE;
                })
                .setExecutionExceptionHandler((e, c, parsed) -> {
                    if (e instanceof UsageException) {
                        c.getErr().println("lanchat: " + e.getMessage());
                        return USAGE;
                    }
                    throw e;
                });
        return cl.execute(args);
    }

    /** A problem with what the user asked for: reported in one line, exit code 2. */
    static final class UsageException extends RuntimeException {
        UsageException(String message) {
            super(message);
        }
    }

    @Override
    public Integer call() {
        LogRouter.active().ifPresent(r -> {
            r.verbose(verbose);
            r.sendTo(line -> err.println(ChatShell.sanitize(line)));
        });
        if (roomKey.generateIfAsked(out)) return 0;
        if (port < 0 || port > 65535) throw new UsageException("invalid port " + port + ": must be 0-65535");
        if (nick != null) {
            try {
                ChatMessage.checkNick(nick);
            } catch (IllegalArgumentException e) {
                throw new UsageException("invalid --nick: " + e.getMessage());
            }
        }
        ResourceLimits resourceLimits;
        FileLimits fileLimits = FileLimits.DEFAULTS;
        try {
            Map<String, String> nodeLimits = new java.util.LinkedHashMap<>();
            for (Map.Entry<String, String> e : limits.entrySet()) {
                if (FileLimits.owns(e.getKey())) fileLimits = fileLimits.with(e.getKey(), e.getValue());
                else nodeLimits.put(e.getKey(), e.getValue());
            }
            resourceLimits = ResourceLimits.DEFAULTS.with(nodeLimits);
        } catch (IllegalArgumentException e) {
            throw new UsageException("invalid --limit: " + e.getMessage());
        }
        Multiaddr bind = parseBind();
        if (doctor) return runDoctor(Plugins.installed(), bind); // before the identity and the room log: it starts no node
        List<TransportAddress> dial = new ArrayList<>();
        for (String p : peers) {
            try {
                dial.add(TransportAddress.parse(p));
            } catch (IllegalArgumentException e) {
                throw new UsageException("invalid --peer: " + e.getMessage());
            }
        }
        ChatNode.History history = history();
        Identity identity = loadIdentity();
        Optional<PreSharedKey> key = roomKey.load(rendezvous == null ? "" : rendezvous, in == System.in ? System.console() : null, System.getenv(), err);
        for (TransportAddress m : dial) {
            if (m.address().peerId().filter(identity.peerId()::equals).isPresent()) throw new UsageException("--peer " + m + " is this node itself");
        }
        Plugins plugins = Plugins.installed();
        FrontendProvider fp;
        try {
            fp = plugins.frontend(ui);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--ui: " + e.getMessage());
        }
        List<TransportProvider> tps = pickTransports(plugins);
        TransportProvider tp = tps.get(0);
        Optional<DiscoveryProvider> dp = Optional.empty();
        if (rendezvous != null) {
            if (rendezvous.isBlank()) throw new UsageException("--rendezvous needs a room name");
            try {
                dp = Optional.of(plugins.discovery("mdns"));
            } catch (IllegalArgumentException e) {
                throw new UsageException("--rendezvous is not available: no mDNS discovery plugin is installed");
            }
        }

        CountDownLatch quit = new CountDownLatch(1);
        Signals.onTermination(quit::countDown); // before anything starts, so an early SIGTERM still exits 0
        Frontend frontend = fp.open(new FrontendContext(in, out, err, in == System.in, Path.of(System.getProperty("user.home"), ".lanchat_history"), quit::countDown, !noOpen));
        // from now on plugin warnings go through the front end, never past it (a terminal's prompt would be garbled)
        LogRouter.active().ifPresent(r -> r.sendTo(line -> frontend.log(ChatShell.sanitize(line))));
        // the terminal offers the app's whole command set (room log, files), so it takes the node's events as they are;
        // other front ends see them through the small SPI (lanchat.api.ui)
        TerminalFrontend terminal = frontend instanceof TerminalFrontend t ? t : null;
        Console console = terminal != null ? terminal.console() : FrontendEvents.asConsole(frontend);
        ChatShell shell = terminal != null ? terminal.shell() : null;
        NodeEvents events = shell != null ? shell : new FrontendEvents(frontend);
        ChatNode node;
        try {
            node = new ChatNode(new ChatNode.Setup(identity, tp, dp, Optional.ofNullable(rendezvous), nick, Map.of(), ReconnectPolicy.defaults(), resourceLimits, key,
                    tps.subList(1, tps.size())), events, history);
        } catch (IllegalArgumentException e) { // a plugin refusing its settings, e.g. a room name mDNS cannot carry
            closeConsole(frontend);
            throw new UsageException(e.getMessage());
        }
        if (shell != null) shell.attach(node);
        FileCommands fileCommands = new FileCommands(console, events::info);
        FileService files;
        try {
            // offers survive a restart where the history does: under the data directory of a stable identity
            Optional<Path> offers = history.dataDir().map(d -> d.resolve(identity.peerId().toString()).resolve("offers"));
            files = new FileService(new FileConfig(downloadsDir(), fileLimits, acceptFromRoom, offers), node::session, fileCommands);
        } catch (IOException | RuntimeException e) {
            node.close();
            closeConsole(frontend);
            throw new UsageException("cannot use --downloads " + downloadsDir() + ": " + e.getMessage());
        }
        node.registerProtocol(files.protocolHandler());
        fileCommands.attach(node, files);
        if (shell != null) shell.attach(fileCommands);
        try {
            for (TransportAddress m : dial) {
                node.cannotDial(m).ifPresent(why -> {
                    throw new UsageException("--peer " + m + ": " + why);
                });
            }
            List<Multiaddr> addrs;
            try {
                addrs = node.startTagged(bind, dial);
            } catch (ExecutionException e) {
                throw new UsageException(e.getCause() != null && e.getCause().getMessage() != null ? e.getCause().getMessage() : "cannot listen on " + bind);
            } catch (TimeoutException e) {
                throw new UsageException("timed out listening on " + bind);
            } catch (IllegalStateException e) {
                throw new UsageException("cannot join room '" + rendezvous + "': " + e.getMessage());
            }
            frontend.listening(addrs);
            // the other transports' addresses, tagged as --peer takes them (netty:/ip4/…); the front-end SPI carries
            // plain multiaddrs, and the first transport's line stays the user contract
            node.listening().stream().filter(a -> a.transport().isPresent()).forEach(a -> console.println("Listening on " + a));
            if (rendezvous != null) frontend.joined(rendezvous);
            key.ifPresent(k -> console.println("The room is private: key fingerprint " + k.fingerprint() + " (compare it with the other members)"
                    + (rendezvous != null ? "; mDNS name " + k.serviceName(rendezvous) : "")));
            int listenPort = addrs.isEmpty() ? 0 : addrs.get(0).withoutPeerId().toTcpSocketAddress().getPort();
            frontend.start(new NodeControl(node, () -> doctorOf(plugins), bind.toTcpSocketAddress().getAddress(), listenPort, quit::countDown));
            returnStartupMemory();
            quit.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            fileCommands.close();
            files.close(); // partial downloads keep their checkpoints and resume in the next run
            node.close(Duration.ofMillis(2500));
            closeConsole(frontend);
        }
        return 0;
    }

    /** Shows what the log still holds (the last interval's summaries) on the console, then closes it. */
    private void closeConsole(Frontend console) {
        LogRouter.active().ifPresent(r -> {
            r.flush(500);
            r.sendTo(line -> err.println(ChatShell.sanitize(line)));
        });
        console.close();
    }

    /**
     * Start-up (class loading, key generation, plugin discovery) leaves garbage that G1, the default collector, would
     * keep committed for as long as the node idles; one full collection once the node is up returns it to the OS (idle
     * RSS with default flags 77 → 61 MiB, libp2p, measured 5 s after start). Called on the main thread, which has
     * nothing left to do but wait for the quit: no thread and no delay of its own (collecting at once measured the
     * same as the two seconds later it used to wait). With the ./lanchat launcher's small serial heap it changes
     * nothing measurable and costs a pause of milliseconds.
     */
    private static void returnStartupMemory() {
        System.gc();
    }

    private Path downloadsDir() {
        return downloads != null ? downloads : Path.of(System.getProperty("user.home"), ".lanchat", "downloads");
    }

    private Multiaddr parseBind() {
        try {
            // a name such as "localhost" is looked up here (hosts file or DNS) so that the listener binds an address
            java.net.InetAddress ip = java.net.InetAddress.getByName(host);
            return Multiaddr.tcp(new java.net.InetSocketAddress(ip, port));
        } catch (java.net.UnknownHostException e) {
            throw new UsageException("invalid --host '" + host + "': not an address of this machine");
        }
    }

    private Identity loadIdentity() {
        if (identityFile == null) return Identity.generate();
        if (java.nio.file.Files.isDirectory(identityFile)) throw new UsageException("identity file " + identityFile + " is a directory");
        try {
            return Identity.loadOrCreate(identityFile);
        } catch (IOException e) {
            // Identity's own messages name the file; the JDK's may not ("Is a directory", or just a parent's path)
            String m = e.getMessage();
            if (m != null && m.contains(identityFile.toString())) throw new UsageException(m);
            throw new UsageException("cannot use identity file " + identityFile + ": " + e.getClass().getSimpleName() + (m == null ? "" : " " + m));
        }
    }

    /**
     * {@code --transport}'s names: one, or a comma-separated list without repeats (the first listens on -port, dials
     * untagged --peer addresses and is the one mDNS advertises).
     */
    static List<String> transportNames(String option) {
        if (option == null) return List.of(DEFAULT_TRANSPORT);
        List<String> names = new ArrayList<>();
        for (String n : option.split(",", -1)) {
            String name = n.strip();
            if (name.isEmpty()) throw new UsageException("invalid --transport '" + option + "': an empty name in the list");
            if (names.contains(name)) throw new UsageException("invalid --transport '" + option + "': " + name + " is named twice");
            names.add(name);
        }
        return names;
    }

    private List<TransportProvider> pickTransports(Plugins plugins) {
        if (transport == null) return List.of(defaultTransport(plugins));
        try {
            return transportNames(transport).stream().map(plugins::transport).toList();
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    private static TransportProvider defaultTransport(Plugins plugins) {
        List<TransportProvider> all = plugins.transports();
        return all.stream().filter(p -> p.name().equals(DEFAULT_TRANSPORT)).findFirst()
                .or(() -> all.stream().findFirst())
                .orElseThrow(() -> new UsageException("no transport plugin is installed (is mods/ complete?)"));
    }

    /** {@code --doctor}: the report on stdout, exit 0 when discovery looks healthy, 1 otherwise. */
    private int runDoctor(Plugins plugins, Multiaddr bind) {
        out.println("Checking the network (" + Doctor.LISTEN.toSeconds() + " s)…");
        DoctorReport report = doctorOf(plugins).examine(bind.toTcpSocketAddress().getAddress(), port, Doctor.LISTEN);
        report.lines().forEach(out::println);
        return report.healthy() ? 0 : 1;
    }

    private static Doctor doctorOf(Plugins plugins) {
        return new Doctor(plugins.discoveryProbes().stream().filter(p -> p.name().equals("mdns")).findFirst());
    }
}
