package lanchat.app.tui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import lanchat.api.ChatMessage;
import lanchat.api.Identity;
import lanchat.api.PeerId;
import lanchat.api.policy.ReconnectPolicy;
import lanchat.app.node.ChatNode;
import lanchat.app.node.FakeNetwork;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The console side of the app: what the user sees for node events, and what their lines and commands do. */
class ChatShellTest {
    static final PeerId PEER = Identity.generate().peerId();

    RecordingConsole console;
    AtomicInteger quits;
    ChatShell shell;
    ChatNode node;

    @BeforeEach
    void setUp() {
        console = new RecordingConsole();
        quits = new AtomicInteger();
        shell = new ChatShell(console, quits::incrementAndGet);
        // a real node on an in-memory transport: the commands go through ChatNode's thread as in the app
        node = new ChatNode(new ChatNode.Setup(Identity.generate(), new FakeNetwork().provider(), Optional.empty(), Optional.empty(), null, Map.of(),
                ReconnectPolicy.defaults()), shell);
        shell.attach(node);
    }

    @AfterEach
    void tearDown() {
        node.close(Duration.ofSeconds(1));
    }

    // ---- sanitize ----

    @Test
    void sanitizeNeutralisesAnsiEscapes() {
        String s = ChatShell.sanitize("\u001B[2J\u001B[31mred\u001B]0;title\u0007 \u009B1m");
        assertTrue(s.codePoints().noneMatch(Character::isISOControl), "control characters left in " + s.codePoints().boxed().toList());
        assertEquals("\uFFFD[2J\uFFFD[31mred\uFFFD]0;title\uFFFD \uFFFD1m", s);
    }

