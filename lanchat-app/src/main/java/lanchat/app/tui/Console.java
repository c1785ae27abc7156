package lanchat.app.tui;

import java.util.function.Consumer;

/** Where the chat meets its user: lines out (from any thread, never garbling the input line) and lines in. */
public interface Console extends AutoCloseable {
    /** Prints one line. Thread-safe. */
    void println(String line);

    /**
     * Prints one diagnostic (log) line: where {@link #println} prints on a terminal (above the prompt: nothing may
     * write to the terminal past the console), on stderr for plain I/O (apart from the chat on stdout). Thread-safe.
     */
    void log(String line);

    /**
     * Starts reading input on a thread of its own and returns: each line goes to {@code onLine}; {@code onQuit} runs
     * when the user asks to leave from the keyboard (Ctrl-C, Ctrl-D on a terminal). End of piped input is not a quit.
     */
    void start(Consumer<String> onLine, Runnable onQuit);

    /** True when {@link #status} refreshes one line in place (a terminal); else callers print sparingly instead. */
    default boolean refreshesStatus() {
        return false;
    }

    /** Shows {@code line} in the status area, replacing what was there ("" clears it); no-op without one. */
    default void status(String line) {}

    /**
     * True on an interactive terminal (JLine, not dumb): chat lines get their time and a colour per author, connection
     * lines the peer's nick, and a status line sums up the room. False for pipes and files: their lines stay exactly as
     * they were ({@code bob: hello}, {@code ✓ connected to <id>}) for the scripts and tests that parse them.
     */
    default boolean decorates() {
        return false;
    }

    /** Prints a chat line; plainly ({@code bob: hello}) unless the console {@link #decorates()}. Thread-safe. */
    default void message(ChatLine line) {
        println(line.plain());
    }

    /** What Tab offers: the candidates for {@code word} after {@code wordsBefore} on the input line. */
    @FunctionalInterface
    interface Completion {
        java.util.List<String> candidates(java.util.List<String> wordsBefore, String word);
    }

    /** Tab completes with {@code completion} (on the input thread); a console without line editing ignores it. */
    default void completeWith(Completion completion) {}

    /** Sets the input prompt (e.g. {@code [2 pending] > }); a console without a prompt ignores it. Thread-safe. */
    default void prompt(String prompt) {}

    @Override
    void close();
}
