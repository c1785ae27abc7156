package lanchat.api.spi;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletionStage;

/** Events of one {@link ProtocolChannel}, delivered in order on the transport's callback executor. */
public interface ChannelListener {
    /**
     * One message, whole. It counts against the channel's receive buffer until this returns, or, when this returns a
     * stage, until that completes: a listener that hands the message on (to a disk, to another channel's
     * {@link ProtocolChannel#send}) returns that work's stage, and the channel stops reading while too much of it is
     * pending, so the sender slows down instead of anyone buffering.
     *
     * @return null when the message is done with, or a stage that completes when it is
     */
    CompletionStage<?> onMessage(ProtocolChannel channel, byte[] message);

    /**
     * One message, whole, as a read-only view of the transport's own buffer, for a listener that only passes the bytes
     * on (to a file, a digest) and would otherwise pay for a copy into an array: the libp2p stream channel calls this
     * with its decoded frame. The view (and the memory behind it) is valid until this returns, or, when this returns a
     * stage, until that completes; it counts against the receive buffer exactly like {@link #onMessage(ProtocolChannel,
     * byte[])}. A transport that already holds the message as an array (netty's channels) calls that method instead,
     * so a listener that overrides this one makes its array method wrap the array ({@link ByteBuffer#wrap}).
     *
     * <p>The default copies the view into an array and calls {@link #onMessage(ProtocolChannel, byte[])}: a listener that
     * does not override this sees no difference.
     *
     * @return null when the message is done with, or a stage that completes when it is
     */
    default CompletionStage<?> onMessageView(ProtocolChannel channel, ByteBuffer message) {
        byte[] copy = new byte[message.remaining()];
        message.get(copy);
        return onMessage(channel, copy);
    }

    /**
     * The channel ended: {@code cause} is null when either side closed it gracefully (after every message), else why
     * it was aborted (a reset, the session gone, a message over the limit). Delivered exactly once, last.
     */
    void onClosed(ProtocolChannel channel, Throwable cause);
}
