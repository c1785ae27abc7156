package lanchat.room;

import java.util.List;

import lanchat.api.PeerId;

/**
 * One of our messages that not every member holds yet, for {@code /pending}.
 *
 * @param missing the members (of those present when it was sent, or since, when nobody was) that do not hold it; empty
 *     while nobody is there to hold it
 */
public record PendingMessage(RoomMessage message, List<PeerId> missing) {
    public PendingMessage {
        missing = List.copyOf(missing);
    }
}
