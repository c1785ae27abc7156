package lanchat.room.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.LongFunction;

import lanchat.api.PeerId;
import lanchat.room.wire.SignedMessage;
import org.sqlite.SQLiteConfig;

/**
 * The room log's SQLite store. Not thread-safe: the room confines it to its own thread. Every method that changes
 * something runs one transaction; {@link #appendOwn} allocates our next seq, inserts the signed message and commits
 * before the caller sends a byte, so a seq is never handed out twice, even across a crash.
 *
 * <p>Schema (version 1):
 * <pre>
 * messages(n INTEGER PRIMARY KEY, room, author BLOB, seq, hlc, sent_at, nick, text, relayed_from BLOB, id BLOB,
 *          envelope BLOB, received_at, shown, delivered, UNIQUE(room, author, seq))   -- index (room, hlc, author, seq)
 * messages_fts  fts5(text), external content = messages, kept by triggers
 * authors(room, author, low, high, touched, PRIMARY KEY(room, author))   -- contiguous high-water marks
 * own(room PRIMARY KEY, last_seq)                                          -- our last allocated seq per room
 * meta(key PRIMARY KEY, value)                                             -- schema version
 * </pre>
 */
public final class RoomStore implements AutoCloseable {
    /** What {@link #insert} did with a message. */
    public enum Insert { INSERTED, DUPLICATE, CONFLICT }

    static final int SCHEMA_VERSION = 1;
    /** Marks of authors we hold nothing of that are kept at most (the most recently touched). */
    static final int MAX_EMPTY_MARKS = 4096;
    private static final String COLUMNS = "envelope, received_at, shown, delivered";

    private final Connection db;
    private final PreparedStatement insertMessage, selectId, selectMark, insertMark, updateMark, nextSeqs, selectOwn, upsertOwn;

    private RoomStore(Connection db) throws SQLException {
        this.db = db;
        createSchema();
        insertMessage = db.prepareStatement("INSERT OR IGNORE INTO messages(room, author, seq, hlc, sent_at, nick, text, relayed_from, id, envelope, received_at, shown, delivered)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)");
        selectId = db.prepareStatement("SELECT id FROM messages WHERE room = ? AND author = ? AND seq = ?");
        selectMark = db.prepareStatement("SELECT low, high FROM authors WHERE room = ? AND author = ?");
        insertMark = db.prepareStatement("INSERT INTO authors(room, author, low, high, touched) VALUES (?, ?, ?, ?, ?)");
        updateMark = db.prepareStatement("UPDATE authors SET low = ?, high = ?, touched = ? WHERE room = ? AND author = ?");
        nextSeqs = db.prepareStatement("SELECT seq FROM messages WHERE room = ? AND author = ? AND seq > ? ORDER BY seq LIMIT 256");
        selectOwn = db.prepareStatement("SELECT last_seq FROM own WHERE room = ?");
        upsertOwn = db.prepareStatement("INSERT INTO own(room, last_seq) VALUES (?, ?) ON CONFLICT(room) DO UPDATE SET last_seq = max(last_seq, excluded.last_seq)");
    }

