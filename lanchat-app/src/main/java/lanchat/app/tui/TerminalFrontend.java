package lanchat.app.tui;

import java.util.List;

import lanchat.api.ChatMessage;
import lanchat.api.Multiaddr;
import lanchat.api.PeerId;
import lanchat.api.ui.ChatControl;
import lanchat.api.ui.Frontend;
import lanchat.api.ui.FrontendContext;
import lanchat.api.ui.FrontendProvider;

/**
 * The default front end ({@code --ui terminal}): JLine on a real terminal, plain lines otherwise. Its lines and
 * commands are {@link ChatShell}'s; this class only plugs the shell and its {@link Console} into the front-end SPI.
 * The app hands the shell the node itself ({@link #shell()}): the terminal offers commands beyond the SPI (room log,
 * files).
 */
public final class TerminalFrontend implements Frontend {
    private final Console console;
    private final ChatShell shell;

    TerminalFrontend(Console console, Runnable leave) {
        this.console = console;
        this.shell = new ChatShell(console, leave);
    }

    /** The provider: {@code provides lanchat.api.ui.FrontendProvider with lanchat.app.tui.TerminalFrontend.Provider}. */
    public static final class Provider implements FrontendProvider {
        @Override
        public String name() {
            return "terminal";
        }

        @Override
        public String summary() {
            return "lines for people: JLine editing and history on a terminal, plain lines in a pipe (default)";
        }

        @Override
        public Frontend open(FrontendContext c) {
            Console console = null;
            if (c.systemStreams() && System.console() != null) console = JLineConsole.openSystem(c.history());
            if (console == null) console = new PlainConsole(c.in(), c.out(), c.err());
            return new TerminalFrontend(console, c.leave());
        }
    }

    /** The shell: the node's events and the whole node go to it directly. */
    public ChatShell shell() {
        return shell;
    }

    public Console console() {
        return console;
    }

    @Override
    public void listening(List<Multiaddr> addresses) {
        for (Multiaddr a : addresses) console.println("Listening on " + a);
    }

    @Override
    public void joined(String room) {
        console.println("Joined room '" + room + "' (mDNS); waiting for peers…");
    }

    @Override
    public void connected(PeerId peer, boolean viaDiscovery) {
        shell.connected(peer, viaDiscovery);
    }

    @Override
    public void disconnected(PeerId peer, String reason) {
        shell.disconnected(peer, reason);
    }

    @Override
    public void message(PeerId from, String shownAs, ChatMessage message, long receivedAtMillis) {
        shell.message(from, shownAs, message);
    }

    @Override
    public void info(String line) {
        shell.info(line);
    }

    @Override
    public void log(String line) {
        console.log(line);
    }

    @Override
    public void start(ChatControl control) {
        shell.attachDoctor(control::doctor);
        console.start(shell::onLine, control::quit);
    }

    @Override
    public void close() {
        shell.close();
        console.close();
    }
}
