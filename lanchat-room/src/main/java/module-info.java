/**
 * The room log: signed, replicated room history with catch-up, relay and receipts, kept in SQLite, spoken over the
 * transports' protocol channels as {@code /lanchat/room/1.0.0}. The app makes one {@link lanchat.room.Room} per room
 * and feeds it sessions; see the module README and DESIGN.md.
 */
module lanchat.room {
    requires lanchat.api;
    requires java.sql;
    requires org.xerial.sqlitejdbc;

    exports lanchat.room;
}
