package lanchat.room.store;

import lanchat.room.wire.SignedMessage;

/**
 * A message as the store keeps it.
 *
 * @param receivedAt our wall clock when it was first stored, ms
 * @param shown whether the app was handed it (live, in a catch-up block, or as our own post)
 * @param delivered for our own messages: every member that was to get it has it
 */
public record StoredMessage(SignedMessage message, long receivedAt, boolean shown, boolean delivered) {}
