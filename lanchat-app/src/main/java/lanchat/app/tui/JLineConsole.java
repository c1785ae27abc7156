package lanchat.app.tui;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import org.jline.reader.Candidate;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.impl.LineReaderImpl;
import org.jline.reader.impl.history.DefaultHistory;
import org.jline.reader.ParsedLine;
import org.jline.reader.UserInterruptException;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import org.jline.utils.AttributedString;
import org.jline.utils.InfoCmp;
import org.jline.utils.Status;

/**
 * For a real terminal: JLine line editing and history; incoming lines are printed above the prompt with
 * {@link LineReader#printAbove}, so they never garble what the user is typing. Chat lines get their time and a colour
 * per author ({@link TerminalStyle}); Tab completes commands and nicks; Ctrl-R searches the history.
 */
public final class JLineConsole implements Console {
    private final Terminal terminal;
    private final Reader reader;
    private final TerminalStyle style;
    private volatile String prompt = "> ";
    private volatile Completion completion;

    /** On any terminal; {@code history} (may be null) is loaded on the first read and saved by {@link #close()}. */
    JLineConsole(Terminal terminal, Path history) {
        this(terminal, history, Clock.systemDefaultZone(), System.getenv());
    }

    /** {@code clock}: the time and zone of message lines; {@code env}: where {@code NO_COLOR} is looked up. */
    JLineConsole(Terminal terminal, Path history, Clock clock, Map<String, String> env) {
        this.terminal = terminal;
        Integer colours = terminal.getNumericCapability(InfoCmp.Capability.max_colors);
        this.style = new TerminalStyle(clock, colours == null ? -1 : colours, env);
        // as LineReaderBuilder makes it, but our subclass; JLine's default key map stays as it is: Ctrl-R searches
        // the history, Tab completes, arrows recall
        this.reader = new Reader(terminal, history == null ? Map.of() : Map.of(LineReader.HISTORY_FILE, history));
        reader.setHistory(new DefaultHistory());
        reader.setCompleter(this::complete);
    }

    /**
     * JLine's reader with its lock open to us: the status line is drawn under the lock {@link LineReader#printAbove}
     * and the redisplay of the input line take, or their escape sequences (cursor moves, scroll region) interleave
     * with the status line's and garble the screen (seen in TerminalPtyIT: lines drawn over the prompt).
     */
    private static final class Reader extends LineReaderImpl {
        Reader(Terminal terminal, Map<String, Object> variables) {
            super(terminal, "lanchat", variables);
        }

        void locked(Runnable r) {
            lock.lock();
            try {
                r.run();
            } finally {
                lock.unlock();
            }
        }
    }

    private void complete(LineReader r, ParsedLine line, List<Candidate> candidates) {
        Completion c = completion;
        if (c == null) return;
        List<String> before = line.words().subList(0, Math.min(line.wordIndex(), line.words().size()));
        for (String s : c.candidates(before, line.word())) candidates.add(new Candidate(s, s, null, null, null, null, true));
    }

    /** A JLine console on the system terminal, or null when there is no usable (non-dumb) terminal. */
    public static Console openSystem(Path history) {
        try {
            Terminal t = TerminalBuilder.builder().system(true).encoding(StandardCharsets.UTF_8).dumb(false).build();
            if (Terminal.TYPE_DUMB.equals(t.getType()) || Terminal.TYPE_DUMB_COLOR.equals(t.getType())) {
                t.close();
                return null;
            }
            return new JLineConsole(t, history);
        } catch (IOException | IllegalStateException e) {
            return null;
        }
    }

    /** What has been typed on the input line so far (a test awaits it before printing above it). */
    String typedSoFar() {
        return reader.getBuffer().toString();
    }

    @Override
    public void println(String line) {
        reader.printAbove(line);
    }

    @Override
    public boolean decorates() {
        return true;
    }

    @Override
    public void message(ChatLine line) {
        reader.printAbove(style.message(line));
    }

    @Override
    public void completeWith(Completion completion) {
        this.completion = completion;
    }

    @Override
    public void log(String line) {
        reader.printAbove(line);
    }

    @Override
    public boolean refreshesStatus() {
        return true;
    }

    /** JLine's status area at the bottom of the terminal, kept apart from the scroll-back and the input line. */
    @Override
    public void status(String line) {
        try {
            reader.locked(() -> {
                Status status = Status.getStatus(terminal);
                if (status != null) status.update(line.isEmpty() ? List.of() : List.of(new AttributedString(line)));
            });
        } catch (RuntimeException e) {
            // a terminal that cannot show it: progress stays in /transfers
        }
    }

    @Override
    public void prompt(String prompt) {
        if (prompt.equals(this.prompt)) return;
        this.prompt = prompt;
        try {
            if (reader.isReading()) {
                reader.setPrompt(prompt); // not on the LineReader interface
                reader.callWidget(LineReader.REDRAW_LINE);
                reader.callWidget(LineReader.REDISPLAY);
            }
        } catch (IllegalStateException notReadingAnyMore) {
            // the next readLine shows it
        }
    }

    @Override
    public void start(Consumer<String> onLine, Runnable onQuit) {
        Thread t = new Thread(() -> {
            while (true) {
                try {
                    onLine.accept(reader.readLine(prompt));
                } catch (UserInterruptException | EndOfFileException e) {
                    onQuit.run();
                    return;
                } catch (RuntimeException e) {
                    if (Thread.currentThread().isInterrupted()) return;
                    throw e;
                }
            }
        }, "lanchat-input");
        t.setDaemon(true);
        t.start();
    }

    @Override
    public void close() {
        try {
            reader.getHistory().save();
        } catch (IOException | RuntimeException ignored) {
            // history is a convenience
        }
        try {
            terminal.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
