package lanchat.transport.libp2p.channel;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletionStage;

import lanchat.api.spi.ChannelListener;
import lanchat.api.spi.ProtocolChannel;
import org.junit.jupiter.api.Test;

/**
 * Only a listener that overrides {@link ChannelListener#onMessageView} gets the frames themselves; the others get a
 * copy and the frame is released at once, so what they hold (their stage) pins no decode buffer.
 */
class StreamChannelViewsTest {
    static class Arrays implements ChannelListener {
        @Override
        public CompletionStage<?> onMessage(ProtocolChannel channel, byte[] message) { return null; }

        @Override
        public void onClosed(ProtocolChannel channel, Throwable cause) {}
    }

    static class Views extends Arrays {
        @Override
        public CompletionStage<?> onMessageView(ProtocolChannel channel, ByteBuffer message) { return null; }
    }

    /** A private class of another module's kind (the file service's download is one): still found by its public method. */
    private static final class PrivateViews extends Arrays {
        @Override
        public CompletionStage<?> onMessageView(ProtocolChannel channel, ByteBuffer message) { return null; }
    }

    @Test
    void onlyListenersThatOverrideTheViewMethodTakeViews() {
        assertFalse(StreamChannel.takesViews(new Arrays()));
        assertTrue(StreamChannel.takesViews(new Views()));
        assertTrue(StreamChannel.takesViews(new PrivateViews()));
        assertTrue(StreamChannel.takesViews(new Views() {}), "a subclass of one that does");
    }
}
