package lanchat.room.store;

import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Optional;

import lanchat.api.Identity;
import lanchat.room.wire.MessageBody;
import lanchat.room.wire.SignedMessage;

/**
 * The child process of {@link KillTest}: posts in a loop into a history database and prints each seq once its
 * transaction has committed (what it prints is what it has acknowledged), until killed or {@code max} posts.
 */
public final class CrashPoster {
    private CrashPoster() {}

    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[0]);
        Identity me = Identity.fromSeed(HexFormat.of().parseHex(args[1]));
        long max = Long.parseLong(args[2]);
        try (RoomStore store = RoomStore.open(file)) {
            for (long i = 0; i < max; i++) {
                long now = System.currentTimeMillis();
                long n = i;
                SignedMessage m = store.appendOwn(KillTest.ROOM, now, now, seq -> SignedMessage.sign(me,
                        new MessageBody(KillTest.ROOM, me.publicKey(), seq, now << 16 | (n & 0xFFFF), now, "", "burst line " + n, Optional.empty())));
                System.out.println(m.seq());
                System.out.flush();
            }
        }
    }
}
