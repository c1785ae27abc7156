package lanchat.transport.libp2p;

import static lanchat.api.testkit.TransportHarness.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import io.netty.channel.Channel;
import lanchat.api.resource.ResourceLimits;
import lanchat.api.spi.ChatSession;
import lanchat.api.testkit.TransportHarness;
import lanchat.api.testkit.TransportHarness.Node;
import lanchat.api.testkit.TransportHarness.Recorder;
import lanchat.transport.libp2p.chat.ChatProtocol;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The resource manager as the libp2p transport applies it to yamux streams, over real loopback connections: every
 * stream reserves its 256 KiB receive window on the connection's account before it is held, and a peer the app has not
 * admitted yet (no listener: e.g. not yet seen in the room) gets no more than {@code connection.unadmittedMemory}.
 */
class Libp2pResourceLimitsTest {
    static final long WINDOW = 256 * 1024;
    private final TransportHarness harness = new TransportHarness(new Libp2pTransportProvider(), Map.of(), ResourceLimits.DEFAULTS);

    @AfterEach
    void close() {
        harness.close();
    }

    /** Opens up to {@code n} chat streams from {@code from}; returns how many the peer accepted (no reset). */
    private static int openChatStreams(ChatSession from, int n) throws Exception {
        Libp2pConnection c = (Libp2pConnection) from;
        int accepted = 0;
        for (int i = 0; i < n; i++) {
            try {
                Channel s = await(c.openStream(List.of(ChatProtocol.V1_1)));
                // a refused stream is reset by the peer right after our SYN; one that is held stays open
                if (!s.closeFuture().await(200, TimeUnit.MILLISECONDS)) accepted++;
            } catch (ExecutionException refused) {
                // reset before negotiation finished
            }
        }
        return accepted;
    }

    @Test
    void aPeerNotYetAdmittedGetsOnlyASmallWindowThenTheFullOneOnceAdmitted() throws Exception {
        Node a = harness.node().listen();
        Node b = harness.node();
        ChatSession out = await(b.transport.dial(a.addr()));
        ChatSession in = a.accept(); // the app holds it without a listener: not admitted
        out.setListener(new Recorder());
        int beforeAdmission = openChatStreams(out, 40);
        long held = a.resources.system().memory();
        long unadmitted = ResourceLimits.DEFAULTS.unadmittedMemory();
        assertTrue(held <= unadmitted, "an unadmitted peer's streams hold at most " + unadmitted + " bytes: " + held);
        assertTrue(beforeAdmission < unadmitted / WINDOW, "at most a handful of its 40 streams were held: " + beforeAdmission);

        in.setListener(new Recorder()); // admitted (e.g. its room record arrived)
        int afterAdmission = openChatStreams(out, 40);
        assertEquals(40, afterAdmission, "once admitted the peer opens what it needs");
        assertTrue(a.resources.system().memory() > unadmitted);

        await(out.close());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (a.resources.system().memory() > 0 && System.nanoTime() < deadline) Thread.sleep(10);
        assertEquals(0, a.resources.system().memory(), "a closed connection gives back everything it held");
        assertEquals(0, a.resources.system().inboundConns());
        assertEquals(0, a.resources.peers());
    }
}
