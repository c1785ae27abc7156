package lanchat.transport.libp2p.nick;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import lanchat.api.ChatMessage;
import lanchat.transport.libp2p.wire.UnsignedVarint;

/**
 * {@code /lanchat/nick/1.0.0}: how two LAN Chat nodes tell each other their nicks over libp2p, whose chat streams
 * carry bare text. The opener writes one varint-length-prefixed UTF-8 nick and closes the stream:
 *
 * <pre>
 * +---------------+-----------------------+
 * | varint length | nick (UTF-8, ≤ 128 B) |
 * +---------------+-----------------------+
 * </pre>
 *
 * Peers that do not speak it (go-libp2p, js-libp2p) answer {@code na} and are simply shown by peer id.
 */
public final class NickProtocol {
    public static final String ID = "/lanchat/nick/1.0.0";
    /** {@link ChatMessage#MAX_NICK} characters of up to 4 UTF-8 bytes. */
    public static final int MAX_BYTES = 4 * ChatMessage.MAX_NICK;

    private NickProtocol() {}

    public static ByteBuf encode(ByteBufAllocator alloc, String nick) {
        byte[] b = nick.getBytes(StandardCharsets.UTF_8);
        ByteBuf out = alloc.buffer(UnsignedVarint.size(b.length) + b.length);
        return UnsignedVarint.write(out, b.length).writeBytes(b);
    }

    /** The nick in a frame, if it is a valid one; a bad nick is dropped, not fatal. */
    public static Optional<String> decode(ByteBuf frame) {
        String nick = frame.toString(StandardCharsets.UTF_8);
        try {
            return Optional.of(ChatMessage.checkNick(nick));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
