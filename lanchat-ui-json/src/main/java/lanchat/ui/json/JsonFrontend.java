package lanchat.ui.json;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;

import lanchat.api.ui.ChatControl;
import lanchat.ui.json.protocol.Commands;
import lanchat.ui.json.protocol.EventFrontend;

/** The JSON lines front end; the protocol is described in {@code package-info.java} and the schema. */
public final class JsonFrontend extends EventFrontend {
    /** The longest stdin line taken, in bytes; the largest chat line (64 KiB of text, escaped) fits. */
    public static final int MAX_LINE = 256 * 1024;

    private final InputStream in;
    private final PrintStream out;
    private final PrintStream err;
    private final Runnable leave;
    private final Commands commands = new Commands(events, EnumSet.allOf(Commands.Command.class), false, MAX_LINE);
    private volatile ChatControl control;

    JsonFrontend(InputStream in, PrintStream out, PrintStream err, Runnable leave) {
        super(err); // log lines: stdout is for JSON only
        this.in = in;
        this.out = out;
        this.err = err;
        this.leave = leave;
    }

    // ---- node → program ----

    /** One line per event, whole: events come from several threads. */
    @Override
    protected void emit(String event) {
        synchronized (out) {
            out.println(event);
            out.flush();
        }
    }

    // ---- program → node ----

    @Override
    public void start(ChatControl control) {
        this.control = control;
        Thread t = new Thread(this::readCommands, "lanchat-json-stdin");
        t.setDaemon(true);
        t.start();
    }

    private void readCommands() {
        try (InputStream s = new BufferedInputStream(in)) {
            LineReader lines = new LineReader(s, MAX_LINE);
            for (LineReader.Line l; (l = lines.next()) != null; ) {
                if (l.tooLong()) emit(events.error("line_too_long", "a command line may be at most " + MAX_LINE + " bytes; it was skipped"));
                else if (!l.text().isBlank()) commands.run(l.text(), control, this::emit);
            }
        } catch (IOException e) {
            // stdin closed under us: the same as its end
        }
        leave.run(); // end of input: the program is done with us
    }

    @Override
    public void close() {
        out.flush();
        err.flush();
    }

    /** Lines of at most {@code max} bytes; a longer one is skipped to its end without being stored. */
    static final class LineReader {
        record Line(String text, boolean tooLong) {}

        private final InputStream in;
        private final int max;
        private final ByteArrayOutputStream buf = new ByteArrayOutputStream();

        LineReader(InputStream in, int max) {
            this.in = in;
            this.max = max;
        }

        /** The next line, or null at the end of input. */
        Line next() throws IOException {
            buf.reset();
            boolean tooLong = false;
            int b;
            while ((b = in.read()) != -1 && b != '\n') {
                if (buf.size() < max) buf.write(b);
                else tooLong = true;
            }
            if (b == -1 && buf.size() == 0 && !tooLong) return null;
            String s = buf.toString(StandardCharsets.UTF_8);
            if (s.endsWith("\r")) s = s.substring(0, s.length() - 1);
            return new Line(tooLong ? "" : s, tooLong);
        }
    }
}
