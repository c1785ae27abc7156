package lanchat.it.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The terminal front end in a real terminal (issue 18): two app processes on 127.0.0.1, each in a tmux pane with
 * {@code TERM=xterm-256color} (tmux on a socket of this test's own, killed afterwards), typed into with
 * {@code send-keys} and read with {@code capture-pane -e} (the screen, colour escapes included). A message line has
 * the local time (the node runs with {@code TZ=Asia/Kolkata}: the zone is the process's) and the author's nick in a
 * colour escape; the status line names the transport and the peers; with {@code NO_COLOR=1} no colour escape; Tab
 * completes {@code /pee} to {@code /peers}; Ctrl-R finds an earlier line; a peer that leaves is named after its id.
 */
@Timeout(180)
class TerminalPtyIT {
    static final Duration WAIT = Duration.ofSeconds(30);
    static final ZoneId ZONE = ZoneId.of("Asia/Kolkata");
    static final Pattern LISTENING = Pattern.compile("Listening on (/ip4/127\\.0\\.0\\.1/tcp/\\d+/p2p/(\\w+))");
    /** An SGR escape that sets a foreground colour: 30-37, 90-97 or 38;5;N / 38;2;R;G;B, alone or among others. */
    static final Pattern COLOUR = Pattern.compile("\u001B\\[(?:[0-9;]*;)?(?:3[0-7]|9[0-7]|38;[25];[0-9;]+)(?:;[0-9;]*)?m");

    static Path mods;
    static Path home;
    /** This test's own tmux server: other tmux users on the machine are never touched. */
    final String socket = "lanchat-it-" + UUID.randomUUID().toString().substring(0, 8);

    @BeforeAll
    static void setUp() throws IOException {
        mods = AppNode.snapshotMods("lanchat-it-pty-mods-");
        home = Files.createTempDirectory("lanchat-it-pty-home-");
    }

    @AfterAll
    static void deleteSnapshot() throws IOException {
        AppNode.deleteTree(mods);
        AppNode.deleteTree(home);
    }

    @AfterEach
    void killTmux() throws Exception {
        String socketPath = tmux(false, "display-message", "-p", "#{socket_path}").strip();
        tmux(false, "kill-server");
        if (socketPath.endsWith(socket)) Files.deleteIfExists(Path.of(socketPath)); // the server leaves its socket file
    }

    /** One node in a pane; {@code env}: extra VAR=value settings. */
    private Pane start(String name, List<String> env, String... args) throws Exception {
        Path h = Files.createDirectories(home.resolve(name + "-" + socket));
        List<String> cmd = new ArrayList<>(List.of("env", "-u", "NO_COLOR", "TERM=xterm-256color", "TZ=" + ZONE.getId(), "HOME=" + h));
        cmd.addAll(env);
        cmd.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-p", mods.toString(), "-m", "lanchat.app",
                "--transport", "netty", "-port", "0", "--host", "127.0.0.1"));
        cmd.addAll(List.of(args));
        // the pane outlives the node a little (sleep), so that its last screen can still be read
        String shell = String.join(" ", cmd.stream().map(TerminalPtyIT::quote).toList()) + "; sleep 20";
        tmux(true, "new-session", "-d", "-s", name, "-x", "140", "-y", "30", shell);
        Pane p = new Pane(name);
        Matcher m = LISTENING.matcher(p.await(s -> LISTENING.matcher(s).find(), "a 'Listening on' line"));
        assertTrue(m.find());
        p.address = m.group(1);
        p.peerId = m.group(2);
        return p;
    }

    /** alice ({@code aliceEnv}) and bob, who dials her; returned once both printed their connection line. */
    private Pane[] connectedPair(List<String> aliceEnv) throws Exception {
        Pane alice = start("alice", aliceEnv, "--nick", "alice");
        Pane bob = start("bob", List.of(), "--nick", "bob", "--peer", alice.address);
        alice.await(s -> plain(s).contains("✓ connected to " + bob.peerId), "the connection line");
        bob.await(s -> plain(s).contains("✓ connected to " + alice.peerId), "the connection line");
        return new Pane[] {alice, bob};
    }

    final class Pane {
        final String name;
        String address, peerId;

        Pane(String name) {
            this.name = name;
        }

        /** The screen as it is now, with its escapes (tmux's rendition of the colours the node drew). */
        String screen() throws Exception {
            return tmux(true, "capture-pane", "-e", "-p", "-t", name);
        }

        /** Waits (bounded, polling: a pane offers nothing to wait on) until the screen satisfies {@code check}. */
        String await(Predicate<String> check, String what) throws Exception {
            long deadline = System.nanoTime() + WAIT.toNanos();
            String s = screen();
            while (!check.test(s)) {
                if (System.nanoTime() > deadline) fail(name + ": no " + what + " within " + WAIT.toSeconds() + " s; screen:\n" + visible(s));
                Thread.sleep(100);
                s = screen();
            }
            return s;
        }

        /** The screen line that contains {@code text}, escapes and all. */
        String lineWith(String text) throws Exception {
            return await(s -> plain(s).contains(text), "'" + text + "'").lines().filter(l -> plain(l).contains(text)).findFirst().orElseThrow();
        }

        /**
         * Waits until the input line is an empty prompt again: JLine puts the terminal in raw mode before it draws the
         * prompt, and between two lines the terminal is in cooked mode, whose line discipline would take a Ctrl-R.
         */
        void awaitEmptyPrompt() throws Exception {
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (true) {
                String[] cursor = tmux(true, "display-message", "-p", "-t", name, "#{cursor_x} #{cursor_y}").strip().split(" ");
                List<String> rows = plain(tmux(true, "capture-pane", "-p", "-t", name)).lines().toList();
                int y = Integer.parseInt(cursor[1]);
                if (cursor[0].equals("2") && y < rows.size() && rows.get(y).strip().equals(">")) return;
                if (System.nanoTime() > deadline) fail(name + ": no empty prompt within " + WAIT.toSeconds() + " s; screen:\n" + visible(screen()));
                Thread.sleep(100);
            }
        }

        void type(String text) throws Exception {
            tmux(true, "send-keys", "-t", name, "-l", text);
        }

        /** Types {@code text} and Enter. */
        void enter(String text) throws Exception {
            type(text);
            keys("Enter");
        }

        void keys(String... keys) throws Exception {
            List<String> a = new ArrayList<>(List.of("send-keys", "-t", name));
            a.addAll(List.of(keys));
            tmux(true, a.toArray(String[]::new));
        }
    }

    @Test
    void messageLinesHaveTheTimeAndAColouredNickTheStatusLineSumsUpAndTabAndCtrlRWork() throws Exception {
        Pane[] pair = connectedPair(List.of());
        Pane alice = pair[0], bob = pair[1];
        bob.enter("hello from bob");
        String line = alice.lineWith("bob: hello from bob");
        Matcher m = Pattern.compile("^(\\d\\d:\\d\\d) ((?:\u001B\\[[0-9;]*m)+)bob(?:\u001B\\[[0-9;]*m)*: hello from bob").matcher(line);
        assertTrue(m.find(), "not 'HH:MM <colour>bob<reset>: hello from bob': " + visible(line));
        assertTrue(COLOUR.matcher(m.group(2)).find(), "the nick is not in a colour: " + visible(line));
        assertNearNow(m.group(1));
        assertFalse(COLOUR.matcher(line.substring(m.end(2) + 3)).find(), "only the nick is coloured: " + visible(line));

        // the status line at the bottom: no room, one peer, the transport
        alice.await(s -> plain(s).contains("direct · 1 peer · netty"), "the status line");
        String last = lastLine(plain(alice.screen()));
        assertEquals("direct · 1 peer · netty", last.strip(), "the status line is the bottom line");

        // Tab: /pee -> /peers (then Enter runs it)
        alice.awaitEmptyPrompt();
        alice.type("/pee");
        alice.keys("Tab");
        alice.await(s -> plain(s).contains("> /peers"), "'/pee' completed to '/peers'");
        alice.keys("Enter");
        alice.await(s -> plain(s).contains("bob#" + bob.peerId.substring(bob.peerId.length() - 6) + "  " + bob.peerId), "the /peers answer");

        // Ctrl-R: a line typed before, found by a part of it and sent again
        alice.awaitEmptyPrompt();
        alice.enter("first words of the day");
        bob.await(s -> count(plain(s), "alice: first words of the day") == 1, "alice's line");
        alice.awaitEmptyPrompt();
        alice.keys("C-r");
        alice.enter("first w");
        bob.await(s -> count(plain(s), "alice: first words of the day") == 2, "alice's line, found with Ctrl-R and sent again");

        // a peer that leaves is named after its id (its nick is known by now)
        bob.enter("/quit");
        alice.await(s -> plain(s).contains("✗ disconnected from " + bob.peerId + " (bob)"), "the disconnection line naming bob");
        alice.await(s -> plain(s).contains("direct · 0 peers · netty"), "the status line after bob left");
    }

    @Test
    void withNoColorMessageLinesKeepTheirTimeButHaveNoColour() throws Exception {
        Pane[] pair = connectedPair(List.of("NO_COLOR=1"));
        Pane alice = pair[0], bob = pair[1];
        bob.enter("plain please");
        String line = alice.lineWith("bob: plain please");
        Matcher m = Pattern.compile("^(\\d\\d:\\d\\d) bob: plain please").matcher(line);
        assertTrue(m.find(), "not 'HH:MM bob: plain please' without escapes: " + visible(line));
        assertNearNow(m.group(1));
        String screen = alice.await(s -> plain(s).contains("direct · 1 peer · netty"), "the status line");
        assertFalse(COLOUR.matcher(screen).find(), "a colour escape with NO_COLOR=1:\n" + visible(screen));
        // and the other node, without NO_COLOR, does colour
        alice.enter("and you in colour");
        String coloured = bob.lineWith("alice: and you in colour");
        assertTrue(COLOUR.matcher(coloured).find(), "no colour on the node without NO_COLOR: " + visible(coloured));
    }

    /** The pane's time is the node's local time in {@link #ZONE}: within a minute of now there. */
    private static void assertNearNow(String hhmm) {
        LocalTime shown = LocalTime.parse(hhmm, DateTimeFormatter.ofPattern("HH:mm"));
        LocalTime now = LocalTime.now(ZONE);
        long minutes = Math.abs(Duration.between(shown, now).toMinutes());
        assertTrue(minutes <= 1 || minutes >= 24 * 60 - 1, "shown " + hhmm + ", now " + now + " in " + ZONE);
    }

    private static String lastLine(String screen) {
        List<String> lines = screen.lines().filter(l -> !l.isBlank()).toList();
        return lines.get(lines.size() - 1);
    }

    private static int count(String s, String part) {
        int n = 0;
        for (int i = s.indexOf(part); i >= 0; i = s.indexOf(part, i + 1)) n++;
        return n;
    }

    /** Without escapes. */
    static String plain(String s) {
        return s.replaceAll("\u001B\\[[0-9;?]*[A-Za-z]", "");
    }

    static String visible(String s) {
        return s.replace("\u001B", "\\e");
    }

    private static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    /** Runs tmux on this test's socket (no user config); returns its stdout; {@code check}: fail on a non-zero exit. */
    private String tmux(boolean check, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("tmux", "-L", socket, "-f", "/dev/null"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("tmux " + String.join(" ", args) + " did not finish");
        }
        String text = new String(out, StandardCharsets.UTF_8);
        if (check && p.exitValue() != 0) fail("tmux " + String.join(" ", args) + " failed (" + p.exitValue() + "): " + text);
        return text;
    }
}
