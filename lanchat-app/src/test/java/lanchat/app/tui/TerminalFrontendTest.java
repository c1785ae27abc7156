package lanchat.app.tui;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

import lanchat.api.ChatMessage;
import lanchat.api.Identity;
import lanchat.api.Multiaddr;
import lanchat.api.PeerId;
import lanchat.api.spi.Plugins;
import lanchat.api.ui.Frontend;
import lanchat.api.ui.FrontendContext;
import lanchat.api.ui.FrontendProvider;

/** The terminal as a front-end plugin: found by name, and printing the user-contract lines it always printed. */
class TerminalFrontendTest {
    @Test
    void theInstalledFrontEndsAreFoundByServiceLoader() {
        assertEquals(List.of("json", "terminal", "web"), Plugins.installed().frontends().stream().map(FrontendProvider::name).sorted().toList());
    }

    @Test
    void printsTheContractLinesOnStdoutAndLogLinesOnStderr() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        FrontendContext c = new FrontendContext(new ByteArrayInputStream(new byte[0]), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), false, null, () -> {});
        PeerId peer = Identity.generate().peerId();
        try (Frontend fe = Plugins.installed().frontend("terminal").open(c)) {
            fe.listening(List.of(Multiaddr.parse("/ip4/127.0.0.1/tcp/4001/p2p/" + peer)));
            fe.joined("room");
            fe.connected(peer, true);
            fe.connected(peer, false);
            fe.message(peer, "alice", ChatMessage.of("alice", "hi\u001b[2J"), 0);
            fe.disconnected(peer, "closed");
            fe.log("[WARN] something");
        }
        assertEquals(List.of("Listening on /ip4/127.0.0.1/tcp/4001/p2p/" + peer, "Joined room 'room' (mDNS); waiting for peers…", "✓ mDNS connected to " + peer,
                "✓ connected to " + peer, "alice: hi\uFFFD[2J", "✗ disconnected from " + peer), out.toString(StandardCharsets.UTF_8).lines().toList());
        assertEquals("[WARN] something\n", err.toString(StandardCharsets.UTF_8));
    }
}
