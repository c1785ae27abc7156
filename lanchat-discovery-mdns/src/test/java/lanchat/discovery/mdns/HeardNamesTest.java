package lanchat.discovery.mdns;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/** The doctor's record of rooms heard lately, on a clock run by hand: the minute, the bound, the names kept. */
class HeardNamesTest {
    long now = 5_000_000;
    final HeardNames heard = new HeardNames(() -> now);

    @Test
    void aNameIsKeptForOneMinuteAfterItWasLastHeard() {
        heard.note("alpha.local.");
        now += 30_000;
        heard.note("beta.local.");
        assertEquals(List.of("alpha", "beta"), heard.recent());
        now += 30_000; // alpha: exactly a minute ago
        assertEquals(List.of("alpha", "beta"), heard.recent());
        now += 1;
        assertEquals(List.of("beta"), heard.recent(), "alpha heard more than a minute ago");
        heard.note("beta.local.");
        now += 59_999;
        assertEquals(List.of("beta"), heard.recent(), "hearing it again keeps it another minute");
        now += 2;
        assertEquals(List.of(), heard.recent());
    }

    @Test
    void hearingANameAgainMovesItToTheEnd() {
        heard.note("a.local.");
        heard.note("b.local.");
        heard.note("a.local.");
        assertEquals(List.of("b", "a"), heard.recent());
    }

    @Test
    void atMost64Names_theOneHeardLongestAgoGoesFirst() {
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            now++;
            heard.note("room" + i + ".local.");
            if (i >= 1000 - HeardNames.MAX_NAMES) expected.add("room" + i);
        }
        assertEquals(expected, heard.recent());
        heard.note("room936.local."); // the oldest one kept, heard again: now the newest, nothing else goes
        assertEquals(HeardNames.MAX_NAMES, heard.recent().size());
        assertEquals("room937", heard.recent().get(0));
    }

    @Test
    void onlyRoomNamesAreKept() {
        for (String name : new String[] {ServiceNames.META, "1.0.0.10.in-addr.arpa.", "_lanchat-doctor-abcdefabcdefabcd.local.", "evil\u001b[2J.local.",
                "bidi\u202eroom.local.", "no-domain", ".local.", null}) {
            heard.note(name);
        }
        assertEquals(List.of(), heard.recent());
        heard.note("_p2p._udp.local.");
        heard.note("caf\u00e9.local.");
        assertEquals(List.of("_p2p._udp", "caf\u00e9"), heard.recent());
    }
}
