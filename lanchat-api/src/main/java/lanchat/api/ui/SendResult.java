package lanchat.api.ui;

/** What became of a line sent: {@code peers} it went to now; {@code kept}: the room keeps it for members that join later. */
public record SendResult(int peers, boolean kept) {}
