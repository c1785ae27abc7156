package lanchat.api.ui;

import lanchat.api.PeerId;

/** A connected peer as a front end shows it. {@code nick} is null until the peer has said one. */
public record PeerView(PeerId peer, String nick, String address, String transport, String direction) {}
