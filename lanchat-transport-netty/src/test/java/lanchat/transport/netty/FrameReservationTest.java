package lanchat.transport.netty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import lanchat.api.resource.ResourceLimits;
import lanchat.api.testkit.TransportHarness;
import lanchat.api.testkit.TransportHarness.Node;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 13 (d), over real sockets: chat frames that never complete are reserved before they are buffered. Peers that
 * complete the handshake and send most of a 1 MiB message each fill the node's memory budget (6 MiB and a little here: each frame is reserved at twice its length, what collecting it may cost); the
 * next such peer completes its handshake, but its frame is refused and its connection closed instead of being buffered, and whatever the closed ones held is given back.
 */
class FrameReservationTest {
    private static final int MAX_MESSAGE = 1 << 20;
    private final TransportHarness harness = new TransportHarness(new NettyTransportProvider(), Map.of("maxMessageBytes", Integer.toString(MAX_MESSAGE)),
            ResourceLimits.DEFAULTS.with("system.memory", "6400KiB"));

    @AfterEach
    void close() {
        harness.close();
    }

    @Test
    void incompleteLargeFramesAreReservedFirstAndRefusedWhenTheNodeHasNoRoom() throws Exception {
        Node victim = harness.node().listen();
        List<Socket> attackers = new ArrayList<>();
        int kept = 0;
        try {
            for (int i = 0; i < 4; i++) {
                Socket s = new Socket();
                attackers.add(s);
                s.connect(victim.addr().withoutPeerId().toTcpSocketAddress());
                SecuredClient c = SecuredClient.handshake(s, victim.identity);
                // a message frame of 1 MiB announced, 60 KiB of it sent: without a reservation, the node would wait for the rest
                byte[] start = ByteBuffer.allocate(60 * 1024).putInt(MAX_MESSAGE).put(ChatFrameCodec.MESSAGE).put((byte) 0).array();
                c.sendPlain(start);
                if (!closedByPeer(s, 1000)) kept++;
            }
            assertEquals(3, kept, "three frames of 1 MiB fit, the fourth is refused");
            assertTrue(victim.resources.system().memory() <= 6400 << 10, "held " + victim.resources.system().memory());
            assertTrue(victim.resources.system().memory() >= 3L * AccountedFrameDecoder.COST_FACTOR * MAX_MESSAGE, "the incomplete frames are held in the account");
        } finally {
            for (Socket s : attackers) s.close();
        }
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (victim.resources.system().memory() > 0 && System.nanoTime() < deadline) Thread.sleep(20);
        assertEquals(0, victim.resources.system().memory(), "closed connections give their frames' room back");
    }

    private static boolean closedByPeer(Socket s, int waitMs) throws IOException {
        s.setSoTimeout(waitMs);
        InputStream in = s.getInputStream();
        byte[] buf = new byte[4096];
        try {
            while (in.read(buf) >= 0) {
                // drain whatever the node sent before closing
            }
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException reset) {
            return true;
        }
    }
}
