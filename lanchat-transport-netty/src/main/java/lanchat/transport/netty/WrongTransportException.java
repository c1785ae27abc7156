package lanchat.transport.netty;

import java.io.IOException;

/** The peer is not a netty-transport node; the message says what it seems to be. */
final class WrongTransportException extends IOException {
    WrongTransportException(String message) {
        super(message);
    }
}