    /**
     * Opens (creating it when missing) the database file {@code file}. Directories it creates are the owner's only, as
     * the identity file is: a chat history is nobody else's business.
     */
    public static RoomStore open(Path file) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        if (dir != null && !Files.isDirectory(dir)) {
            try {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            } catch (UnsupportedOperationException notPosix) {
                Files.createDirectories(dir);
            }
        }
        return connect("jdbc:sqlite:" + file.toAbsolutePath());
    }

    /** A store that lives as long as this object ({@code --no-history}): the same code, nothing on disk. */
    public static RoomStore inMemory() {
        try {
            return connect("jdbc:sqlite::memory:");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static RoomStore connect(String url) throws IOException {
        SQLiteConfig config = new SQLiteConfig();
        config.setJournalMode(SQLiteConfig.JournalMode.WAL);
        // FULL: every commit is on disk before it returns. What we acknowledge in a have-vector must survive a
        // power cut, and our own seq must never be handed out twice; transactions are few (one per post or frame).
        config.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
        config.setBusyTimeout(5_000); // the default 0 fails at once when a second room or a tool holds the lock
        config.enforceForeignKeys(false);
        Connection c = null;
        try {
            c = config.createConnection(url);
            return new RoomStore(c);
        } catch (SQLException e) {
            if (c != null) {
                try {
                    c.close();
                } catch (SQLException ignored) {
                    // already failing
                }
            }
            throw new IOException("cannot open the history database " + url.substring("jdbc:sqlite:".length()) + ": " + e.getMessage(), e);
        }
    }

    private void createSchema() throws SQLException {
        try (Statement s = db.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID");
            try (ResultSet r = s.executeQuery("SELECT value FROM meta WHERE key = 'schema'")) {
                if (r.next() && Integer.parseInt(r.getString(1)) != SCHEMA_VERSION) {
                    throw new SQLException("history database has schema " + r.getString(1) + ", this version reads " + SCHEMA_VERSION);
                }
            }
            s.execute("BEGIN IMMEDIATE");
            s.execute("CREATE TABLE IF NOT EXISTS messages (n INTEGER PRIMARY KEY, room TEXT NOT NULL, author BLOB NOT NULL, seq INTEGER NOT NULL,"
                    + " hlc INTEGER NOT NULL, sent_at INTEGER NOT NULL, nick TEXT NOT NULL, text TEXT NOT NULL, relayed_from BLOB, id BLOB NOT NULL,"
                    + " envelope BLOB NOT NULL, received_at INTEGER NOT NULL, shown INTEGER NOT NULL, delivered INTEGER NOT NULL, UNIQUE (room, author, seq))");
            s.execute("CREATE INDEX IF NOT EXISTS messages_order ON messages(room, hlc, author, seq)");
            // external content: the text is stored once (in messages); the triggers keep the index in step
            s.execute("CREATE VIRTUAL TABLE IF NOT EXISTS messages_fts USING fts5(text, content='messages', content_rowid='n')");
            s.execute("CREATE TRIGGER IF NOT EXISTS messages_ai AFTER INSERT ON messages BEGIN INSERT INTO messages_fts(rowid, text) VALUES (new.n, new.text); END");
            s.execute("CREATE TRIGGER IF NOT EXISTS messages_ad AFTER DELETE ON messages BEGIN INSERT INTO messages_fts(messages_fts, rowid, text) VALUES ('delete', old.n, old.text); END");
            s.execute("CREATE TABLE IF NOT EXISTS authors (room TEXT NOT NULL, author BLOB NOT NULL, low INTEGER NOT NULL, high INTEGER NOT NULL,"
                    + " touched INTEGER NOT NULL, PRIMARY KEY (room, author)) WITHOUT ROWID");
            s.execute("CREATE TABLE IF NOT EXISTS own (room TEXT PRIMARY KEY, last_seq INTEGER NOT NULL) WITHOUT ROWID");
            s.execute("INSERT OR IGNORE INTO meta(key, value) VALUES ('schema', '" + SCHEMA_VERSION + "')");
            s.execute("COMMIT");
        } catch (SQLException e) {
            rollback();
            throw e;
        }
    }

    /**
     * Allocates our next seq in {@code room}, lets {@code sign} make the message for it, stores it (shown) and commits,
     * all in one transaction. A room we never posted in starts at {@code firstSeq}.
     */
    public SignedMessage appendOwn(String room, long firstSeq, long now, LongFunction<SignedMessage> sign) {
        return transaction(() -> {
            long last = lastOwnSeq(room);
            long seq = last == 0 ? Math.max(1, firstSeq) : last + 1;
            SignedMessage m = sign.apply(seq);
            if (m.seq() != seq) throw new IllegalStateException("signed seq " + m.seq() + ", allocated " + seq);
            if (last == 0 && seq > 1) skip(room, m.author(), seq - 1, now); // nothing of ours below a fresh start to wait for
            if (insertOne(m, now, true) != Insert.INSERTED) throw new SQLException("seq " + seq + " of our own is already taken");
            setOwn(room, seq);
            return m;
        });
    }

    /** The last seq we allocated in {@code room}; 0 when we never posted there (or the store is new). */
    public long lastOwnSeq(String room) {
        return query(() -> {
            selectOwn.setString(1, room);
            try (ResultSet r = selectOwn.executeQuery()) {
                return r.next() ? r.getLong(1) : 0L;
            }
        });
    }

    /** Makes sure our next seq in {@code room} is above {@code seq} (peers hold messages of ours this store lost). */
    public void raiseOwnSeq(String room, long seq) {
        transaction(() -> {
            setOwn(room, seq);
            return null;
        });
    }

    private void setOwn(String room, long seq) throws SQLException {
        upsertOwn.setString(1, room);
        upsertOwn.setLong(2, seq);
        upsertOwn.executeUpdate();
    }

    /** Inserts each message unless its (room, author, seq) is taken; one transaction for all. */
    public List<Insert> insert(List<SignedMessage> messages, long now, boolean shown) {
        return transaction(() -> {
            List<Insert> out = new ArrayList<>(messages.size());
            for (SignedMessage m : messages) out.add(insertOne(m, now, shown));
            return out;
        });
    }

    private Insert insertOne(SignedMessage m, long now, boolean shown) throws SQLException {
        String room = m.body().room();
        byte[] author = m.author().toBytes();
        insertMessage.setString(1, room);
        insertMessage.setBytes(2, author);
        insertMessage.setLong(3, m.seq());
        insertMessage.setLong(4, m.hlc());
        insertMessage.setLong(5, m.body().sentAt());
        insertMessage.setString(6, m.body().nick());
        insertMessage.setString(7, m.body().text());
        insertMessage.setBytes(8, m.body().relayedFrom().map(PeerId::toBytes).orElse(null));
        insertMessage.setBytes(9, m.id());
        insertMessage.setBytes(10, m.envelope());
        insertMessage.setLong(11, now);
        insertMessage.setInt(12, shown ? 1 : 0);
        if (insertMessage.executeUpdate() == 0) {
            selectId.setString(1, room);
            selectId.setBytes(2, author);
            selectId.setLong(3, m.seq());
            try (ResultSet r = selectId.executeQuery()) {
                return r.next() && Arrays.equals(r.getBytes(1), m.id()) ? Insert.DUPLICATE : Insert.CONFLICT;
            }
        }
        AuthorMark mark = markOrNull(room, m.author());
        if (mark == null) {
            insertMark(room, author, m.seq(), 0, now);
            mark = new AuthorMark(m.author(), m.seq(), 0);
        }
        long low = Math.min(mark.low(), m.seq());
        long high = m.seq() == mark.high() + 1 ? advance(room, author, m.seq()) : mark.high();
        writeMark(room, author, low, high, now);
        return Insert.INSERTED;
    }

    /** From a held {@code high}, the end of the run of consecutive seqs held after it. */
    private long advance(String room, byte[] author, long high) throws SQLException {
        while (true) {
            nextSeqs.setString(1, room);
            nextSeqs.setBytes(2, author);
            nextSeqs.setLong(3, high);
            int rows = 0;
            try (ResultSet r = nextSeqs.executeQuery()) {
                while (r.next()) {
                    rows++;
                    if (r.getLong(1) != high + 1) return high;
                    high++;
                }
            }
            if (rows < 256) return high;
        }
    }

    /**
     * A peer that answered for {@code author} up to {@code through} sent all it holds: what we still lack below
     * {@code through} was pruned there, so the mark moves over it (it is no longer asked for; it is still taken if it
     * comes).
     */
    public AuthorMark skipTo(String room, PeerId author, long through, long now) {
        return transaction(() -> skip(room, author, through, now));
    }

    private AuthorMark skip(String room, PeerId author, long through, long now) throws SQLException {
        byte[] a = author.toBytes();
        AuthorMark mark = markOrNull(room, author);
        if (mark == null) {
            insertMark(room, a, through + 1, 0, now);
            mark = new AuthorMark(author, through + 1, 0);
        }
        if (through <= mark.high()) return mark;
        long high = advance(room, a, through);
        writeMark(room, a, mark.low(), high, now);
        return new AuthorMark(author, mark.low(), high);
    }

    private void insertMark(String room, byte[] author, long low, long high, long now) throws SQLException {
        insertMark.setString(1, room);
        insertMark.setBytes(2, author);
        insertMark.setLong(3, low);
        insertMark.setLong(4, high);
        insertMark.setLong(5, now);
        insertMark.executeUpdate();
    }

    private void writeMark(String room, byte[] author, long low, long high, long now) throws SQLException {
        updateMark.setLong(1, low);
        updateMark.setLong(2, high);
        updateMark.setLong(3, now);
        updateMark.setString(4, room);
        updateMark.setBytes(5, author);
        updateMark.executeUpdate();
    }

    private AuthorMark markOrNull(String room, PeerId author) throws SQLException {
        selectMark.setString(1, room);
        selectMark.setBytes(2, author.toBytes());
        try (ResultSet r = selectMark.executeQuery()) {
            return r.next() ? new AuthorMark(author, r.getLong(1), r.getLong(2)) : null;
        }
    }

    /** The id of the message at (room, author, seq), or null when none is held. */
    public byte[] idOf(String room, PeerId author, long seq) {
        return query(() -> {
            selectId.setString(1, room);
            selectId.setBytes(2, author.toBytes());
            selectId.setLong(3, seq);
            try (ResultSet r = selectId.executeQuery()) {
                return r.next() ? r.getBytes(1) : null;
            }
        });
    }

    /** The mark of one author; {@code (1, 0)}-like empty mark when we hold nothing of it. */
    public AuthorMark mark(String room, PeerId author) {
        return query(() -> {
            AuthorMark m = markOrNull(room, author);
            return m == null ? new AuthorMark(author, 1, 0) : m;
        });
    }

    /** Every author's mark in {@code room}, the most recently active first (summaries and have-vectors are capped). */
    public List<AuthorMark> marks(String room, int max) {
        return query(() -> {
            List<AuthorMark> out = new ArrayList<>();
            try (PreparedStatement p = db.prepareStatement("SELECT author, low, high FROM authors WHERE room = ? ORDER BY touched DESC, author LIMIT ?")) {
                p.setString(1, room);
                p.setInt(2, max);
                try (ResultSet r = p.executeQuery()) {
                    while (r.next()) out.add(new AuthorMark(PeerId.fromBytes(r.getBytes(1)), r.getLong(2), r.getLong(3)));
                }
            }
            return out;
        });
    }

    /**
     * Envelopes of {@code author} with seq in {@code [from, to]}, ascending, at most {@code limit} of them and (after
     * the first) at most {@code maxBytes} together: one page of a WANT's answer.
     */
    public List<SignedMessage> page(String room, PeerId author, long from, long to, int limit, int maxBytes) {
        return query(() -> {
            List<SignedMessage> out = new ArrayList<>();
            try (PreparedStatement p = db.prepareStatement("SELECT envelope FROM messages WHERE room = ? AND author = ? AND seq BETWEEN ? AND ? ORDER BY seq LIMIT ?")) {
                p.setString(1, room);
                p.setBytes(2, author.toBytes());
                p.setLong(3, from);
                p.setLong(4, to);
                p.setInt(5, limit);
                int bytes = 0;
                try (ResultSet r = p.executeQuery()) {
                    while (r.next()) {
                        byte[] e = r.getBytes(1);
                        if (!out.isEmpty() && bytes + e.length > maxBytes) break;
                        bytes += e.length;
                        out.add(SignedMessage.trusted(e));
                    }
                }
            }
            return out;
        });
    }

    /** The largest hlc stored in {@code room} (0 when empty): our clock never restarts below it. */
    public long maxHlc(String room) {
        return scalar("SELECT max(hlc) FROM messages WHERE room = ?", room);
    }

    /** The last {@code n} messages of the room in room order (hlc, author, seq), oldest first. */
    public List<StoredMessage> history(String room, int n) {
        return select("SELECT " + COLUMNS + " FROM (SELECT * FROM messages WHERE room = ? ORDER BY hlc DESC, author DESC, seq DESC LIMIT ?) ORDER BY hlc, author, seq",
                room, n);
    }

    /** Messages whose text matches {@code text} (words, the last one as a prefix), newest first, at most {@code limit}. */
    public List<StoredMessage> search(String room, String text, int limit) {
        String phrase = text.strip();
        if (phrase.isEmpty()) return List.of();
        // one FTS5 phrase (quotes doubled), so what the user typed is never read as query syntax
        String match = "\"" + phrase.replace("\"", "\"\"") + "\"*";
        return select("SELECT " + COLUMNS + " FROM messages WHERE n IN (SELECT rowid FROM messages_fts WHERE messages_fts MATCH ?) AND room = ?"
                + " ORDER BY hlc DESC, author DESC, seq DESC LIMIT ?", match, room, limit);
    }

    /** Messages stored but never handed to the app (a crash between the two), in room order, at most {@code limit}. */
    public List<StoredMessage> unshown(String room, int limit) {
        return select("SELECT " + COLUMNS + " FROM messages WHERE room = ? AND shown = 0 ORDER BY hlc, author, seq LIMIT ?", room, limit);
    }

    /** Our messages not yet delivered to every member, in seq order. */
    public List<StoredMessage> undelivered(String room, PeerId self, int limit) {
        return select("SELECT " + COLUMNS + " FROM messages WHERE room = ? AND author = ? AND delivered = 0 AND relayed_from IS NULL ORDER BY seq LIMIT ?",
                room, self.toBytes(), limit);
    }

    public void markShown(List<SignedMessage> messages) {
        flag("UPDATE messages SET shown = 1 WHERE room = ? AND author = ? AND seq = ?", messages);
    }

    public void markDelivered(List<SignedMessage> messages) {
        flag("UPDATE messages SET delivered = 1 WHERE room = ? AND author = ? AND seq = ?", messages);
    }

    private void flag(String sql, List<SignedMessage> messages) {
        if (messages.isEmpty()) return;
        transaction(() -> {
            try (PreparedStatement p = db.prepareStatement(sql)) {
                for (SignedMessage m : messages) {
                    p.setString(1, m.body().room());
                    p.setBytes(2, m.author().toBytes());
                    p.setLong(3, m.seq());
                    p.addBatch();
                }
                p.executeBatch();
            }
            return null;
        });
    }

    /** How many messages {@code room} holds. */
    public int count(String room) {
        return (int) scalar("SELECT count(*) FROM messages WHERE room = ?", room);
    }

    /** One number about a room (0 for NULL). */
    private long scalar(String sql, String room) {
        return query(() -> {
            try (PreparedStatement p = db.prepareStatement(sql)) {
                p.setString(1, room);
                try (ResultSet r = p.executeQuery()) {
                    return r.next() ? r.getLong(1) : 0L;
                }
            }
        });
    }

    /**
     * Deletes at most {@code batch} of the room's oldest messages (room order) beyond the newest {@code keep}, or with
     * an hlc below {@code minHlc}; the marks' {@code low} follow, their {@code high} never moves back (what was
     * pruned is not missing). Author marks with nothing held go when untouched since before {@code forgetBefore} (ms)
     * or beyond the newest {@value #MAX_EMPTY_MARKS}.
     *
     * @return how many messages were deleted (call again while it returns {@code batch})
     */
    public int prune(String room, int keep, long minHlc, int batch, long forgetBefore) {
        return transaction(() -> {
            int deleted;
            try (PreparedStatement p = db.prepareStatement("DELETE FROM messages WHERE n IN (SELECT n FROM messages WHERE room = ? AND"
                    + " (hlc < ? OR n NOT IN (SELECT n FROM messages WHERE room = ? ORDER BY hlc DESC, author DESC, seq DESC LIMIT ?))"
                    + " ORDER BY hlc, author, seq LIMIT ?)")) {
                p.setString(1, room);
                p.setLong(2, minHlc);
                p.setString(3, room);
                p.setInt(4, keep);
                p.setInt(5, batch);
                deleted = p.executeUpdate();
            }
            if (deleted > 0) {
                try (PreparedStatement p = db.prepareStatement("UPDATE authors SET low = coalesce((SELECT min(seq) FROM messages m WHERE m.room = authors.room"
                        + " AND m.author = authors.author), high + 1) WHERE room = ?")) {
                    p.setString(1, room);
                    p.executeUpdate();
                }
            }
            // marks with nothing held go when untouched long enough, or beyond the newest MAX_EMPTY_MARKS: a flood of
            // one-message authors must not grow the table for days
            try (PreparedStatement p = db.prepareStatement("DELETE FROM authors WHERE room = ? AND NOT EXISTS"
                    + " (SELECT 1 FROM messages m WHERE m.room = authors.room AND m.author = authors.author)"
                    + " AND (touched < ? OR author NOT IN (SELECT author FROM authors WHERE room = ? ORDER BY touched DESC LIMIT ?))")) {
                p.setString(1, room);
                p.setLong(2, forgetBefore);
                p.setString(3, room);
                p.setInt(4, MAX_EMPTY_MARKS);
                p.executeUpdate();
            }
            return deleted;
        });
    }

    /** SQLite's own consistency check ({@code PRAGMA integrity_check}); "ok" when sound. */
    public String integrityCheck() {
        return query(() -> {
            try (Statement s = db.createStatement(); ResultSet r = s.executeQuery("PRAGMA integrity_check")) {
                StringBuilder b = new StringBuilder();
                while (r.next()) b.append(b.length() == 0 ? "" : "; ").append(r.getString(1));
                return b.toString();
            }
        });
    }

    @Override
    public void close() {
        try {
            db.close();
        } catch (SQLException e) {
            throw new IllegalStateException("closing the history database: " + e.getMessage(), e);
        }
    }

    private List<StoredMessage> select(String sql, Object... args) {
        return query(() -> {
            List<StoredMessage> out = new ArrayList<>();
            try (PreparedStatement p = db.prepareStatement(sql)) {
                for (int i = 0; i < args.length; i++) p.setObject(i + 1, args[i]);
                try (ResultSet r = p.executeQuery()) {
                    while (r.next()) out.add(new StoredMessage(SignedMessage.trusted(r.getBytes(1)), r.getLong(2), r.getInt(3) != 0, r.getInt(4) != 0));
                }
            }
            return out;
        });
    }

    private interface Work<T> {
        T run() throws SQLException;
    }

    /**
     * Runs {@code work} in one transaction, committed when it returns, rolled back when it throws. IMMEDIATE takes the
     * write lock up front (waiting up to the busy timeout), so two processes on one database (same identity, same
     * data dir) queue instead of both reading our last seq and failing to upgrade. The connection stays in
     * auto-commit mode between transactions, so nothing holds a lock or pins the WAL while the room is idle.
     */
    private <T> T transaction(Work<T> work) {
        try {
            exec("BEGIN IMMEDIATE");
            try {
                T result = work.run();
                exec("COMMIT");
                return result;
            } catch (SQLException | RuntimeException e) {
                rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new StoreException(e);
        }
    }

    private void exec(String sql) throws SQLException {
        try (Statement s = db.createStatement()) {
            s.execute(sql);
        }
    }

    private void rollback() {
        try {
            exec("ROLLBACK");
        } catch (SQLException ignored) {
            // no transaction was open (BEGIN itself failed) or SQLite already rolled back
        }
    }

    private <T> T query(Work<T> work) {
        try {
            return work.run();
        } catch (SQLException e) {
            throw new StoreException(e);
        }
    }

    /** A database failure (disk full, file damaged, locked too long): the room reports it and keeps running. */
    public static final class StoreException extends RuntimeException {
        StoreException(SQLException cause) {
            super("history database: " + cause.getMessage(), cause);
        }
    }
}
