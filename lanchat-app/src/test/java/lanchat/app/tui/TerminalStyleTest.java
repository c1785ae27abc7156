package lanchat.app.tui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import lanchat.api.Identity;
import lanchat.api.PeerId;
import org.jline.utils.AttributedString;
import org.jline.utils.AttributedStyle;
import org.junit.jupiter.api.Test;

/** Message lines on an interactive terminal: the local time, and the author in a colour of its own when allowed. */
class TerminalStyleTest {
    /** 2026-12-05 13:07:30 UTC is 18:37 in Kolkata (+05:30): a zone of its own, whatever the machine's is. */
    static final Instant NOW = Instant.parse("2026-12-05T13:07:30Z");
    static final Clock KOLKATA = Clock.fixed(NOW, ZoneId.of("Asia/Kolkata"));
    static final PeerId ALICE = Identity.generate().peerId();

    @Test
    void aLineShowsTheLocalTimeOfTheInjectedClockTheAuthorAndTheText() {
        TerminalStyle style = new TerminalStyle(KOLKATA, 256, Map.of());
        AttributedString line = style.message(new ChatLine(null, ALICE, "alice", "hi"));
        assertEquals("18:37 alice: hi", line.toString());
        // the same instant in another zone: another time, so the zone really is the clock's
        assertEquals("08:07 alice: hi", new TerminalStyle(Clock.fixed(NOW, ZoneId.of("America/New_York")), 256, Map.of())
                .message(new ChatLine(null, ALICE, "alice", "hi")).toString());
    }

    @Test
    void aLineCarryingItsTimeShowsThatTimeAndFromAnotherDayItsDate() {
        TerminalStyle style = new TerminalStyle(KOLKATA, 256, Map.of());
        assertEquals("17:00 alice: earlier", style.message(new ChatLine(Instant.parse("2026-12-05T11:30:00Z"), ALICE, "alice", "earlier")).toString());
        assertEquals("12-04 23:58 alice: yesterday", style.message(new ChatLine(Instant.parse("2026-12-04T18:28:00Z"), ALICE, "alice", "yesterday")).toString());
    }

    @Test
    void theAuthorIsInItsPeersColourAndNothingElseIsColoured() {
        TerminalStyle style = new TerminalStyle(KOLKATA, 256, Map.of());
        AttributedString line = style.message(new ChatLine(null, ALICE, "alice", "hi"));
        int colour = style.colourOf(ALICE);
        assertTrue(java.util.Arrays.stream(TerminalStyle.PALETTE_256).anyMatch(c -> c == colour));
        assertEquals(AttributedStyle.DEFAULT.foreground(colour).bold(), line.styleAt("18:37 ".length()));
        assertEquals(AttributedStyle.DEFAULT.foreground(colour).bold(), line.styleAt("18:37 alic".length()));
        assertEquals(AttributedStyle.DEFAULT, line.styleAt(0), "the time");
        assertEquals(AttributedStyle.DEFAULT, line.styleAt("18:37 alice: ".length()), "the text");
        assertTrue(line.toAnsi(256, org.jline.utils.AttributedCharSequence.ForceMode.None).contains("38;5;" + colour), line.toAnsi());
    }

    @Test
    void aPeerKeepsItsColourAcrossRunsAndPeersAreSpreadOverThePalette() {
        TerminalStyle one = new TerminalStyle(KOLKATA, 256, Map.of());
        TerminalStyle other = new TerminalStyle(Clock.systemUTC(), 256, Map.of());
        Set<Integer> used = new HashSet<>();
        for (int i = 0; i < 64; i++) {
            PeerId p = Identity.generate().peerId();
            assertEquals(one.colourOf(p), other.colourOf(p));
            // the colour is the id's: a copy of the id made from its text gets the same
            assertEquals(one.colourOf(p), one.colourOf(PeerId.parse(p.toString())));
            used.add(one.colourOf(p));
        }
        assertTrue(used.size() >= 5, "64 random peers use only " + used);
    }

    @Test
    void anEightColourTerminalGetsBasicColours() {
        TerminalStyle style = new TerminalStyle(KOLKATA, 8, Map.of());
        int colour = style.colourOf(ALICE);
        assertTrue(java.util.Arrays.stream(TerminalStyle.PALETTE_8).anyMatch(c -> c == colour), "colour " + colour);
    }

    @Test
    void noColourWhenNoColorIsSetToAnythingOrTheTerminalHasNone() {
        for (TerminalStyle style : new TerminalStyle[] {
                new TerminalStyle(KOLKATA, 256, Map.of("NO_COLOR", "1")),
                new TerminalStyle(KOLKATA, 256, Map.of("NO_COLOR", "false")), // any non-empty value (no-color.org)
                new TerminalStyle(KOLKATA, 2, Map.of()),
                new TerminalStyle(KOLKATA, -1, Map.of())}) {
            assertFalse(style.coloured());
            AttributedString line = style.message(new ChatLine(null, ALICE, "alice", "hi"));
            assertEquals("18:37 alice: hi", line.toString(), "the time stays");
            assertFalse(line.toAnsi(256, org.jline.utils.AttributedCharSequence.ForceMode.None).contains("\u001B["), "no escape at all");
        }
        // set but empty does not disable (no-color.org)
        assertTrue(new TerminalStyle(KOLKATA, 256, Map.of("NO_COLOR", "")).coloured());
    }

    @Test
    void aLineWithoutAKnownAuthorIsNotColoured() {
        TerminalStyle style = new TerminalStyle(KOLKATA, 256, Map.of());
        assertEquals(-1, style.colourOf(null));
        AttributedString line = style.message(new ChatLine(null, null, "x", "y"));
        assertNotEquals(-1, style.colourOf(ALICE));
        assertFalse(line.toAnsi(256, org.jline.utils.AttributedCharSequence.ForceMode.None).contains("\u001B["));
    }
}
