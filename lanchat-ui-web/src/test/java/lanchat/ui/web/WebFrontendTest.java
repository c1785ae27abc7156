package lanchat.ui.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.HttpCookie;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;

import lanchat.api.ChatMessage;
import lanchat.api.Identity;
import lanchat.api.PeerId;
import lanchat.api.ui.FrontendContext;
import lanchat.api.testkit.RecordingControl;

/**
 * The web front end's server over a real loopback socket, driven by java.net.http: the token and Origin checks, the
 * refusals (no token, wrong token, wrong Origin, too many pages, oversized frame, too many commands), and commands
 * reaching the node. Every event a page receives must be valid against the JSON protocol's schema (lanchat-ui-json's
 * {@code lanchat-ui-json-v1.schema.json}, checked with networknt's validator). The node is a
 * {@link RecordingControl}; the browser IT drives the real one.
 */
class WebFrontendTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Schema SCHEMA = schema();
    final HttpClient http = HttpClient.newHttpClient();
    final ByteArrayOutputStream printed = new ByteArrayOutputStream();
    final RecordingControl control = new RecordingControl();
    WebFrontend web;

    @BeforeEach
    void open() {
        PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8);
        web = WebFrontend.start(new FrontendContext(InputStream.nullInputStream(), out, out, false, null, () -> { }, false));
        web.start(control);
    }

    @AfterEach
    void close() {
        web.close();
    }

    @Test
    void tokenAndOriginChecks() {
        assertTrue(WebHandler.tokenMatches("abc", "abc"));
        assertFalse(WebHandler.tokenMatches("abc", "abd"));
        assertFalse(WebHandler.tokenMatches("abc", "ab"));
        assertFalse(WebHandler.tokenMatches("abc", null));
        assertTrue(WebHandler.originAllowed("http://127.0.0.1:5000", "http://127.0.0.1:5000"));
        assertFalse(WebHandler.originAllowed("http://127.0.0.1:5000", "http://localhost:5000"));
        assertFalse(WebHandler.originAllowed("http://127.0.0.1:5000", "http://evil.example"));
        assertFalse(WebHandler.originAllowed("http://127.0.0.1:5000", null));
    }

    @Test
    void printsTheLinkAndListensOnLoopbackOnly() throws Exception {
        assertTrue(printed.toString(StandardCharsets.UTF_8).contains("Web page: " + web.url()), printed.toString(StandardCharsets.UTF_8));
        assertTrue(web.url().startsWith("http://127.0.0.1:"));
        assertEquals(43, web.token().length(), "256 random bits, base64url");
    }

    @Test
    void theLinkIsExchangedOnceForASessionCookie() throws Exception {
        assertEquals(403, get("/", null).statusCode());
        assertEquals(403, get("/?token=wrong", null).statusCode());
        assertEquals(403, get("/ws", null).statusCode());
        assertEquals(403, get("/?token=" + web.token() + "x", null).statusCode());
        assertEquals(403, get("/other?token=" + web.token(), null).statusCode(), "only the page's address takes the link");

        HttpResponse<String> first = get("/?token=" + web.token(), null);
        assertEquals(303, first.statusCode());
        assertEquals("/", first.headers().firstValue("Location").orElseThrow(), "the same page, without the token");
        String setCookie = first.headers().firstValue("Set-Cookie").orElseThrow();
        HttpCookie cookie = HttpCookie.parse(setCookie).get(0);
        assertEquals("lanchat_session_" + web.port(), cookie.getName());
        assertEquals(web.session(), cookie.getValue());
        assertFalse(setCookie.contains(web.token()), "the cookie is not the token");
        assertTrue(cookie.isHttpOnly(), setCookie);
        assertEquals("/", cookie.getPath());
        assertTrue(setCookie.contains("SameSite=Strict"), setCookie);

        HttpResponse<String> again = get("/?token=" + web.token(), null);
        assertEquals(403, again.statusCode(), "the link works once");
        assertTrue(again.body().contains("already used"), again.body());

        String session = cookie.getName() + "=" + cookie.getValue();
        HttpResponse<String> ok = get("/", session);
        assertEquals(200, ok.statusCode());
        assertTrue(ok.body().contains("<title>LAN Chat</title>"));
        assertTrue(ok.headers().firstValue("Content-Security-Policy").orElseThrow().contains("default-src 'none'"));
        assertEquals(303, get("/?token=" + web.token(), session).statusCode(), "the link again in the same browser: its address without the token");
        assertEquals(404, get("/other", session).statusCode());
        assertEquals(403, get("/", cookie.getName() + "=" + web.token()).statusCode(), "the token is no session");
        assertEquals(403, get("/", "lanchat_session_" + (web.port() + 1) + "=" + cookie.getValue()).statusCode(), "another port's cookie name");
        assertEquals(403, get("/", cookie.getName() + "=x" + cookie.getValue()).statusCode());
    }

    @Test
    void webSocketNeedsTheSessionCookieAndTheOrigin() throws Exception {
        assertRefused(web.origin(), "/ws?token=" + web.token(), null, 403); // not the page: does not use the link up
        String session = session();
        assertRefused(web.origin(), "/ws?token=" + web.token(), null, 403); // no cookie: the token is used up and never opened the WebSocket
        assertRefused(web.origin(), "/ws", null, 403);
        assertRefused(web.origin(), "/ws", "lanchat_session_" + web.port() + "=wrong", 403);
        assertRefused("http://evil.example", "/ws", session, 403);
        assertRefused("http://localhost:" + web.port(), "/ws", session, 403);
        Page page = page();
        page.ws.sendText("{\"peers\":true}", true).join();
        assertEquals("peers", page.next().get("event").asText());
    }

    @Test
    void commandsReachTheNodeAndEventsReachThePage() throws Exception {
        web.joined("lobby");
        Page page = page();
        JsonNode joined = page.next();
        assertEquals("joined", joined.get("event").asText(), "replayed to a page that connects later");
        assertEquals("lobby", joined.get("room").asText());

        page.ws.sendText("{\"send\":\"hello from the page\"}", true).join();
        JsonNode sent = page.next();
        assertEquals("sent", sent.get("event").asText());
        assertEquals("hello from the page", sent.get("text").asText());
        assertEquals(List.of("send hello from the page"), control.calls());

        PeerId bob = Identity.generate().peerId();
        web.message(bob, "bob", ChatMessage.of("bob", "hi page"), System.currentTimeMillis());
        JsonNode m = page.next();
        assertEquals("message", m.get("event").asText());
        assertEquals("hi page", m.get("text").asText());
        assertEquals(bob.toString(), m.get("from").asText());
    }

    @Test
    void badInputGivesErrorEventsAndThePageStaysConnected() throws Exception {
        Page page = page();
        page.ws.sendText("not json", true).join();
        assertEquals("malformed", page.next().get("code").asText());
        page.ws.sendText("{\"send\":5}", true).join();
        assertEquals("bad_argument", page.next().get("code").asText());
        page.ws.sendText("{\"rm\":true}", true).join();
        JsonNode unknown = page.next();
        assertEquals("unknown_command", unknown.get("code").asText());
        assertEquals("unknown command 'rm'; known here: send, peers, nick", unknown.get("detail").asText());
        page.ws.sendText("{\"doctor\":true}", true).join();
        assertEquals("unknown_command", page.next().get("code").asText(), "the doctor is the console's, not the page's");
        page.ws.sendText("{\"nick\":\"bad nick\"}", true).join();
        assertEquals("bad_argument", page.next().get("code").asText());
        page.ws.sendText("{\"nick\":\"carol\"}", true).join();
        assertEquals("nick", page.next().get("event").asText());
        assertEquals(List.of("nick carol"), control.calls());
    }

    @Test
    void commandsBeyondTheRateGetAnError() throws Exception {
        Page page = page();
        int n = WebFrontend.COMMANDS_PER_SECOND * 10; // far more than a burst: some are dropped however slow the machine
        for (int i = 0; i < n; i++) page.ws.sendText("{\"peers\":true}", true).join();
        int limited = 0;
        for (int i = 0; i < n; i++) {
            JsonNode e = page.next();
            if (e.has("code") && e.get("code").asText().equals("rate_limited")) limited++;
        }
        assertTrue(limited > 0, "no command was limited");
        assertTrue(limited < n, "every command was limited");
    }

    @Test
    void theRateIsABucketThatRefillsWithTime() {
        long t = 1_000_000_000L;
        CommandRate rate = new CommandRate(20, t);
        for (int i = 0; i < 20; i++) assertTrue(rate.tryTake(t), "the burst " + i);
        assertFalse(rate.tryTake(t), "over the burst");
        assertFalse(rate.tryTake(t + 10_000_000L), "10 ms refill less than one");
        assertTrue(rate.tryTake(t + 60_000_000L), "60 ms refill one");
        assertFalse(rate.tryTake(t + 60_000_000L));
        CommandRate later = new CommandRate(20, t);
        for (int i = 0; i < 20; i++) later.tryTake(t);
        t += 10_000_000_000L; // a long pause refills at most one burst
        int taken = 0;
        while (later.tryTake(t)) taken++;
        assertEquals(20, taken);
    }

    @Test
    void anOversizedFrameClosesThatPageOnly() throws Exception {
        Page big = page();
        big.ws.sendText("{\"send\":\"" + "x".repeat(WebFrontend.MAX_FRAME + 1) + "\"}", true);
        assertTrue(big.closed.poll(10, TimeUnit.SECONDS) != null, "the page with the oversized frame is closed");
        assertTrue(control.calls().isEmpty());
        Page other = page();
        other.ws.sendText("{\"send\":\"still here\"}", true).join();
        assertEquals("sent", other.next().get("event").asText());
    }

    @Test
    void atMostMaxClientsPages() throws Exception {
        List<Page> pages = new ArrayList<>();
        for (int i = 0; i < WebFrontend.MAX_CLIENTS; i++) pages.add(page());
        // the server adds a page to its group once the handshake is written: wait until every page answered a command
        for (Page p : pages) {
            p.ws.sendText("{\"peers\":true}", true).join();
            assertEquals("peers", p.next().get("event").asText());
        }
        assertRefused(web.origin(), "/ws", session(), 503);
    }

    @Test
    void linesBeyondTheirRateAreNotSentAndEachGetsOneError() throws Exception {
        Page page = page();
        // 20 lines (the command bucket's burst: none of them is refused as a command) sent at once: the line bucket
        // lets its burst through whatever the machine's speed, and 20 lines reach it well within 2 s
        int n = WebFrontend.COMMANDS_PER_SECOND;
        for (int i = 0; i < n; i++) page.ws.sendText("{\"send\":\"line " + i + "\"}", true).join();
        List<String> sent = new ArrayList<>();
        int refused = 0;
        for (int i = 0; i < n; i++) {
            JsonNode e = page.next();
            if (e.get("event").asText().equals("sent")) sent.add(e.get("text").asText());
            else {
                assertEquals("rate_limited", e.get("code").asText(), e.toString());
                assertTrue(e.get("detail").asText().startsWith("slow down: at most " + WebFrontend.LINES_PER_SECOND + " lines a second"), e.toString());
                assertTrue(e.get("detail").asText().endsWith("this line was not sent: line " + (sent.size() + refused)), e.toString());
                refused++;
            }
        }
        assertTrue(refused > 0, "no line was refused");
        assertTrue(sent.size() >= WebFrontend.LINE_BURST, "the burst passes: " + sent);
        for (int i = 0; i < WebFrontend.LINE_BURST; i++) assertEquals("line " + i, sent.get(i));
        assertEquals(sent.stream().map(t -> "send " + t).toList(), control.calls(), "a refused line never reaches the node");
        // a nick is no line: it passes while the lines are limited. The 20 lines took the command bucket's whole burst
        // too, so first wait long enough for one command (20 a second: 50 ms), not for a line (5 a second)
        Thread.sleep(120);
        page.ws.sendText("{\"nick\":\"carol\"}", true).join();
        assertEquals("nick", page.next().get("event").asText());
    }

    @Test
    void aBucketWithABurstOfItsOwn() {
        long t = 1_000_000_000L;
        CommandRate lines = new CommandRate(5, 10, t);
        for (int i = 0; i < 10; i++) assertTrue(lines.tryTake(t), "the burst " + i);
        assertFalse(lines.tryTake(t));
        assertFalse(lines.tryTake(t + 150_000_000L), "150 ms: less than one line at 5 a second");
        assertTrue(lines.tryTake(t + 200_000_000L), "200 ms: one line");
        assertFalse(lines.tryTake(t - 1_000_000_000L), "a time from before (a command queued behind a later one) refills nothing");
        t += 60_000_000_000L;
        int taken = 0;
        while (lines.tryTake(t)) taken++;
        assertEquals(10, taken, "a long pause refills one burst");
    }

    @Test
    void aPageThatStopsReadingIsDroppedOnceOver1MiBIsUnsent() throws Exception {
        Page reader = page();
        reader.ws.sendText("{\"peers\":true}", true).join();
        assertEquals("peers", reader.next().get("event").asText());
        try (Socket slow = new Socket()) {
            slow.setReceiveBufferSize(4096); // before connecting: a small window, so the kernel buffers little for it
            slow.connect(new java.net.InetSocketAddress("127.0.0.1", web.port()));
            String upgrade = "GET /ws HTTP/1.1\r\nHost: 127.0.0.1:" + web.port() + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nOrigin: " + web.origin() + "\r\nCookie: " + session() + "\r\n\r\n";
            slow.getOutputStream().write(upgrade.getBytes(StandardCharsets.US_ASCII));
            String head = readHead(slow.getInputStream());
            assertTrue(head.startsWith("HTTP/1.1 101"), head);
            for (int i = 0; i < 500 && web.clients().size() < 2; i++) Thread.sleep(10);
            assertEquals(2, web.clients().size(), "both pages joined");
            // from now on the slow page reads nothing: events of 32 KiB until the server drops it, at most 16 MiB of them
            String big = "x".repeat(32 * 1024);
            int events = 0;
            while (web.clients().size() == 2 && events < 512) {
                web.info(big);
                events++;
                for (int i = 0; i < 50 && web.clients().size() == 2 && events % 16 == 0; i++) Thread.sleep(2); // let the event loop write
            }
            assertEquals(1, web.clients().size(), "the page that does not read was not dropped after " + events + " events of 32 KiB");
            System.out.println("the page that does not read was dropped after " + events + " events of 32 KiB (the kernel's socket buffers hold the rest)");
            assertTrue(printed.toString(StandardCharsets.UTF_8).contains("web page closed: it is not reading (over 1024 KiB waiting for it)"),
                    printed.toString(StandardCharsets.UTF_8));
            // it was dropped for what piled up, not for the first MiB: more than 1 MiB had gone to it
            assertTrue(events * 32L * 1024 > WebFrontend.PAGE_HIGH_WATER, "dropped after " + events + " events");
        }
        // the page that reads is still there and gets what comes next
        web.info("after the drop");
        String text = "";
        for (int i = 0; i < 600 && !text.equals("after the drop"); i++) text = reader.next().get("text").asText();
        assertEquals("after the drop", text);
    }

    @Test
    void whenTheNodeStopsThePagesAreToldWhy() throws Exception {
        Page page = page();
        page.ws.sendText("{\"peers\":true}", true).join();
        assertEquals("peers", page.next().get("event").asText());
        web.close();
        assertEquals(1001, page.closed.poll(10, TimeUnit.SECONDS), "going away");
        assertEquals("LAN Chat stopped", page.closeReason, "the page shows this and stops reconnecting (index.html)");
    }

    static String readHead(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        while (!b.toString().endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) break;
            b.append((char) c);
            if (b.length() > 16 * 1024) throw new AssertionError("no end of the response's head: " + b);
        }
        return b.toString();
    }

    // ---- helpers ----

    /** The schema as the lanchat-ui-json jar publishes it (at its root). */
    static Schema schema() {
        try (InputStream in = WebFrontendTest.class.getResourceAsStream("/lanchat-ui-json-v1.schema.json")) {
            if (in == null) throw new AssertionError("lanchat-ui-json-v1.schema.json is not on the test class path");
            return SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12).getSchema(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** GET without following redirects, with {@code cookie} ({@code name=value}) when not null. */
    HttpResponse<String> get(String pathAndQuery, String cookie) throws Exception {
        var req = java.net.http.HttpRequest.newBuilder(URI.create(web.origin() + pathAndQuery));
        if (cookie != null) req.header("Cookie", cookie);
        return http.send(req.build(), HttpResponse.BodyHandlers.ofString());
    }

    private String session;

    /** The session cookie as a browser sends it back ({@code name=value}), got by using the link (once per test). */
    String session() throws Exception {
        if (session == null) {
            HttpResponse<String> r = get("/?token=" + web.token(), null);
            assertEquals(303, r.statusCode());
            HttpCookie c = HttpCookie.parse(r.headers().firstValue("Set-Cookie").orElseThrow()).get(0);
            session = c.getName() + "=" + c.getValue();
        }
        return session;
    }

    void assertRefused(String origin, String pathAndQuery, String cookie, int status) {
        try {
            var b = http.newWebSocketBuilder().header("Origin", origin);
            if (cookie != null) b.header("Cookie", cookie);
            b.buildAsync(URI.create("ws://127.0.0.1:" + web.port() + pathAndQuery), new WebSocket.Listener() { }).join().abort();
            throw new AssertionError("the WebSocket was accepted for " + origin + " " + pathAndQuery);
        } catch (CompletionException e) {
            WebSocketHandshakeException h = (WebSocketHandshakeException) e.getCause();
            assertEquals(status, h.getResponse().statusCode());
        }
    }

    final class Page implements WebSocket.Listener {
        final BlockingQueue<String> events = new LinkedBlockingQueue<>();
        final BlockingQueue<Integer> closed = new LinkedBlockingQueue<>();
        volatile String closeReason;
        final StringBuilder partial = new StringBuilder();
        WebSocket ws;

        @Override
        public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                events.add(partial.toString());
                partial.setLength(0);
            }
            w.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket w, int status, String reason) {
            closeReason = reason;
            closed.add(status);
            return null;
        }

        @Override
        public void onError(WebSocket w, Throwable error) {
            closed.add(-1);
        }

        JsonNode next() throws Exception {
            String e = events.poll(10, TimeUnit.SECONDS);
            if (e == null) throw new AssertionError("no event from the page's WebSocket");
            var errors = SCHEMA.validate(e, InputFormat.JSON);
            assertTrue(errors.isEmpty(), "not valid against the schema: " + e + "\n" + errors);
            return JSON.readTree(e);
        }
    }

    Page page() throws Exception {
        Page p = new Page();
        p.ws = http.newWebSocketBuilder().header("Origin", web.origin()).header("Cookie", session())
                .buildAsync(URI.create("ws://127.0.0.1:" + web.port() + "/ws"), p).join();
        return p;
    }
}
