package lanchat.app.tui;

import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Map;

import lanchat.api.PeerId;
import org.jline.utils.AttributedString;
import org.jline.utils.AttributedStringBuilder;
import org.jline.utils.AttributedStyle;

/**
 * How an interactive terminal dresses a chat line: {@code 14:05 alice: hi}, the time in the local zone of
 * {@code clock} (a line from another day also gets its date, {@code 12-04 23:58}) and the author in a colour of its
 * own. The colour comes from the author's peer id, so a peer keeps it across lines, nick changes and restarts, and two
 * peers with the same nick usually differ. Only on a terminal that has colours and when {@code NO_COLOR} is not set
 * (https://no-color.org: any non-empty value); pipes never get here (see {@link Console#decorates()}).
 */
final class TerminalStyle {
    /**
     * Mid-luminance colours of the 256-colour cube: readable on dark and on light backgrounds (no yellow, no navy,
     * no greys): red, orange, gold, green, teal, azure, violet, magenta.
     */
    static final int[] PALETTE_256 = {160, 166, 136, 34, 37, 33, 99, 163};
    /** For 8/16-colour terminals: the basic colours that read on both backgrounds (not yellow, white or black). */
    static final int[] PALETTE_8 = {AttributedStyle.RED, AttributedStyle.GREEN, AttributedStyle.BLUE, AttributedStyle.MAGENTA, AttributedStyle.CYAN};

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm");
    private static final DateTimeFormatter DAY_AND_TIME = DateTimeFormatter.ofPattern("MM-dd HH:mm");

    private final Clock clock;
    /** The palette in use; empty for no colour. */
    private final int[] palette;

    /** {@code colours}: how many the terminal has ({@code max_colors}, -1 when unknown). */
    TerminalStyle(Clock clock, int colours, Map<String, String> env) {
        this.clock = clock;
        String noColor = env.get("NO_COLOR");
        boolean wanted = noColor == null || noColor.isEmpty();
        this.palette = !wanted || colours < 8 ? new int[0] : colours >= 256 ? PALETTE_256 : PALETTE_8;
    }

    boolean coloured() {
        return palette.length > 0;
    }

    /** The peer's colour index (in this terminal's palette), or -1 without colour. */
    int colourOf(PeerId peer) {
        if (palette.length == 0 || peer == null) return -1;
        // String.hashCode is specified: the same peer gets the same colour in every run and on every machine
        return palette[Math.floorMod(peer.toString().hashCode(), palette.length)];
    }

    /** {@code 14:05 alice: hi}, the time from the line or, without one, now. */
    AttributedString message(ChatLine line) {
        Instant at = line.sentAt() != null ? line.sentAt() : clock.instant();
        ZonedDateTime local = at.atZone(clock.getZone());
        boolean today = local.toLocalDate().equals(LocalDate.now(clock));
        AttributedStringBuilder b = new AttributedStringBuilder();
        b.append((today ? TIME : DAY_AND_TIME).format(local)).append(' ');
        int colour = colourOf(line.author());
        if (colour >= 0) b.style(AttributedStyle.DEFAULT.foreground(colour).bold());
        b.append(line.shownAs());
        b.style(AttributedStyle.DEFAULT);
        b.append(": ").append(line.text());
        return b.toAttributedString();
    }
}