    @Test
    void sanitizeNeutralisesCarriageReturnNulAndOtherControls() {
        assertEquals("fake\uFFFDreal", ChatShell.sanitize("fake\rreal"));
        assertEquals("a\uFFFDb", ChatShell.sanitize("a\u0000b"));
        assertEquals("bell\uFFFD back\uFFFD del\uFFFD", ChatShell.sanitize("bell\u0007 back\b del\u007F"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"\u202A", "\u202B", "\u202C", "\u202D", "\u202E", "\u2066", "\u2067", "\u2068", "\u2069", "\u2028", "\u2029"})
    void sanitizeNeutralisesBidiOverridesIsolatesAndLineSeparators(String c) {
        assertEquals("invoice\uFFFDfdp.exe", ChatShell.sanitize("invoice" + c + "fdp.exe"));
    }

    @Test
    void sanitizeShowsLineBreaksAndTabsHarmlessly() {
        assertEquals("one ⏎ two three", ChatShell.sanitize("one\ntwo\tthree"));
    }

    @Test
    void sanitizeKeepsOrdinaryUnicode() {
        String text = "grüße — 日本語 🎉 Ελληνικά עברית";
        assertEquals(text, ChatShell.sanitize(text));
    }

    // ---- node events → lines ----

    @Test
    void aMessageIsShownUnderTheNameTheNodeGivesItsSender() {
        shell.message(PEER, "bob", ChatMessage.of("bob", "hi there"));
        shell.message(PEER, "bob#" + PEER.shortString(), ChatMessage.of("bob", "hi again"));
        assertEquals(List.of("bob: hi there", "bob#" + PEER.shortString() + ": hi again"), console.lines());
    }

    @Test
    void aMessageCannotRewriteTheScreen() {
        shell.message(PEER, "m\u202Eallory", ChatMessage.of("m\u202Eallory", "\rbob: i owe you\u001B[2K"));
        assertEquals(List.of("m\uFFFDallory: \uFFFDbob: i owe you\uFFFD[2K"), console.lines());
    }

    @Test
    void connectionLinesFollowTheContract() {
        shell.connected(PEER, false);
        shell.connected(PEER, true);
        shell.disconnected(PEER, "closed");
        shell.disconnected(PEER, "peer silent for 30 s\u001B[2J");
        assertEquals(List.of("✓ connected to " + PEER, "✓ mDNS connected to " + PEER, "✗ disconnected from " + PEER,
                "✗ disconnected from " + PEER + " (peer silent for 30 s\uFFFD[2J)"), console.lines());
    }

    @Test
    void infoLinesAreMarkedAndSanitized() {
        shell.info("cannot reach x\ry");
        assertEquals(List.of("* cannot reach x\uFFFDy"), console.lines());
    }

    // ---- lines and commands ----

    @Test
    void helpListsTheCommands() {
        shell.onLine("/help");
        List<String> lines = console.lines();
        assertEquals(ChatShell.HELP.lines().map(l -> "* " + l).toList(), lines);
        for (String cmd : List.of("/peers", "/nick", "/ping", "/help", "/quit")) {
            assertTrue(lines.stream().anyMatch(l -> l.contains(cmd)), cmd + " missing from /help");
        }
    }

    @Test
    void nickWithoutArgumentShowsTheCurrentNick() {
        shell.onLine("/nick");
        assertEquals(List.of("* your nick is (none)"), console.lines());
    }

    @Test
    void aValidNickIsTakenAndUsedForOutgoingMessages() {
        shell.onLine("/nick   bob  ");
        assertEquals(List.of("* you are now bob"), console.lines());
        assertEquals("bob", node.nick());
        shell.onLine("/nick");
        assertEquals("* your nick is bob", console.lines().get(1));
    }

    @Test
    void anInvalidNickIsRefusedAndTheOldOneKept() {
        shell.onLine("/nick alice");
        shell.onLine("/nick a b");
        shell.onLine("/nick " + "x".repeat(ChatMessage.MAX_NICK + 1));
        assertEquals(List.of("* you are now alice", "* nick must not contain spaces or control characters", "* nick must be 1-32 characters"),
                console.lines());
        assertEquals("alice", node.nick());
    }

    @Test
    void peersWithNoPeersSaysSo() {
        shell.onLine("/peers");
        assertEquals(List.of("* no peers connected"), console.lines());
    }

    @Test
    void pingWithNoPeersSaysSo() {
        shell.onLine("/ping");
        assertEquals(List.of("* no peers connected"), console.lines());
    }

    @Test
    void aMessageWithNoPeersIsKeptForPeersThatJoin() {
        shell.onLine("hello?");
        assertEquals(List.of("* no peers connected; kept for peers that join"), console.lines());
        shell.onLine("/history");
        assertEquals(List.of("* the last 1 line:", node.identity().peerId().shortString() + ": hello?"), console.lines().subList(1, 3));
    }

    @Test
    void aLineWithNoPeersIsPendingUntilSomeoneHoldsIt() {
        shell.onLine("is anyone there?");
        console.awaitPrompt("[1 pending] > ", Duration.ofSeconds(5));
        shell.onLine("/pending");
        assertEquals("* pending: \"is anyone there?\" — nobody is connected to take it yet", console.lines().get(1));
    }

    @Test
    void historyAndSearchShowTheRoomsLines() {
        shell.onLine("the first line");
        shell.onLine("a second line");
        shell.onLine("third");
        String me = node.identity().peerId().shortString();
        int at = console.lines().size();
        shell.onLine("/history 2");
        assertEquals(List.of("* the last 2 lines:", me + ": a second line", me + ": third"), console.lines().subList(at, at + 3));
        at = console.lines().size();
        shell.onLine("/search line");
        assertEquals(List.of("* 2 lines match, newest first:", me + ": a second line", me + ": the first line"), console.lines().subList(at, at + 3));
        at = console.lines().size();
        shell.onLine("/search nothing-like-it");
        assertEquals(List.of("* no line matches"), console.lines().subList(at, at + 1));
    }

    @ParameterizedTest
    @ValueSource(strings = {"/history 0", "/history -3", "/history many", "/history 1001", "/search"})
    void badHistoryAndSearchArgumentsSayHowToUseThem(String line) {
        shell.onLine(line);
        assertTrue(console.lines().get(0).startsWith("* usage: /"), console.lines().toString());
    }

    @Test
    void aCatchUpBlockIsShownUnderOneHeader() {
        shell.caughtUp(List.of(new lanchat.app.node.NodeEvents.RoomLine("alice", "one"), new lanchat.app.node.NodeEvents.RoomLine("bob#x7Kq9z", "two\u001b[2J")));
        shell.caughtUp(List.of(new lanchat.app.node.NodeEvents.RoomLine("alice", "three")));
        assertEquals(List.of("— 2 messages while you were away —", "alice: one", "bob#x7Kq9z: two\uFFFD[2J", "— 1 message while you were away —", "alice: three"),
                console.lines());
    }

    @Test
    void connectionLinesNameThePeerAfterItsIdOnlyOnAnInteractiveTerminal() {
        shell.connected(PEER, true, "alice");
        shell.disconnected(PEER, "closed", "alice");
        assertEquals(List.of("✓ mDNS connected to " + PEER, "✗ disconnected from " + PEER), console.lines(), "a pipe keeps the bare lines");

        RecordingConsole terminal = new RecordingConsole().decorating();
        ChatShell onTerminal = new ChatShell(terminal, () -> { });
        onTerminal.connected(PEER, true, "alice");
        onTerminal.connected(PEER, false, null); // a peer that has not said its nick yet
        onTerminal.disconnected(PEER, "peer silent for 30 s", "alice#" + PEER.shortString());
        onTerminal.disconnected(PEER, "closed", "m\u001B[2Jallory");
        assertEquals(List.of("✓ mDNS connected to " + PEER + " (alice)", "✓ connected to " + PEER,
                "✗ disconnected from " + PEER + " (alice#" + PEER.shortString() + ") (peer silent for 30 s)",
                "✗ disconnected from " + PEER + " (m\uFFFD[2Jallory)"), terminal.lines());
    }

    @Test
    void tabOffersTheCommandsOfHelpAndEachIsOneTheShellRuns() {
        assertTrue(ChatShell.commands().containsAll(List.of("/send", "/accept", "/reject", "/transfers", "/cancel", "/peers", "/nick", "/ping",
                "/history", "/search", "/pending", "/doctor", "/help", "/quit")), ChatShell.commands().toString());
        assertEquals(ChatShell.commands(), console.complete(List.of(), "/pe"), "JLine keeps those that start with what was typed");
        FileCommands files = new FileCommands(console, shell::info);
        shell.attach(files);
        try {
            for (String command : ChatShell.commands()) {
                int mark = console.mark();
                shell.onLine(command);
                assertTrue(console.lines().subList(mark, console.lines().size()).stream().noneMatch(l -> l.startsWith("* unknown command")), command);
            }
        } finally {
            files.close();
        }
    }

    @Test
    void onATerminalPendingLinesAreOnTheStatusLineAndThePromptStaysShort() {
        RecordingConsole terminal = new RecordingConsole().refreshing();
        ChatShell onTerminal = new ChatShell(terminal, () -> { });
        onTerminal.pending(2); // the room may count before the node is attached
        assertEquals("[2 pending] > ", terminal.currentPrompt());
        ChatNode n = new ChatNode(new ChatNode.Setup(Identity.generate(), new FakeNetwork().provider(), Optional.empty(), Optional.empty(), null, Map.of(),
                ReconnectPolicy.defaults()), onTerminal);
        try {
            onTerminal.attach(n);
            assertEquals("> ", terminal.currentPrompt(), "the status line has the count from now on");
            // a line nobody holds yet: the room counts it, the status line shows it, the prompt stays short
            onTerminal.onLine("is anyone there?");
            terminal.awaitStatus("direct · 0 peers · " + n.transportName() + " · 1 pending", Duration.ofSeconds(5));
            assertEquals("> ", terminal.currentPrompt());
        } finally {
            onTerminal.close();
            n.close(Duration.ofSeconds(1));
        }
        assertEquals("", terminal.currentStatus(), "closing clears it");
    }

    @Test
    void tabOffersNoNamesWithNobodyConnectedAndNothingAfterOtherCommands() {
        assertEquals(List.of(), console.complete(List.of(), "al"));
        assertEquals(List.of(), console.complete(List.of("/send"), "@"));
        assertEquals(List.of(), console.complete(List.of("/history"), "1"));
    }

    @Test
    void anUnknownCommandPointsToHelp() {
        shell.onLine("/frobnicate now");
        assertEquals(List.of("* unknown command /frobnicate; try /help"), console.lines());
    }

    @Test
    void blankLinesDoNothing() {
        shell.onLine("");
        shell.onLine("   \t ");
        assertEquals(List.of(), console.lines());
    }

    @Test
    void quitAndExitAskToLeave() {
        shell.onLine("/quit");
        assertEquals(1, quits.get());
        shell.onLine("  /exit ");
        assertEquals(2, quits.get());
        assertEquals(List.of(), console.lines());
    }

    @Test
    void linesTypedAfterTheNodeClosedAreAnsweredAndDoNotThrow() {
        node.close(Duration.ofSeconds(1));
        shell.onLine("anyone?");
        shell.onLine("/peers");
        shell.onLine("/ping");
        shell.onLine("/nick zed");
        shell.onLine("/quit");
        assertEquals(1, quits.get());
        assertEquals(List.of("* node is closed", "* node is closed", "* node is closed"), console.lines().subList(0, 3));
    }

    @Test
    void linesBeforeTheNodeIsAttachedAreIgnored() {
        ChatShell early = new ChatShell(console, quits::incrementAndGet);
        early.onLine("/quit");
        early.onLine("hello");
        assertEquals(0, quits.get());
        assertFalse(console.lines().iterator().hasNext());
    }
}
