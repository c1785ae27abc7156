package lanchat.ui.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;

import lanchat.api.ChatMessage;
import lanchat.api.Identity;
import lanchat.api.Multiaddr;
import lanchat.api.PeerId;
import lanchat.api.ui.Frontend;
import lanchat.api.ui.FrontendContext;
import lanchat.api.testkit.RecordingControl;
import lanchat.ui.json.protocol.Events;

/**
 * The JSON front end on its own: events it writes are valid against the published schema (checked with networknt's
 * JSON Schema validator, draft 2020-12), commands reach the node, bad input gives error events and never stops the
 * reader, end of input leaves. The node is a {@link RecordingControl}: the process test (it-tests
 * JsonUiProcessIT) runs the real one.
 */
class JsonFrontendTest {
    static final Path SCHEMA = Path.of("src/main/resources/lanchat-ui-json-v1.schema.json");
    static final ObjectMapper JSON = new ObjectMapper();
    final PeerId alice = Identity.generate().peerId();

    /** A front end fed {@code input}, its stdout, and a latch for the leave that end of input causes. */
    final class Run {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final CountDownLatch left = new CountDownLatch(1);
        final RecordingControl control = new RecordingControl();
        final Frontend fe;

        Run(String input) {
            fe = new JsonFrontendProvider().open(new FrontendContext(new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)),
                    new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), false, null,
                    left::countDown));
        }

        List<JsonNode> runToEnd() throws Exception {
            fe.start(control);
            assertTrue(left.await(10, TimeUnit.SECONDS), "end of input must leave");
            return events();
        }

        List<JsonNode> events() throws IOException {
            List<JsonNode> all = new ArrayList<>();
            for (String l : out.toString(StandardCharsets.UTF_8).split("\n")) if (!l.isEmpty()) all.add(schemaValid(l));
            return all;
        }
    }

    static JsonNode schemaValid(String line) throws IOException {
        Schema schema = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12).getSchema(Files.readString(SCHEMA));
        var errors = schema.validate(line, InputFormat.JSON);
        assertTrue(errors.isEmpty(), "not valid against the schema: " + line + "\n" + errors);
        return JSON.readTree(line);
    }

    static List<JsonNode> of(List<JsonNode> events, String name) {
        return events.stream().filter(e -> e.get("event").asText().equals(name)).toList();
    }

    @Test
    void everyNodeEventIsOneSchemaValidLine() throws Exception {
        Run r = new Run("");
        r.fe.listening(List.of(Multiaddr.parse("/ip4/127.0.0.1/tcp/4001/p2p/" + alice)));
        r.fe.joined("room");
        r.fe.connected(alice, true);
        r.fe.message(alice, "alice", ChatMessage.of("alice", "hi \"there\"\nline two \u001b[2J"), 1_700_000_000_000L);
        r.fe.message(alice, "12D3#x", new ChatMessage(Optional.empty(), "no nick"), 1_700_000_000_000L);
        r.fe.info("retrying in 2 s");
        r.fe.disconnected(alice, "closed");
        List<JsonNode> events = r.events();
        assertEquals(List.of("listening", "joined", "peer_connected", "message", "message", "info", "peer_disconnected"),
                events.stream().map(e -> e.get("event").asText()).toList());
        JsonNode m = events.get(3);
        assertEquals(alice.toString(), m.get("from").asText());
        assertEquals("alice", m.get("nick").asText());
        assertEquals("hi \"there\"\nline two \u001b[2J", m.get("text").asText(), "the text arrives exactly, control characters escaped by JSON");
        assertEquals("2023-11-14T22:13:20Z", m.get("time").asText());
        assertTrue(events.get(4).get("nick").isNull());
        assertEquals("mdns", events.get(2).get("via").asText());
    }

    @Test
    void commandsReachTheNodeAndAreAnswered() throws Exception {
        Run r = new Run("{\"send\":\"hello\"}\n{\"nick\":\"bob\"}\n{\"peers\":true}\n{\"ping\":true}\n{\"doctor\":true}\n");
        List<JsonNode> events = r.runToEnd();
        assertEquals(List.of("send hello", "nick bob"), r.control.calls());
        assertEquals(1, of(events, "sent").get(0).get("to").asInt());
        assertTrue(!of(events, "sent").get(0).has("text"), "--ui json does not echo the line sent (the web page's events do)");
        assertEquals("bob", of(events, "nick").get(0).get("nick").asText());
        assertEquals("libp2p", of(events, "peers").get(0).get("peers").get(0).get("transport").asText());
        assertEquals("member", of(events, "peers").get(0).get("peers").get(0).get("room").asText());
        assertEquals(1, of(events, "ping").get(0).get("peers").asInt());
        // the doctor answers on a thread of its own, after the input has ended
        for (int i = 0; i < 500 && of(events, "doctor").isEmpty(); i++) {
            Thread.sleep(10);
            events = r.events();
        }
        JsonNode d = of(events, "doctor").get(0);
        assertTrue(d.get("healthy").asBoolean());
        assertEquals(List.of("room"), List.of(d.get("interfaces").get(0).get("rooms_seen").get(0).asText()));
    }

    @Test
    void endOfInputLeaves() throws Exception {
        Run r = new Run("{\"send\":\"last words\"}");  // no final newline: still a line
        r.runToEnd();
        assertEquals(List.of("send last words"), r.control.calls());
    }

    @Test
    void badInputGivesErrorEventsAndTheNextLineStillWorks() throws Exception {
        String input = String.join("\n",
                "not json",
                "{\"send\":",
                "[1,2]",
                "{\"send\":\"a\",\"peers\":true}",
                "{\"shout\":\"x\"}",
                "{\"send\":42}",
                "{\"peers\":\"yes\"}",
                "{\"nick\":\"" + "n".repeat(40) + "\"}",
                "[".repeat(100),
                "\u0000\uFFFF",
                "{\"send\":\"still here\"}") + "\n";
        Run r = new Run(input);
        r.control.peers(0);
        List<JsonNode> events = r.runToEnd();
        List<String> codes = of(events, "error").stream().map(e -> e.get("code").asText()).toList();
        assertEquals(List.of("malformed", "malformed", "malformed", "malformed", "unknown_command", "bad_argument", "bad_argument", "bad_argument", "malformed",
                "malformed", "no_peers"), codes);
        assertEquals(List.of("send still here"), r.control.calls());
    }

    @Test
    void aTooLongLineIsSkippedUnreadAndReported() throws Exception {
        String huge = "{\"send\":\"" + "x".repeat(JsonFrontend.MAX_LINE + 10) + "\"}";
        Run r = new Run(huge + "\n{\"send\":\"after\"}\n");
        List<JsonNode> events = r.runToEnd();
        assertEquals("line_too_long", of(events, "error").get(0).get("code").asText());
        assertEquals(List.of("send after"), r.control.calls());
    }

    @Test
    void quitCommandLeaves() throws Exception {
        Run r = new Run("{\"quit\":true}\n");
        r.runToEnd();
        assertEquals(List.of("quit"), r.control.calls());
    }

    @Test
    void aDeliveredLineIsOneSchemaValidEventWithItsIdAndText() throws Exception {
        Run r = new Run("");
        r.fe.delivered("9f3a61c2d4e5b7a8", "hi \"all\"");
        JsonNode d = of(r.events(), "delivered").get(0);
        assertEquals("9f3a61c2d4e5b7a8", d.get("id").asText());
        assertEquals("hi \"all\"", d.get("text").asText());
        Schema schema = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12).getSchema(Files.readString(SCHEMA));
        assertTrue(!schema.validate("{\"v\":1,\"event\":\"delivered\",\"time\":\"2023-11-14T22:13:20Z\",\"text\":\"no id\"}", InputFormat.JSON).isEmpty());
    }

    @Test
    void theSchemaRefusesWhatIsNotAnEvent() throws Exception {
        Schema schema = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12).getSchema(Files.readString(SCHEMA));
        assertTrue(!schema.validate("{\"v\":1,\"event\":\"message\",\"time\":\"2023-11-14T22:13:20Z\",\"text\":\"no author\"}", InputFormat.JSON).isEmpty());
        assertTrue(!schema.validate("{\"v\":2,\"event\":\"info\",\"time\":\"2023-11-14T22:13:20Z\",\"text\":\"x\"}", InputFormat.JSON).isEmpty());
    }

    @Test
    void theDoctorEventCarriesIpv6AndTheNamesHeardLastMinute_schemaValid() throws Exception {
        lanchat.api.ui.DoctorReport report = new lanchat.api.ui.DoctorReport(List.of(
                new lanchat.api.ui.DoctorReport.Interface("eth0", List.of("10.0.0.1/24", "fe80::1/64"), true, false, true, true, List.of("room"), false, null),
                new lanchat.api.ui.DoctorReport.Interface("wlan0", List.of("10.0.1.1/24"), true, false, true, true, List.of(), null,
                        "no IPv6 address on wlan0, so not tried"),
                new lanchat.api.ui.DoctorReport.Interface("lo", List.of("127.0.0.1/8"), true, true, false, null, List.of())),
                new lanchat.api.ui.DoctorReport.TcpCheck(4001, "127.0.0.1", true, null), true, "discovery works over IPv4: …", List.of("room", "other"));
        JsonNode d = schemaValid(new Events().doctor(report));
        JsonNode eth0 = d.get("interfaces").get(0), wlan0 = d.get("interfaces").get(1), lo = d.get("interfaces").get(2);
        assertEquals(false, eth0.get("own_query_came_back_ipv6").asBoolean(true));
        assertTrue(!eth0.has("ipv6_problem"));
        assertTrue(wlan0.get("own_query_came_back_ipv6").isNull());
        assertEquals("no IPv6 address on wlan0, so not tried", wlan0.get("ipv6_problem").asText());
        assertTrue(!lo.has("own_query_came_back_ipv6") && !lo.has("ipv6_problem"), "nothing to say about IPv6 on loopback: " + lo);
        assertEquals(List.of("room", "other"), List.of(d.get("heard_last_minute").get(0).asText(), d.get("heard_last_minute").get(1).asText()));
        // without a running node (--doctor on its own) the record is not known: the field is absent, not an empty list
        JsonNode alone = schemaValid(new Events().doctor(new lanchat.api.ui.DoctorReport(List.of(), null, false, "x")));
        assertTrue(!alone.has("heard_last_minute"), alone.toString());

        Schema schema = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12).getSchema(Files.readString(SCHEMA));
        String base = "{\"v\":1,\"event\":\"doctor\",\"time\":\"2023-11-14T22:13:20Z\",\"healthy\":true,\"verdict\":\"x\",";
        String iface = "{\"name\":\"eth0\",\"up\":true,\"loopback\":false,\"multicast\":true,\"addresses\":[],\"own_query_came_back\":true,\"rooms_seen\":[]";
        assertTrue(schema.validate(base + "\"interfaces\":[" + iface + "}]}", InputFormat.JSON).isEmpty(), "the new fields are optional");
        assertTrue(!schema.validate(base + "\"interfaces\":[" + iface + ",\"ipv6_problem\":5}]}", InputFormat.JSON).isEmpty());
        assertTrue(!schema.validate(base + "\"interfaces\":[" + iface + ",\"own_query_came_back_ipv6\":\"yes\"}]}", InputFormat.JSON).isEmpty());
        assertTrue(!schema.validate(base + "\"interfaces\":[],\"heard_last_minute\":[1]}", InputFormat.JSON).isEmpty());
    }
}
