package lanchat.room;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

import lanchat.api.ChatMessage;
import lanchat.api.Identity;

/**
 * What a {@link Room} is opened with.
 *
 * @param room the room's name (as in {@code --rendezvous})
 * @param identity this node's key: it signs our messages and have-vectors
 * @param nick the nick put in our messages (empty: none)
 * @param dataDir where history is kept ({@code --data}, default {@code ~/.lanchat}); empty for {@code --no-history}
 *     (an in-memory store: same behaviour, gone at exit)
 * @param historyLimit messages kept per room ({@code --history-limit}, default 1,000)
 * @param historyAge how long messages are kept ({@code --history-hours}, default 24 h)
 */
public record RoomConfig(String room, Identity identity, String nick, Optional<Path> dataDir, int historyLimit, Duration historyAge) {
    public static final int DEFAULT_HISTORY_LIMIT = 1000;
    public static final Duration DEFAULT_HISTORY_AGE = Duration.ofHours(24);

    public RoomConfig {
        if (room == null || room.isEmpty() || room.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > lanchat.room.wire.WireLimits.MAX_ROOM_BYTES) {
            throw new IllegalArgumentException("room name must be 1-" + lanchat.room.wire.WireLimits.MAX_ROOM_BYTES + " bytes");
        }
        if (identity == null) throw new IllegalArgumentException("identity is required");
        nick = nick == null ? "" : nick;
        if (!nick.isEmpty()) ChatMessage.checkNick(nick);
        dataDir = dataDir == null ? Optional.empty() : dataDir;
        if (historyLimit < 1 || historyLimit > 1_000_000) throw new IllegalArgumentException("history limit must be 1..1000000 messages");
        if (historyAge == null || historyAge.isNegative() || historyAge.isZero()) throw new IllegalArgumentException("history age must be positive");
    }

    /** History in {@code ~/.lanchat}, the default retention, no nick. */
    public static RoomConfig of(String room, Identity identity) {
        return new RoomConfig(room, identity, "", Optional.of(defaultDataDir()), DEFAULT_HISTORY_LIMIT, DEFAULT_HISTORY_AGE);
    }

    /** {@code ~/.lanchat} */
    public static Path defaultDataDir() {
        return Path.of(System.getProperty("user.home"), ".lanchat");
    }

    public RoomConfig withNick(String nick) {
        return new RoomConfig(room, identity, nick, dataDir, historyLimit, historyAge);
    }

    /** Keeps history under {@code dir}; null: none on disk ({@code --no-history}). */
    public RoomConfig withDataDir(Path dir) {
        return new RoomConfig(room, identity, nick, Optional.ofNullable(dir), historyLimit, historyAge);
    }

    public RoomConfig withRetention(int limit, Duration age) {
        return new RoomConfig(room, identity, nick, dataDir, limit, age);
    }

    /** {@code DIR/<peerId>/history.db}: one database per identity, so two identities never mix their seqs. */
    public Optional<Path> databaseFile() {
        return dataDir.map(d -> d.resolve(identity.peerId().toString()).resolve("history.db"));
    }
}
