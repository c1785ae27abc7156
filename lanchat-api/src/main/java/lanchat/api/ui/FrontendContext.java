package lanchat.api.ui;

import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Path;

/**
 * What a front end gets to work with. {@code systemStreams}: {@code in} is the process's own stdin, so a front end may
 * look for a real terminal behind it; {@code history}: where a line editor may keep its history (may be null);
 * {@code leave}: asks the node to leave the room and the process to exit 0 (end of input, a quit command);
 * {@code openBrowser}: a front end with a page may open it in the user's browser ({@code --no-open} turns it off).
 */
public record FrontendContext(InputStream in, PrintStream out, PrintStream err, boolean systemStreams, Path history, Runnable leave,
                              boolean openBrowser) {
    /** A context without a browser to open (terminal-only callers and tests). */
    public FrontendContext(InputStream in, PrintStream out, PrintStream err, boolean systemStreams, Path history, Runnable leave) {
        this(in, out, err, systemStreams, history, leave, false);
    }
}
