package lanchat.api.ui;

import lanchat.api.PeerId;

/**
 * A connected peer as a front end shows it. {@code nick} is null until the peer has said one. {@code room}: what the
 * peer is to the room, {@code member} (signed room log), {@code plain} (unsigned chat lines only) or {@code pending}
 * (not known yet).
 */
public record PeerView(PeerId peer, String nick, String address, String transport, String direction, String room) {}
