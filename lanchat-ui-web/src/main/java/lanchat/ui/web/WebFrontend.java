package lanchat.ui.web;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.Base64;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.util.concurrent.GlobalEventExecutor;

import lanchat.api.Multiaddr;
import lanchat.api.PeerId;
import lanchat.api.ui.ChatControl;
import lanchat.api.ui.DoctorReport;
import lanchat.api.ui.PeerView;
import lanchat.api.ui.SendResult;
import lanchat.api.ui.FrontendContext;
import lanchat.ui.json.protocol.Commands;
import lanchat.ui.json.protocol.EventFrontend;
import lanchat.ui.json.protocol.Events;

/** The web front end: a Netty HTTP/WebSocket server on 127.0.0.1 and the events as JSON (protocol of --ui json). */
public final class WebFrontend extends EventFrontend {
    /** An HTTP request (headers and body) is at most this big; the page only GETs. */
    public static final int MAX_REQUEST = 16 * 1024;
    /** A WebSocket frame is at most this big: a 64 KiB chat line, JSON-escaped, fits. */
    public static final int MAX_FRAME = 256 * 1024;
    /** Page connections at once (a few tabs); more are refused with 503. */
    public static final int MAX_CLIENTS = 4;
    /** Commands per second per page connection (a token bucket of this size). */
    public static final int COMMANDS_PER_SECOND = 20;
    /**
     * Chat lines per second from one page connection, and the burst allowed: a person types far slower, a script in
     * the page (or a stuck key) is held to what the room accepts from a node anyway (lanchat-room: 10 a second, bursts
     * of 60), so the page hears "slow down" from here, at once, instead of the node refusing lines later.
     */
    public static final int LINES_PER_SECOND = 5, LINE_BURST = 10;
    /** The replay is at most this many bytes too (newest first), so a page that connects is never dropped for its own replay. */
    static final int REPLAY_BYTES = 512 * 1024;
    /** Said in the close frame the pages get when the node stops: the page shows it and stops reconnecting. */
    static final String STOPPED = "LAN Chat stopped";
    /** The session cookie's name, then the port: cookies are per host, not per port, so two nodes' pages keep theirs apart. */
    static final String COOKIE_PREFIX = "lanchat_session_";
    /** Recent events replayed to a page that connects, so it shows the room and the latest messages. */
    public static final int REPLAY = 200;

