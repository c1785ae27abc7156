package lanchat.app.tui;

import java.util.function.Consumer;

/** Where the chat meets its user: lines out (from any thread, never garbling the input line) and lines in. */
public interface Console extends AutoCloseable {
    /** Prints one line. Thread-safe. */
    void println(String line);

    /**
     * Starts reading input on a thread of its own and returns: each line goes to {@code onLine}; {@code onQuit} runs
     * when the user asks to leave from the keyboard (Ctrl-C, Ctrl-D on a terminal). End of piped input is not a quit.
     */
    void start(Consumer<String> onLine, Runnable onQuit);

    @Override
    void close();
}
