package lanchat.api.testkit;

import java.util.concurrent.CompletionStage;

import lanchat.api.spi.ChannelLimits;
import lanchat.api.spi.ChannelListener;
import lanchat.api.spi.ProtocolChannel;
import lanchat.api.spi.ProtocolHandler;

/**
 * The smallest useful protocol, and the example of the README's "Adding a protocol": every message the peer sends on
 * a {@code /lanchat/example/echo/1.0.0} channel comes back unchanged (when the peer closes the channel, the transport
 * closes our side after the last echo). One class, and
 * one line to add it to a transport: {@code transport.registerProtocol(EchoProtocol.handler());}
 */
public final class EchoProtocol implements ChannelListener {
    public static final String ID = "/lanchat/example/echo/1.0.0";
    /** Small limits, so that the tests reach them quickly. */
    public static final ChannelLimits LIMITS = new ChannelLimits(64 * 1024, 256 * 1024, 128 * 1024, 8);

    public static ProtocolHandler handler() {
        return new ProtocolHandler(ID, LIMITS, channel -> channel.setListener(new EchoProtocol()));
    }

    /** Back-pressure for free: the message is done with once its echo is written, so a slow reader slows its writer. */
    @Override
    public CompletionStage<?> onMessage(ProtocolChannel channel, byte[] message) {
        return channel.send(message);
    }

    @Override
    public void onClosed(ProtocolChannel channel, Throwable cause) {
        // nothing held
    }
}
