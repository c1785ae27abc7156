package lanchat.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ChatMessageTest {
    @Test
    void nickIsOptional() {
        assertEquals(Optional.empty(), ChatMessage.of(null, "hi").nick());
        assertEquals(Optional.empty(), new ChatMessage(null, "hi").nick());
        assertEquals(Optional.of("alice"), ChatMessage.of("alice", "hi").nick());
        assertEquals("", ChatMessage.of("alice", "").text(), "empty text is allowed");
    }

    @Test
    void textIsRequired() {
        assertEquals("message text is required", assertThrows(IllegalArgumentException.class, () -> ChatMessage.of("a", null)).getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"a", "Zoë", "日本語", "x_y-z.1", "abcdefghijabcdefghijabcdefghij12"})
    void validNicks(String nick) {
        assertEquals(nick, ChatMessage.checkNick(nick));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "abcdefghijabcdefghijabcdefghij123", "two words", "tab\there", "new\nline", "bell\u0007", "del\u007f", "em\u2003space", "c1\u0085",
        "no-break\u00a0space", "figure\u2007space", "narrow\u202fno-break", "alice\u00a0"})
    void invalidNicksAreRejected(String nick) {
        assertThrows(IllegalArgumentException.class, () -> ChatMessage.checkNick(nick));
        assertThrows(IllegalArgumentException.class, () -> ChatMessage.of(nick, "hi"));
    }
}
