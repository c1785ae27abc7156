package lanchat.room.store;

import lanchat.api.PeerId;

/**
 * What the store holds of one author: nothing is missing up to {@code high} (every seq is held, was pruned, or was
 * reported unobtainable by a peer that answered for it); {@code low} is the smallest seq still held
 * ({@code high + 1} when none is).
 */
public record AuthorMark(PeerId author, long low, long high) {}
