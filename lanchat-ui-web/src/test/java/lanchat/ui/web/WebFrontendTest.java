package lanchat.ui.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
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
    void pageNeedsTheToken() throws Exception {
        assertEquals(403, get("/").statusCode());
        assertEquals(403, get("/?token=wrong").statusCode());
        assertEquals(403, get("/ws").statusCode());
        assertEquals(403, get("/?token=" + web.token() + "x").statusCode());
        HttpResponse<String> ok = get("/?token=" + web.token());
        assertEquals(200, ok.statusCode());
        assertTrue(ok.body().contains("<title>LAN Chat</title>"));
        assertTrue(ok.headers().firstValue("Content-Security-Policy").orElseThrow().contains("default-src 'none'"));
        assertEquals(404, get("/other?token=" + web.token()).statusCode());
    }

    @Test
    void webSocketNeedsTheOriginAndTheToken() {
        assertRefused(web.origin(), "/ws?token=wrong", 403);
        assertRefused(web.origin(), "/ws", 403);
        assertRefused("http://evil.example", "/ws?token=" + web.token(), 403);
        assertRefused("http://localhost:" + web.port(), "/ws?token=" + web.token(), 403);
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
        assertRefused(web.origin(), "/ws?token=" + web.token(), 503);
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

    HttpResponse<String> get(String pathAndQuery) throws Exception {
        return http.send(java.net.http.HttpRequest.newBuilder(URI.create(web.origin() + pathAndQuery)).build(), HttpResponse.BodyHandlers.ofString());
    }

    void assertRefused(String origin, String pathAndQuery, int status) {
        try {
            http.newWebSocketBuilder().header("Origin", origin).buildAsync(URI.create("ws://127.0.0.1:" + web.port() + pathAndQuery), new WebSocket.Listener() { })
                    .join().abort();
            throw new AssertionError("the WebSocket was accepted for " + origin + " " + pathAndQuery);
        } catch (CompletionException e) {
            WebSocketHandshakeException h = (WebSocketHandshakeException) e.getCause();
            assertEquals(status, h.getResponse().statusCode());
        }
    }

    final class Page implements WebSocket.Listener {
        final BlockingQueue<String> events = new LinkedBlockingQueue<>();
        final BlockingQueue<Integer> closed = new LinkedBlockingQueue<>();
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

    Page page() {
        Page p = new Page();
        p.ws = http.newWebSocketBuilder().header("Origin", web.origin()).buildAsync(URI.create("ws://127.0.0.1:" + web.port() + "/ws?token=" + web.token()), p).join();
        return p;
    }
}
