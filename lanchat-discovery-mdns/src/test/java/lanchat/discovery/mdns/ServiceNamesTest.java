package lanchat.discovery.mdns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import java.util.Random;

import org.junit.jupiter.api.Test;

class ServiceNamesTest {
    @Test
    void namesAreGoZeroconfs() {
        ServiceNames n = ServiceNames.withLabel("myroom", "abcdefghijklmnopqrstuvwxyz012345");
        assertEquals("myroom.local.", n.service);
        assertEquals("abcdefghijklmnopqrstuvwxyz012345.myroom.local.", n.instance);
        assertEquals("abcdefghijklmnopqrstuvwxyz012345.local.", n.host);
    }

    @Test
    void emptyRoomIsGoDefaultAndDotsAreTrimmedLikeGo() {
        assertEquals("_p2p._udp.local.", ServiceNames.withLabel("", "x").service);
        assertEquals("_p2p._udp.local.", ServiceNames.withLabel("...", "x").service);
        assertEquals("myroom.local.", ServiceNames.withLabel(".myroom.", "x").service);
        assertEquals("a.b.local.", ServiceNames.withLabel("a.b", "x").service);
    }

    @Test
    void randomLabelsAre32To63LowercaseAlphanumerics() {
        Random r = new Random(1);
        int min = 99, max = 0;
        for (int i = 0; i < 2000; i++) {
            String l = ServiceNames.randomLabel(r);
            assertTrue(l.matches("[a-z0-9]{32,63}"), l);
            min = Math.min(min, l.length());
            max = Math.max(max, l.length());
        }
        assertEquals(32, min);
        assertEquals(63, max);
    }

    @Test
    void roomsGoCannotMatchAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> ServiceNames.validRoom("my room"));
        assertThrows(IllegalArgumentException.class, () -> ServiceNames.validRoom("a..b"));
        assertThrows(IllegalArgumentException.class, () -> ServiceNames.validRoom("caf\u00e9"));
        assertThrows(IllegalArgumentException.class, () -> ServiceNames.validRoom("x".repeat(64)));
        assertThrows(IllegalArgumentException.class, () -> ServiceNames.validRoom("semi;colon"));
        assertThrows(IllegalArgumentException.class, () -> ServiceNames.validRoom(("a".repeat(60) + ".").repeat(4)));
        assertEquals("My-Room_2", ServiceNames.validRoom("My-Room_2"));
    }

    @Test
    void instanceNamesMatchExactlyOneLabelOfExactlyThisRoom() {
        ServiceNames n = ServiceNames.withLabel("room", "ours");
        assertEquals(Optional.of("abc"), n.instanceLabelOf("abc.room.local."));
        assertFalse(n.instanceLabelOf("abc.myroom.local.").isPresent()); // go's HasSuffix would take this one
        assertFalse(n.instanceLabelOf("a.b.room.local.").isPresent());
        assertFalse(n.instanceLabelOf("abc.Room.local.").isPresent()); // case-sensitive, as go compares strings
        assertFalse(n.instanceLabelOf("room.local.").isPresent());
        assertFalse(n.instanceLabelOf(".room.local.").isPresent());
        assertFalse(n.instanceLabelOf("abc.room.local").isPresent());
        assertTrue(n.isOurInstance("ours.room.local."));
        assertTrue(n.isService("room.local."));
        assertFalse(n.isService("ROOM.local."));
    }
}
