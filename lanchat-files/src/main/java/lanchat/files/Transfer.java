package lanchat.files;

import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

import lanchat.api.PeerId;

/**
 * One file going to or coming from one peer, as the user sees it: {@code /transfers} lists these, {@code /accept N},
 * {@code /cancel N} name them by {@link #number()}. Thread-safe: the service changes it, the app reads it.
 */
public final class Transfer {
    public enum Direction { SEND, RECEIVE }

    public enum State {
        /** Received offer waiting for /accept or /reject; for a sent offer, waiting for the peer to ask for bytes. */
        OFFERED,
        /** Accepted, waiting for a free transfer slot or for the peer's session. */
        WAITING,
        RUNNING,
        /** Cut (connection lost, peer busy); resumed from the last checkpoint when the peer is back. */
        INTERRUPTED,
        DONE, FAILED, CANCELLED, REJECTED;

        public boolean finished() {
            return this == DONE || this == FAILED || this == CANCELLED || this == REJECTED;
        }
    }

    private final int number;
    private final Direction direction;
    private final PeerId peer;
    private final String offerId;
    private final String name;
    private final long size;
    private final AtomicLong transferred = new AtomicLong();
    private volatile State state;
    private volatile String detail = "";
    private volatile Path savedAs;
    private volatile long startNanos;
    private volatile long startBytes;
    /** When this run stopped (0 while it runs): the rate of a finished transfer stays what it was. */
    private volatile long stopNanos;
    private volatile long changedNanos = System.nanoTime();

    Transfer(int number, Direction direction, PeerId peer, String offerId, String name, long size, State state) {
        this.number = number;
        this.direction = direction;
        this.peer = peer;
        this.offerId = offerId;
        this.name = name;
        this.size = size;
        this.state = state;
    }

    public int number() { return number; }
    public Direction direction() { return direction; }
    public PeerId peer() { return peer; }
    /** The random id of the offer (the same for every receiver of one /send). */
    public String offerId() { return offerId; }
    /** For a received offer, the sanitised name it will be saved under (or a copy number added). */
    public String name() { return name; }
    public long size() { return size; }
    public long transferred() { return transferred.get(); }
    public State state() { return state; }
    /** Why it failed or was cancelled, or what it waits for; "" when there is nothing to say. */
    public String detail() { return detail; }
    /** Where a received file landed, once {@link State#DONE}. */
    public Path savedAs() { return savedAs; }

    /** Bytes per second since this run (the last start or resume) began; 0 before. */
    public double rate() {
        long t = startNanos;
        if (t == 0) return 0;
        long end = stopNanos;
        double s = ((end == 0 ? System.nanoTime() : end) - t) / 1e9;
        return s <= 0 ? 0 : (transferred() - startBytes) / s;
    }

    /** When its state last changed (System.nanoTime). */
    long changedNanos() { return changedNanos; }

    void state(State s, String why) {
        changedNanos = System.nanoTime();
        if (state == State.RUNNING && s != State.RUNNING) stopNanos = System.nanoTime();
        this.state = s;
        this.detail = why == null ? "" : why;
    }

    void running(long from) {
        transferred.set(from);
        startBytes = from;
        startNanos = System.nanoTime();
        stopNanos = 0;
        state(State.RUNNING, "");
    }

    void progress(long bytes) { transferred.set(bytes); }

    void savedAs(Path p) { savedAs = p; }

    @Override
    public String toString() {
        return "#" + number + " " + (direction == Direction.SEND ? "→ " : "← ") + peer.shortString() + " " + name + " " + state;
    }
}
