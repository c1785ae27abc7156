package lanchat.api.spi;

import java.util.function.Consumer;

/**
 * A protocol the app accepts channels for: register it with {@link Transport#registerProtocol} before
 * {@link Transport#listen}. Inbound channels are handed to {@code onInbound} on the callback executor; the handler sets
 * a listener (or closes the channel). A peer that opens a protocol nobody registered is refused.
 *
 * @param id the protocol id, as libp2p spells them: {@code /name/version}, printable ASCII, at most 128 characters
 * @param limits what each channel may cost
 * @param onInbound called with every channel the peer opens for this protocol
 */
public record ProtocolHandler(String id, ChannelLimits limits, Consumer<ProtocolChannel> onInbound) {
    public ProtocolHandler {
        checkId(id);
        if (limits == null || onInbound == null) throw new IllegalArgumentException("limits and onInbound are required");
    }

    /** Throws unless {@code id} is a usable protocol id ({@code /…}, printable ASCII, 2–128 characters). */
    public static String checkId(String id) {
        if (id == null || id.length() < 2 || id.length() > 128 || id.charAt(0) != '/') {
            throw new IllegalArgumentException("a protocol id is /name/version, 2..128 characters: " + id);
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (c <= ' ' || c > '~') throw new IllegalArgumentException("a protocol id is printable ASCII without spaces: " + id);
        }
        return id;
    }
}
