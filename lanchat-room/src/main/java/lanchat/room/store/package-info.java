/**
 * The room history on disk: one SQLite database per identity ({@code DIR/<peerId>/history.db}) or in memory for
 * {@code --no-history}, through the same code. Confined to one thread (the room's); every change is one transaction,
 * committed with {@code synchronous=FULL} in WAL mode, so what a have-vector acknowledges is on disk and a kill -9 or a
 * power cut never loses it, never tears a row, never lets our own seq repeat. See the module README for the schema.
 */
package lanchat.room.store;
