package lanchat.app.tui;

import java.time.Instant;

import lanchat.api.PeerId;

/**
 * A chat line as a console shows it. {@code shownAs} and {@code text} are already made harmless
 * ({@link ChatShell#sanitize}); {@code sentAt} is null for a line that carries no time (shown with the time it arrived);
 * {@code author} is null when unknown (no colour then).
 */
public record ChatLine(Instant sentAt, PeerId author, String shownAs, String text) {
    /** What a pipe shows, and what scripts and the process tests parse: {@code bob: hello}. */
    public String plain() {
        return shownAs + ": " + text;
    }
}
