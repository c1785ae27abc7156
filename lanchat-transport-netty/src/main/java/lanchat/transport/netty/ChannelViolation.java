package lanchat.transport.netty;

import java.io.IOException;

/** The peer broke a protocol channel's rules (credit, message size, chunk order): that channel is reset. */
final class ChannelViolation extends IOException {
    private static final long serialVersionUID = 1L;

    ChannelViolation(String message) {
        super(message);
    }
}
