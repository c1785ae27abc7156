package lanchat.api;

import java.util.Optional;

/**
 * One chat line. {@code nick} is the sender's chosen name when its transport carries one (the netty transport
 * does; libp2p chat streams carry bare text, so messages from go or js peers have none).
 */
public record ChatMessage(Optional<String> nick, String text) {
    /** Longest nick accepted on the wire or from {@code --nick}. */
    public static final int MAX_NICK = 32;

    public ChatMessage {
        if (text == null) throw new IllegalArgumentException("message text is required");
        nick = nick == null ? Optional.empty() : nick;
        nick.ifPresent(ChatMessage::checkNick);
    }

    public static ChatMessage of(String nick, String text) {
        return new ChatMessage(Optional.ofNullable(nick), text);
    }

    /** @throws IllegalArgumentException when the nick is empty, too long or has control or blank characters */
    public static String checkNick(String nick) {
        if (nick.isEmpty() || nick.length() > MAX_NICK) throw new IllegalArgumentException("nick must be 1-" + MAX_NICK + " characters");
        // isSpaceChar as well: isWhitespace is false for the no-break spaces (U+00A0, U+2007, U+202F)
        if (nick.codePoints().anyMatch(c -> Character.isISOControl(c) || Character.isWhitespace(c) || Character.isSpaceChar(c))) {
            throw new IllegalArgumentException("nick must not contain spaces or control characters");
        }
        return nick;
    }
}
