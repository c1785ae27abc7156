package lanchat.api.spi;

import java.io.IOException;

/** The peer does not speak the protocol a channel was opened for (or refused the channel for now). */
public final class ProtocolNotSupportedException extends IOException {
    private static final long serialVersionUID = 1L;

    public ProtocolNotSupportedException(String message) {
        super(message);
    }
}
