package lanchat.app.tui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The console real users type into, on a dumb JLine terminal over pipes: the keys the test types go in, the screen
 * comes out as the bytes JLine writes (a dumb terminal redraws with carriage returns only, so it reads plainly).
 */
@Timeout(30)
class JLineConsoleTest {
    @TempDir
    Path tmp;

    private final List<Session> sessions = new ArrayList<>();

    /** One console on its own terminal, its input lines and its quit signal. */
    private final class Session {
        final PipedOutputStream keys = new PipedOutputStream();
        final ByteArrayOutputStream screen = new ByteArrayOutputStream();
        final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        final CountDownLatch quit = new CountDownLatch(1);
        final JLineConsole console;

        Session() throws IOException {
            Terminal t = TerminalBuilder.builder().system(false).streams(new PipedInputStream(keys, 1 << 16), screen)
                    .type(Terminal.TYPE_DUMB).encoding(StandardCharsets.UTF_8).build();
            console = new JLineConsole(t, tmp.resolve("history"));
            sessions.add(this);
        }

        /** On a colour terminal ({@code xterm-256color}), its time in Kolkata, {@code NO_COLOR} looked up in {@code env}. */
        Session(Map<String, String> env) throws IOException {
            Terminal t = TerminalBuilder.builder().system(false).streams(new PipedInputStream(keys, 1 << 16), screen)
                    .type("xterm-256color").encoding(StandardCharsets.UTF_8).size(new org.jline.terminal.Size(100, 24)).build();
            console = new JLineConsole(t, tmp.resolve("history"), TerminalStyleTest.KOLKATA, env);
            sessions.add(this);
        }

        /** Starts reading and waits for the prompt: keys typed before it would meet the terminal's cooked mode. */
        Session started() throws InterruptedException {
            console.start(lines::add, quit::countDown);
            await(() -> screen().endsWith("> "), "no prompt");
            return this;
        }

        void type(String s) throws IOException {
            keys.write(s.getBytes(StandardCharsets.UTF_8));
            keys.flush();
        }

        String nextLine() throws InterruptedException {
            String l = lines.poll(5, TimeUnit.SECONDS);
            if (l == null) throw new AssertionError("no input line within 5 s; screen:\n" + screen());
            return l;
        }

        /** Waits until the reader has taken in what was typed (a dumb terminal does not echo it). */
        void awaitTyped(String s) throws InterruptedException {
            await(() -> console.typedSoFar().equals(s), "input line is not '" + s + "'");
        }

        /** Polls: neither the reader nor the pipe offers an event to wait for. */
        void await(BooleanSupplier condition, String failure) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (!condition.getAsBoolean()) {
                if (System.nanoTime() > deadline) throw new AssertionError(failure + " within 5 s; screen:\n" + visible(screen()));
                Thread.sleep(5);
            }
        }

