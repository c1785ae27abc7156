package lanchat.room;

import java.nio.file.Path;

import lanchat.room.store.RoomStore;

/** Stores that fail like a machine where SQLite's native library cannot load (both, or only the file). */
final class NoSqliteStores implements Room.Stores {
    private final boolean inMemoryToo;

    NoSqliteStores(boolean inMemoryToo) {
        this.inMemoryToo = inMemoryToo;
    }

    @Override
    public RoomStore open(Path file) {
        throw new UnsatisfiedLinkError("no sqlitejdbc in java.library.path");
    }

    @Override
    public RoomStore inMemory() {
        if (inMemoryToo) throw new UnsatisfiedLinkError("no sqlitejdbc in java.library.path");
        return RoomStore.inMemory();
    }
}
