package lanchat.transport.netty;

import io.netty.buffer.ByteBuf;
import io.netty.util.ReferenceCounted;
import lanchat.api.ChatMessage;

/** What travels inside the encrypted channel; see {@link ChatFrameCodec} for the bytes. */
sealed interface ChatFrame {
    record Message(ChatMessage message) implements ChatFrame {}

    record Ping(long id) implements ChatFrame {}

    record Pong(long id) implements ChatFrame {}

    /** The sender is closing on purpose: not a failure. */
    record Bye() implements ChatFrame {}

    /** A frame of one protocol channel, carried by the connection's {@link ChannelMux}; {@code channel} is its id. */
    sealed interface ChannelFrame extends ChatFrame {
        int channel();
    }

    /** Asks the peer to open {@code channel} for {@code protocol}; answered by {@link Accept} or {@link Refuse}. */
    record Open(int channel, String protocol) implements ChannelFrame {}

    record Accept(int channel) implements ChannelFrame {}

    /** The peer does not take the channel: it does not speak the protocol, or has as many of it open as it allows. */
    record Refuse(int channel, String reason) implements ChannelFrame {}

    /**
     * One chunk of a message. The first chunk of each message carries the message's length ({@code messageLength >= 0}),
     * the others {@link #CONTINUATION}. Owns {@code payload}: whoever takes the frame releases it.
     */
    record Data(int channel, int messageLength, ByteBuf payload) implements ChannelFrame, ReferenceCounted {
        static final int CONTINUATION = -1;

        boolean first() {
            return messageLength != CONTINUATION;
        }

        @Override
        public int refCnt() { return payload.refCnt(); }

        @Override
        public Data retain() { payload.retain(); return this; }

        @Override
        public Data retain(int increment) { payload.retain(increment); return this; }

        @Override
        public Data touch() { payload.touch(); return this; }

        @Override
        public Data touch(Object hint) { payload.touch(hint); return this; }

        @Override
        public boolean release() { return payload.release(); }

        @Override
        public boolean release(int decrement) { return payload.release(decrement); }
    }

    /** The receiver has read {@code bytes} more of the channel: the sender may send that much more. */
    record Credit(int channel, int bytes) implements ChannelFrame {}

    /** The sender will send no more messages on the channel (like a FIN); the channel ends once both sides sent it. */
    record Close(int channel) implements ChannelFrame {}

    /** Aborts the channel at once. */
    record Reset(int channel) implements ChannelFrame {}
}