        String screen() {
            return screen.toString(StandardCharsets.UTF_8);
        }
    }

    @AfterEach
    void close() {
        sessions.forEach(s -> s.console.close());
    }

    @Test
    void eachLineTypedIsHandedOverWithoutItsNewline() throws Exception {
        Session s = new Session().started();
        s.type("hello ✓\n/peers\n");
        assertEquals("hello ✓", s.nextLine());
        assertEquals("/peers", s.nextLine());
        assertEquals(1, s.quit.getCount(), "typing lines is no quit");
    }

    @Test
    void aLinePrintedBeforeReadingStartsIsPlain() throws Exception {
        Session s = new Session();
        s.console.println("Listening on /ip4/127.0.0.1/tcp/9000");
        assertEquals("Listening on /ip4/127.0.0.1/tcp/9000\r\n", s.screen());
    }

    @Test
    void aMessageArrivingWhileALineIsBeingTypedIsPrintedAboveItAndTheLineSurvives() throws Exception {
        Session s = new Session().started();
        s.type("hel");
        s.awaitTyped("hel");
        int before = s.screen().length();
        s.console.println("alice: hi ✓");
        String after = s.screen().substring(before);
        // the prompt line is wiped, the message gets a line of its own, and prompt and typed text are drawn again below
        assertTrue(after.contains("\ralice: hi ✓\r\n> hel"), "screen after the message: " + visible(after));
        s.type("lo\n");
        assertEquals("hello", s.nextLine());
    }

    @Test
    void linesPrintedFromManyThreadsAtOnceStayWhole() throws Exception {
        Session s = new Session().started();
        s.type("typing");
        s.awaitTyped("typing");
        Set<String> sent = new HashSet<>();
        List<Thread> printers = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            int id = t;
            for (int i = 0; i < 25; i++) sent.add("peer" + id + " says " + i);
            printers.add(new Thread(() -> {
                for (int i = 0; i < 25; i++) s.console.println("peer" + id + " says " + i);
            }));
        }
        printers.forEach(Thread::start);
        for (Thread p : printers) p.join();
        s.type("\n");
        assertEquals("typing", s.nextLine());
        // every message is one whole screen line: what follows the last carriage return before its line feed
        Set<String> shown = new HashSet<>();
        for (String row : s.screen().split("\r\n")) {
            String text = row.substring(row.lastIndexOf('\r') + 1);
            if (text.startsWith("peer")) assertTrue(shown.add(text), "printed twice: " + text);
        }
        assertEquals(sent, shown);
    }

    @Test
    void ctrlCQuits() throws Exception {
        Session s = new Session().started();
        s.type("half a line");
        s.awaitTyped("half a line");
        s.type("\u0003");
        assertTrue(s.quit.await(5, TimeUnit.SECONDS), "Ctrl-C did not quit; screen:\n" + visible(s.screen()));
        assertNull(s.lines.poll(), "the interrupted line was sent");
    }

    @Test
    void ctrlDOnAnEmptyLineQuits() throws Exception {
        Session s = new Session().started();
        s.type("\u0004");
        assertTrue(s.quit.await(5, TimeUnit.SECONDS), "Ctrl-D did not quit; screen:\n" + visible(s.screen()));
    }

    @Test
    void historyIsSavedOnCloseAndKeptByTheNextRun() throws Exception {
        Session first = new Session().started();
        first.type("first\nsecond\n");
        assertEquals("first", first.nextLine());
        assertEquals("second", first.nextLine());
        first.console.close();
        assertEquals(List.of("first", "second"), historyLines());

        Session next = new Session().started(); // (a dumb terminal binds no history keys: recall is not testable here)
        next.type("third\n");
        assertEquals("third", next.nextLine());
        next.console.close();
        assertEquals(List.of("first", "second", "third"), historyLines());
    }

    /** The lines of the history file, without JLine's time stamps ("<epoch ms>:<line>"). */
    private List<String> historyLines() throws IOException {
        return Files.readAllLines(tmp.resolve("history")).stream().map(l -> l.substring(l.indexOf(':') + 1)).toList();
    }

    private static String visible(String screen) {
        return screen.replace("\r", "\\r").replace("\n", "\\n\n");
    }

    /** Progress goes to JLine's status area at the bottom of an ANSI terminal, apart from the scroll-back. */
    @Test
    void theStatusLineIsDrawnOnAnAnsiTerminal() throws Exception {
        ByteArrayOutputStream screen = new ByteArrayOutputStream();
        Terminal t = TerminalBuilder.builder().system(false).streams(new PipedInputStream(new PipedOutputStream(), 1024), screen)
                .type("xterm-256color").encoding(StandardCharsets.UTF_8).size(new org.jline.terminal.Size(100, 24)).build();
        JLineConsole console = new JLineConsole(t, null);
        try {
            assertTrue(console.refreshesStatus());
            console.status("#1 video.mkv 42% 27.0 MiB/64.0 MiB");
            t.flush();
            assertTrue(screen.toString(StandardCharsets.UTF_8).contains("#1 video.mkv 42% 27.0 MiB/64.0 MiB"), "status not drawn: " + screen);
        } finally {
            console.close();
        }
    }

    // ---- an interactive colour terminal (xterm-256color over pipes) ----

    @Test
    void aChatLineShowsTheTimeAndTheAuthorInItsColour() throws Exception {
        Session s = new Session(Map.of()).started();
        lanchat.api.PeerId alice = TerminalStyleTest.ALICE;
        s.console.message(new ChatLine(null, alice, "alice", "hi ✓"));
        int colour = new TerminalStyle(TerminalStyleTest.KOLKATA, 256, Map.of()).colourOf(alice);
        s.await(() -> s.screen().contains("hi ✓"), "no message");
        String screen = s.screen();
        assertTrue(screen.contains("18:37 \u001B[38;5;" + colour + ";1malice\u001B[0m: hi ✓")
                || screen.contains("18:37 \u001B[1;38;5;" + colour + "malice\u001B[0m: hi ✓"), "screen: " + visible(screen));
    }

    @Test
    void withNoColorTheLineHasItsTimeButNoColour() throws Exception {
        Session s = new Session(Map.of("NO_COLOR", "1")).started();
        s.console.message(new ChatLine(null, TerminalStyleTest.ALICE, "alice", "hi"));
        s.await(() -> s.screen().contains("18:37 alice: hi"), "no plain line with its time");
        assertTrue(!s.screen().matches("(?s).*\u001B\\[[0-9;]*(3[0-7]|38;5;\\d+)[;m].*"), "a colour escape: " + visible(s.screen()));
    }

    @Test
    void tabCompletesACommand() throws Exception {
        Session s = new Session(Map.of()).started();
        s.console.completeWith((before, word) -> before.isEmpty() && word.startsWith("/") ? ChatShell.commands() : List.of("alice", "bob"));
        s.type("/pee\t");
        s.awaitTyped("/peers ");
        s.type("\n");
        assertEquals("/peers", s.nextLine().strip());
        s.type("hi al\t\n");
        assertEquals("hi alice", s.nextLine().strip());
    }

    @Test
    void ctrlRFindsAnEarlierLine() throws Exception {
        Session s = new Session(Map.of()).started();
        s.type("hello alice\n/peers\nsomething else\n");
        assertEquals("hello alice", s.nextLine());
        assertEquals("/peers", s.nextLine());
        assertEquals("something else", s.nextLine());
        s.type("\u0012hello"); // Ctrl-R, then part of the line
        s.awaitTyped("hello alice");
        s.type("\n");
        assertEquals("hello alice", s.nextLine());
    }
}
