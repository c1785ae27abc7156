package lanchat.api.spi;

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
     * The channel ended: {@code cause} is null when either side closed it gracefully (after every message), else why
     * it was aborted (a reset, the session gone, a message over the limit). Delivered exactly once, last.
     */
    void onClosed(ProtocolChannel channel, Throwable cause);
}
