package lanchat.it.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;

/**
 * {@code --ui json} (issue 18) between two real processes on 127.0.0.1 ({@code java -p mods -m lanchat.app}): a JSON
 * node and a terminal node. Every line the JSON node prints is valid against the published schema
 * (lanchat-ui-json/src/main/resources/lanchat-ui-json-v1.schema.json, networknt validator); a {@code {"send":…}}
 * reaches the terminal node, its reply comes back as a {@code message} event, malformed commands give {@code error}
 * events and the node stays up, end of stdin leaves with exit code 0. The terminal node, started with a class-load
 * log, must not load Jackson (its start-up stays as it was).
 */
@Timeout(120)
class JsonUiProcessIT {
    static final Duration WAIT = Duration.ofSeconds(15);
    static final ObjectMapper JSON = new ObjectMapper();
    static Path mods;
    static Schema schema;
    private final List<AppNode> nodes = new ArrayList<>();

    @BeforeAll
    static void setUp() throws IOException {
        mods = AppNode.snapshotMods("lanchat-it-json-mods-");
        Path file = AppNode.liveMods().getParent().resolve("lanchat-ui-json/src/main/resources/lanchat-ui-json-v1.schema.json");
        schema = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12).getSchema(Files.readString(file));
    }

    @AfterAll
    static void deleteSnapshot() throws IOException {
        AppNode.deleteTree(mods);
    }

    @AfterEach
    void killAll() {
        for (AppNode n : nodes) n.kill();
    }

    static boolean isEvent(String line, String event) {
        return line.startsWith("{") && line.contains("\"event\":\"" + event + "\"");
    }

    static JsonNode parse(String line) {
        try {
            return JSON.readTree(line);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + line, e);
        }
    }

    @Test
    void jsonNodeChatsWithATerminalNodeAndLeavesOnEndOfInput() throws Exception {
        Path classLog = Files.createTempFile("lanchat-it-terminal-classes-", ".log");
        AppNode terminal = AppNode.launch("terminal", mods, AppNode.logClassLoading(classLog), "netty", "--nick", "tess");
        nodes.add(terminal);
        terminal.awaitStarted();

        AppNode bot = AppNode.launch("json", mods, "netty", "--ui", "json", "--nick", "bot", "--peer", terminal.address);
        nodes.add(bot);
        JsonNode listening = parse(bot.awaitLine(0, l -> isEvent(l, "listening"), AppNode.START, "a listening event"));
        String botId = listening.get("addresses").get(0).asText().replaceAll(".*/p2p/", "");
        bot.awaitLine(0, l -> isEvent(l, "peer_connected") && l.contains(terminal.peerId), WAIT, "peer_connected for the terminal node");
        terminal.awaitLine("✓ connected to " + botId, WAIT);

        bot.type("{\"send\":\"hello from json\"}");
        terminal.awaitLine("bot: hello from json", WAIT);
        bot.awaitLine(0, l -> isEvent(l, "sent"), WAIT, "a sent event");
        // the terminal node holds it (the room's receipt came back): delivered, with the line and its id
        JsonNode delivered = parse(bot.awaitLine(0, l -> isEvent(l, "delivered"), WAIT, "a delivered event"));
        assertEquals("hello from json", delivered.get("text").asText());
        assertTrue(delivered.get("id").asText().matches("[0-9a-f]+"), delivered.toString());

        terminal.type("reply from terminal");
        JsonNode message = parse(bot.awaitLine(0, l -> isEvent(l, "message"), WAIT, "a message event"));
        assertEquals(terminal.peerId, message.get("from").asText());
        assertEquals("tess", message.get("nick").asText());
        assertEquals("reply from terminal", message.get("text").asText());

        int mark = bot.mark();
        bot.type("this is not json");
        bot.type("{\"send\":42}");
        bot.type("{\"peers\":true}");
        JsonNode peers = parse(bot.awaitLine(mark, l -> isEvent(l, "peers"), WAIT, "a peers event after the bad commands"));
        assertEquals(terminal.peerId, peers.get("peers").get(0).get("id").asText(), "the node still works after bad input");
        List<String> codes = bot.lines().subList(mark, bot.mark()).stream().filter(l -> isEvent(l, "error")).map(l -> parse(l).get("code").asText()).toList();
        assertEquals(List.of("malformed", "bad_argument"), codes);

        bot.closeStdin(); // end of input: leave the room, exit 0
        bot.assertExitedCleanly();
        terminal.awaitLine(0, l -> l.startsWith("✗ disconnected from " + botId), WAIT, "the JSON node's goodbye");

        List<String> out = bot.lines();
        assertTrue(out.size() >= 6, out.toString());
        for (String l : out) {
            var errors = schema.validate(l, InputFormat.JSON);
            assertTrue(errors.isEmpty(), "stdout line not valid against the schema: " + l + "\n" + errors);
        }

        terminal.quit();
        terminal.assertExitedCleanly();
        List<String> jackson = Files.readAllLines(classLog).stream().filter(l -> l.contains(" com.fasterxml.")).toList();
        assertTrue(Files.readString(classLog).contains(" lanchat.app.Main "), "not a class-load log of the app");
        assertEquals(List.of(), jackson, "the terminal front end must not load Jackson");
        Files.deleteIfExists(classLog);
    }
}
