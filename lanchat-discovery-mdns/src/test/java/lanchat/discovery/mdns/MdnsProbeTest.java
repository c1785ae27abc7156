package lanchat.discovery.mdns;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

class MdnsProbeTest {
    @Test
    void roomNamesWithTerminalControlsAreNotReported() {
        Set<String> names = new LinkedHashSet<>();
        MdnsProbe.addRoom(names, "evil\u001b]0;owned\u0007.local.", "probe.local.");
        MdnsProbe.addRoom(names, "bidi\u202etxt.local.", "probe.local.");
        MdnsProbe.addRoom(names, "line\nbreak.local.", "probe.local.");
        MdnsProbe.addRoom(names, "lanchat-room.local.", "probe.local.");
        MdnsProbe.addRoom(names, "caf\u00e9.local.", "probe.local.");
        assertEquals(List.of("lanchat-room", "caf\u00e9"), List.copyOf(names));
    }
}
