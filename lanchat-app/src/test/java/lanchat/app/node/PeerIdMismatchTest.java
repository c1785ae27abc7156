package lanchat.app.node;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import lanchat.api.Identity;
import lanchat.api.Multiaddr;
import lanchat.api.PeerId;
import lanchat.api.spi.Plugins;
import lanchat.api.spi.Transport;
import lanchat.api.spi.TransportConfig;

/**
 * The node never redials an address that answered as another peer; that rests on recognising the failure. This dials
 * a real listener of each transport over 127.0.0.1 under a wrong peer id and checks what the dial fails with.
 */
class PeerIdMismatchTest {
    @ParameterizedTest
    @ValueSource(strings = {"netty", "libp2p"})
    void aDialAnsweredByAnotherPeerFailsWithAPeerIdMismatchAndOtherFailuresDoNot(String name) throws Exception {
        ExecutorService callbacks = Executors.newSingleThreadExecutor();
        try (Transport listener = Plugins.installed().transport(name).create(new TransportConfig(Identity.generate(), callbacks, Map.of()));
             Transport dialer = Plugins.installed().transport(name).create(new TransportConfig(Identity.generate(), callbacks, Map.of()))) {
            listener.onInbound(s -> { });
            List<Multiaddr> at = listener.listen(Multiaddr.parse("/ip4/127.0.0.1/tcp/0")).toCompletableFuture().get(10, TimeUnit.SECONDS);
            PeerId someoneElse = Identity.generate().peerId();
            Throwable mismatch = failure(dialer, at.get(0).withoutPeerId().withPeerId(someoneElse));
            assertTrue(PeerManager.isPeerIdMismatch(mismatch), name + ": " + mismatch);

            int closedPort;
            try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
                closedPort = s.getLocalPort();
            }
            Throwable refused = failure(dialer, Multiaddr.parse("/ip4/127.0.0.1/tcp/" + closedPort + "/p2p/" + someoneElse));
            assertTrue(!PeerManager.isPeerIdMismatch(refused), name + ": " + refused);
        } finally {
            callbacks.shutdownNow();
        }
    }

    private static Throwable failure(Transport t, Multiaddr to) throws InterruptedException, java.util.concurrent.TimeoutException {
        try {
            t.dial(to).toCompletableFuture().get(15, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            return e.getCause();
        }
        return fail("dialing " + to + " under a wrong peer id succeeded");
    }
}
