package lanchat.app.tui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Path;

import lanchat.api.Identity;
import lanchat.api.Multiaddr;
import lanchat.api.PeerId;
import lanchat.app.node.PeerManager;
import org.junit.jupiter.api.Test;

class FileCommandsTest {
    private final PeerId alice = Identity.generate().peerId(), bob = Identity.generate().peerId(), otherBob = Identity.generate().peerId();
    private final Multiaddr addr = Multiaddr.parse("/ip4/127.0.0.1/tcp/1");
    private final PeerManager.PeerInfo[] peers = {
            new PeerManager.PeerInfo(alice, "alice", addr, "libp2p", "outbound", PeerManager.RoomRole.MEMBER),
            new PeerManager.PeerInfo(bob, "bob", addr, "libp2p", "inbound", PeerManager.RoomRole.MEMBER),
            new PeerManager.PeerInfo(otherBob, "Bob", addr, "netty", "inbound", PeerManager.RoomRole.PLAIN)};

    @Test
    void findsPeersByNickShortIdOrIdAndRefusesAnAmbiguousNick() {
        assertEquals(alice, FileCommands.findPeer(peers, "ALICE"));
        assertEquals(bob, FileCommands.findPeer(peers, bob.shortString()));
        assertEquals(bob, FileCommands.findPeer(peers, "bob#" + bob.shortString()));
        assertEquals(otherBob, FileCommands.findPeer(peers, otherBob.toString()));
        assertNull(FileCommands.findPeer(peers, "bob"), "two peers call themselves bob: the user must say which");
        assertNull(FileCommands.findPeer(peers, "carol"));
    }

    @Test
    void pathsAsAShellWouldTakeThem() {
        assertEquals(Path.of("my file.txt"), FileCommands.path("\"my file.txt\""));
        assertEquals(Path.of(System.getProperty("user.home"), "x"), FileCommands.path("~/x"));
        assertEquals(Path.of("/a b/c"), FileCommands.path("/a b/c"));
    }

    @Test
    void sizesForPeople() {
        assertEquals("512 B", FileCommands.bytes(512));
        assertEquals("1.5 KiB", FileCommands.bytes(1536));
        assertEquals("64.0 MiB", FileCommands.bytes(64L << 20));
        assertEquals("1.00 GiB", FileCommands.bytes(1L << 30));
    }
}
