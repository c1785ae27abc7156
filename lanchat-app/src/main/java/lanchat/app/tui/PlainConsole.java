package lanchat.app.tui;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * For pipes, containers and tests: plain UTF-8 lines, no ANSI codes. End of input stops reading but not the node,
 * so {@code java … < /dev/null} keeps a node running in the background.
 */
public final class PlainConsole implements Console {
    private final InputStream in;
    private final PrintStream out;
    private final PrintStream err;
    private Thread reader;

    public PlainConsole(InputStream in, PrintStream out, PrintStream err) {
        this.in = in;
        this.out = out;
        this.err = err;
    }

    @Override
    public synchronized void println(String line) {
        out.println(line);
        out.flush();
    }

    @Override
    public void log(String line) {
        err.println(line);
        err.flush();
    }

    @Override
    public void start(Consumer<String> onLine, Runnable onQuit) {
        reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) onLine.accept(line);
            } catch (IOException e) {
                // stdin closed under us: same as end of input
            }
        }, "lanchat-stdin");
        reader.setDaemon(true);
        reader.start();
    }

    @Override
    public void close() {
        out.flush();
        err.flush();
    }
}
