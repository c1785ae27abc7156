package lanchat.api.spi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.junit.jupiter.api.Test;

/** The view method's default: a listener that only knows arrays gets the view's bytes, and its stage is passed on. */
class ChannelListenerTest {
    @Test
    void theDefaultViewMethodHandsTheViewsBytesToTheArrayMethod() {
        CompletableFuture<Void> work = new CompletableFuture<>();
        byte[][] got = new byte[1][];
        ChannelListener arrays = new ChannelListener() {
            @Override
            public CompletionStage<?> onMessage(ProtocolChannel channel, byte[] message) {
                got[0] = message;
                return work;
            }

            @Override
            public void onClosed(ProtocolChannel channel, Throwable cause) {}
        };
        ByteBuffer frame = ByteBuffer.allocateDirect(8).put(new byte[] {9, 9, 1, 2, 3, 4, 9, 9});
        ByteBuffer view = frame.slice(2, 4).asReadOnlyBuffer(); // a message inside a larger buffer, as a frame is
        assertSame(work, arrays.onMessageView(null, view));
        assertArrayEquals(new byte[] {1, 2, 3, 4}, got[0]);
    }
}
