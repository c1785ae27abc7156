package lanchat.transport.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.SecureRandom;

import io.netty.channel.embedded.EmbeddedChannel;
import lanchat.api.Identity;
import lanchat.api.crypto.PreSharedKey;
import lanchat.api.resource.ResourceLimits;
import lanchat.api.resource.ResourceManager;
import lanchat.api.resource.ResourceManager.ConnectionScope;
import lanchat.api.spi.Direction;
import org.junit.jupiter.api.Test;

/** What a connection's account holds over its life, with and without a room key. */
class ConnectionAccountsTest {
    static final InetSocketAddress TARGET = new InetSocketAddress(InetAddress.getLoopbackAddress(), 4001);

    /**
     * Review of issue 15: the PSK layer's scratch array (one per connection) is memory a peer makes us hold, so it is on
     * the connection's account from the start to the end, beside the handshake's room; without a key there is none.
     */
    @Test
    void aPrivateConnectionsScratchArrayIsOnItsAccountForItsWholeLife() throws Exception {
        ResourceManager rm = new ResourceManager(ResourceLimits.DEFAULTS);
        EmbeddedChannel ch = new EmbeddedChannel(new PrivateNetwork(PreSharedKey.of(new byte[32]), new SecureRandom()));
        ConnectionScope scope = ConnectionAccounts.open(rm, ch, Direction.OUTBOUND, TARGET);
        assertEquals(ConnectionAccounts.HANDSHAKE_BUFFER + PrivateNetwork.SCRATCH_BYTES, rm.handshaking().memory());
        ConnectionAccounts.secured(scope, Identity.generate().peerId());
        assertEquals(PrivateNetwork.SCRATCH_BYTES, rm.system().memory(), "the handshake's room is given back, the scratch array stays");
        ch.close();
        assertEquals(0, rm.system().memory(), "all given back when the connection closes");
        ch.finishAndReleaseAll();

        EmbeddedChannel open = new EmbeddedChannel();
        ConnectionScope plain = ConnectionAccounts.open(rm, open, Direction.OUTBOUND, TARGET);
        assertEquals(ConnectionAccounts.HANDSHAKE_BUFFER, rm.handshaking().memory());
        ConnectionAccounts.secured(plain, Identity.generate().peerId());
        assertEquals(0, rm.system().memory());
        open.finishAndReleaseAll();
    }
}