    /** The page sends, renames and lists; ping, doctor and quit stay with the console. The page shows a sent line back. */
    private final Commands parser = new Commands(events, EnumSet.of(Commands.Command.SEND, Commands.Command.PEERS, Commands.Command.NICK), true,
            MAX_FRAME);
    private final PrintStream out;
    private final EventLoopGroup group;
    private final Channel server;
    private final ChannelGroup clients;
    private final ArrayDeque<String> recent = new ArrayDeque<>();
    private final String token;
    /** The session cookie's value: random, not the token, handed to the browser that used the link first. */
    private final String session;
    /** The link's token works once: it is exchanged for the session cookie and leaves the address bar and history. */
    private final AtomicBoolean linkUsed = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final int port;
    /** Bytes queued to one page before it counts as not reading: a page that stops reading is closed, not buffered for. */
    static final int PAGE_HIGH_WATER = 1 << 20;
    /** Commands waiting for the node at most: what all pages may send in one second; more are refused as rate_limited. */
    static final int COMMAND_QUEUE = MAX_CLIENTS * COMMANDS_PER_SECOND;
    private final ExecutorService commands = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
            new ArrayBlockingQueue<>(COMMAND_QUEUE), r -> {
                Thread t = new Thread(r, "lanchat-web-commands");
                t.setDaemon(true);
                return t;
            });
    /** Pages between the WebSocket upgrade request and the end of its handshake: they count against MAX_CLIENTS. */
    private final AtomicInteger upgrading = new AtomicInteger();
    private volatile ChatControl control;

    private WebFrontend(PrintStream out, PrintStream err, String token, String session) {
        super(err);
        this.out = out;
        this.token = token;
        this.session = session;
        this.group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        this.clients = new DefaultChannelGroup("lanchat-web-pages", GlobalEventExecutor.INSTANCE);
        byte[] page = resource("index.html");
        try {
            server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(new HttpServerCodec(4096, MAX_REQUEST, MAX_REQUEST), new HttpObjectAggregator(MAX_REQUEST),
                                    new WebHandler(WebFrontend.this, page));
                        }
                    })
                    .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(PAGE_HIGH_WATER / 2, PAGE_HIGH_WATER))
                    // loopback only: the page and its token must never be reachable from the LAN
                    .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).sync().channel();
        } catch (InterruptedException e) {
            group.shutdownGracefully();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting the web page's server", e);
        }
        this.port = ((InetSocketAddress) server.localAddress()).getPort();
    }

    /** Starts the server, prints the page's link and opens it in a browser when asked to and one is there. */
    static WebFrontend start(FrontendContext context) {
        SecureRandom random = new SecureRandom();
        WebFrontend web = new WebFrontend(context.out(), context.err(), secret(random), secret(random));
        String url = web.url();
        context.out().println("Web page: " + url);
        context.out().flush();
        if (context.openBrowser()) web.openBrowser(url);
        return web;
    }

    /** 256 random bits, base64url. */
    private static String secret(SecureRandom random) {
        byte[] secret = new byte[32];
        random.nextBytes(secret);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
    }

    public String url() {
        return origin() + "/?token=" + token;
    }

    String origin() {
        return "http://127.0.0.1:" + port;
    }

    String token() {
        return token;
    }

    int port() {
        return port;
    }

    String session() {
        return session;
    }

    String cookieName() {
        return COOKIE_PREFIX + port;
    }

    /** What a link's token is worth: nothing, the session (the first time), or a refusal that says it was used. */
    enum Link { WRONG, FIRST_USE, USED }

    /** Checks the token of the printed link and, when it is right, uses it up (compare-and-set: two requests at once cannot both get the cookie). */
    Link useLink(String given) {
        if (!WebHandler.tokenMatches(token, given)) return Link.WRONG;
        return linkUsed.compareAndSet(false, true) ? Link.FIRST_USE : Link.USED;
    }

    ExecutorService commands() {
        return commands;
    }

    ChannelGroup clients() {
        return clients;
    }

    /** xdg-open when present (a desktop session); without one the printed link is enough. */
    private void openBrowser(String url) {
        if (System.getenv("DISPLAY") == null && System.getenv("WAYLAND_DISPLAY") == null) return;
        try {
            new ProcessBuilder("xdg-open", url).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        } catch (IOException e) {
            log("no browser opened (" + e.getMessage() + "); open the link above");
        }
    }

    private static byte[] resource(String name) {
        try (InputStream in = WebFrontend.class.getResourceAsStream(name)) {
            if (in == null) throw new IllegalStateException("missing resource " + name + " in the lanchat-ui-web jar");
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---- node → page ----

    @Override
    public void listening(List<Multiaddr> addresses) {
        super.listening(addresses);
        // the console the node runs in keeps the user-contract lines (scripts and people read them there too)
        for (Multiaddr m : addresses) console("Listening on " + m);
    }

    @Override
    public void connected(PeerId peer, boolean viaDiscovery) {
        super.connected(peer, viaDiscovery);
        console((viaDiscovery ? "✓ mDNS connected to " : "✓ connected to ") + peer);
    }

    @Override
    public void disconnected(PeerId peer, String reason) {
        super.disconnected(peer, reason);
        console("✗ disconnected from " + peer + " (" + reason + ")");
    }

    private void console(String line) {
        synchronized (out) {
            out.println(line);
            out.flush();
        }
    }

    Events events() {
        return events;
    }

    /** To every page, and kept (bounded) for pages that connect later. */
    @Override
    protected void emit(String text) {
        synchronized (recent) {
            if (recent.size() == REPLAY) recent.removeFirst();
            recent.addLast(text);
        }
        // events are peer-controlled: a page with more than PAGE_HIGH_WATER bytes still unsent (Netty's count of what
        // is queued on that channel, past the high water mark: not writable) stopped reading; close it rather than
        // queue without bound (the page reconnects and gets the replay). One event bigger than the mark still goes
        // to a page that has read what came before: only what piles up unsent counts.
        for (Channel page : clients) dropIfNotReading(page);
        clients.writeAndFlush(new TextWebSocketFrame(text), Channel::isWritable);
    }

    /** One answer to one page, unless that page stopped reading (then it is closed instead). */
    void sendTo(Channel page, String text) {
        if (!dropIfNotReading(page)) page.writeAndFlush(new TextWebSocketFrame(text));
    }

    /** Closes a page with more than PAGE_HIGH_WATER bytes unsent; true when it did. */
    private boolean dropIfNotReading(Channel page) {
        if (page.isWritable() || !page.isActive()) return false;
        log("web page closed: it is not reading (over " + PAGE_HIGH_WATER / 1024 + " KiB waiting for it); it reconnects and gets the recent events");
        page.close();
        return true;
    }

    /** The node is stopping: the pages were sent their close frame. */
    boolean stopping() {
        return closed.get();
    }

    AtomicInteger upgrading() {
        return upgrading;
    }

    /**
     * Sends the recent events to a page that just connected and adds it to the pages events go to, under one lock so
     * no event falls between the two (one may come twice, which the page shows harmlessly).
     */
    void replayAndJoin(Channel page) {
        synchronized (recent) {
            // the newest events that fit in REPLAY_BYTES (one too big for it is left out), sent oldest first
            ArrayDeque<String> replay = new ArrayDeque<>();
            long bytes = 0;
            for (var it = recent.descendingIterator(); it.hasNext(); ) {
                String text = it.next();
                int size = ByteBufUtil.utf8Bytes(text);
                if (bytes + size > REPLAY_BYTES) continue;
                bytes += size;
                replay.addFirst(text);
            }
            for (String text : replay) page.write(new TextWebSocketFrame(text));
            page.flush();
            clients.add(page);
        }
    }

    // ---- page → node ----

    @Override
    public void start(ChatControl control) {
        this.control = control;
    }

    /**
     * One command from one page; the answer (or error) goes back to that page only. Never throws for its input.
     * {@code lines}: that page's chat-line bucket, taken at {@code arrivalNanos} (when the frame came, not when the
     * node got to it) by a line the parser found valid, just before it goes to the node.
     */
    String command(String text, CommandRate lines, long arrivalNanos) {
        // every command the page may send answers exactly once, at once (doctor, the one that answers later, is not among them)
        AtomicReference<String> answer = new AtomicReference<>();
        ChatControl node = control;
        try {
            parser.run(text, node == null ? null : new LineLimited(node, lines, arrivalNanos), answer::set);
        } catch (LineRefused refused) {
            return events.error("rate_limited", "slow down: at most " + LINES_PER_SECOND + " lines a second from the page (bursts of " + LINE_BURST
                    + "); this line was not sent: " + excerpt(refused.text));
        }
        return answer.get();
    }

    private static String excerpt(String line) {
        return line.length() <= 40 ? line : line.substring(0, 40) + "…";
    }

    /** The node as one page drives it: each chat line takes a token of that page's line bucket first. */
    private record LineLimited(ChatControl node, CommandRate lines, long arrivalNanos) implements ChatControl {
        @Override
        public SendResult send(String text) {
            // commands of one page run one at a time on the commands thread, so the bucket is never used by two threads at once
            if (!lines.tryTake(arrivalNanos)) throw new LineRefused(text);
            return node.send(text);
        }

        @Override
        public List<PeerView> peers() {
            return node.peers();
        }

        @Override
        public String nick() {
            return node.nick();
        }

        @Override
        public void setNick(String nick) {
            node.setNick(nick);
        }

        @Override
        public int ping() {
            return node.ping();
        }

        @Override
        public DoctorReport doctor() {
            return node.doctor();
        }

        @Override
        public void quit() {
            node.quit();
        }
    }

    /** A line over its page's rate: not sent; the page gets one rate_limited error for it. Not an IllegalStateException, which the parser reports as the node's. */
    private static final class LineRefused extends RuntimeException {
        final String text;

        LineRefused(String text) {
            super(null, null, false, false);
            this.text = text;
        }
    }

    String rateLimited() {
        return events.error("rate_limited", "more than " + COMMANDS_PER_SECOND + " commands a second; this one was dropped");
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) return;
        commands.shutdownNow();
        // the pages are told why their connection ends, so they say so and stop reconnecting. The page answers with its
        // own close frame and then we close (WebHandler): closing the socket right behind our frame would have the
        // browser's answer meet a closed socket, whose reset can reach the browser before our frame is read, and it
        // then reports an abnormal close without our reason. Bounded: a page that does not answer within a second,
        // or does not read, does not hold the node's exit.
        clients.writeAndFlush(new CloseWebSocketFrame(WebSocketCloseStatus.ENDPOINT_UNAVAILABLE, STOPPED)).awaitUninterruptibly(1000);
        clients.newCloseFuture().awaitUninterruptibly(1000);
        clients.close().awaitUninterruptibly();
        server.close().awaitUninterruptibly();
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).awaitUninterruptibly();
        out.flush();
    }
}
