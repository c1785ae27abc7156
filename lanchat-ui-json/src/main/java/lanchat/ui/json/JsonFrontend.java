package lanchat.ui.json;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import lanchat.api.ChatMessage;
import lanchat.api.Multiaddr;
import lanchat.api.PeerId;
import lanchat.api.ui.ChatControl;
import lanchat.api.ui.DoctorReport;
import lanchat.api.ui.Frontend;
import lanchat.api.ui.PeerView;
import lanchat.api.ui.SendResult;

/** The JSON lines front end; the protocol is described in {@code package-info.java} and the schema. */
public final class JsonFrontend implements Frontend {
    /** Protocol version: in every event ({@code "v"}) and in the schema's name. */
    public static final int VERSION = 1;
    /** The longest stdin line taken, in bytes; the largest chat line (64 KiB of text, escaped) fits. */
    public static final int MAX_LINE = 256 * 1024;
    /** Commands are flat objects; deeper nesting is refused by the parser before it builds anything. */
    public static final int MAX_DEPTH = 8;

    private final InputStream in;
    private final PrintStream out;
    private final PrintStream err;
    private final Runnable leave;
    private final ObjectMapper json = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).maxStringLength(MAX_LINE).build()).build());
    private final AtomicBoolean doctorRunning = new AtomicBoolean();
    private volatile ChatControl control;

    JsonFrontend(InputStream in, PrintStream out, PrintStream err, Runnable leave) {
        this.in = in;
        this.out = out;
        this.err = err;
        this.leave = leave;
    }

    // ---- node → program ----

    @Override
    public void listening(List<Multiaddr> addresses) {
        ObjectNode e = event("listening");
        ArrayNode a = e.putArray("addresses");
        addresses.forEach(m -> a.add(m.toString()));
        emit(e);
    }

    @Override
    public void joined(String room) {
        emit(event("joined").put("room", room));
    }

    @Override
    public void connected(PeerId peer, boolean viaDiscovery) {
        emit(event("peer_connected").put("peer", peer.toString()).put("via", viaDiscovery ? "mdns" : "direct"));
    }

    @Override
    public void disconnected(PeerId peer, String reason) {
        emit(event("peer_disconnected").put("peer", peer.toString()).put("reason", reason));
    }

    @Override
    public void message(PeerId from, String shownAs, ChatMessage message, long receivedAtMillis) {
        ObjectNode e = event("message");
        e.put("time", Instant.ofEpochMilli(receivedAtMillis).toString()); // when it arrived: the wire carries no time
        e.put("from", from.toString()).put("nick", message.nick().orElse(null)).put("shown_as", shownAs).put("text", message.text());
        emit(e);
    }

    @Override
    public void info(String line) {
        emit(event("info").put("text", line));
    }

    @Override
    public void log(String line) {
        synchronized (err) {
            err.println(line); // stdout is for JSON only
        }
    }

    private ObjectNode event(String name) {
        return json.createObjectNode().put("v", VERSION).put("event", name).put("time", Instant.now().toString());
    }

    /** One line per event, whole: events come from several threads. */
    void emit(ObjectNode event) {
        String line;
        try {
            line = json.writeValueAsString(event);
        } catch (JacksonException e) {
            throw new IllegalStateException("cannot write a tree Jackson built", e);
        }
        synchronized (out) {
            out.println(line);
            out.flush();
        }
    }

    void error(String code, String detail) {
        emit(event("error").put("code", code).put("detail", detail));
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
                if (l.tooLong()) error("line_too_long", "a command line may be at most " + MAX_LINE + " bytes; it was skipped");
                else if (!l.text().isBlank()) command(l.text());
            }
        } catch (IOException e) {
            // stdin closed under us: the same as its end
        }
        leave.run(); // end of input: the program is done with us
    }

    /** One command line; never throws for anything in it. */
    void command(String line) {
        JsonNode n;
        try {
            n = json.readTree(line);
        } catch (JacksonException e) {
            error("malformed", "not JSON: " + e.getOriginalMessage());
            return;
        }
        if (n == null || !n.isObject() || n.size() != 1) {
            error("malformed", "a command is an object with exactly one key, e.g. {\"send\":\"hello\"}");
            return;
        }
        Map.Entry<String, JsonNode> c = n.fields().next();
        try {
            run(c.getKey(), c.getValue());
        } catch (IllegalStateException e) { // the node is closing or not responding
            error("node", e.getMessage());
        }
    }

    private void run(String command, JsonNode arg) {
        ChatControl node = control;
        switch (command) {
            case "send" -> {
                if (!arg.isTextual()) {
                    error("bad_argument", "send takes a string");
                    return;
                }
                SendResult sent = node.send(arg.asText());
                if (sent.peers() == 0 && !sent.kept()) error("no_peers", "no peers connected; message not sent");
                else emit(event("sent").put("to", sent.peers()).put("kept", sent.kept()));
            }
            case "peers" -> {
                if (!flag(command, arg)) return;
                ObjectNode e = event("peers");
                ArrayNode a = e.putArray("peers");
                for (PeerView p : node.peers()) {
                    a.addObject().put("id", p.peer().toString()).put("nick", p.nick()).put("address", p.address()).put("transport", p.transport())
                            .put("direction", p.direction());
                }
                emit(e);
            }
            case "nick" -> {
                if (!arg.isTextual()) {
                    error("bad_argument", "nick takes a string");
                    return;
                }
                try {
                    node.setNick(arg.asText().strip());
                    emit(event("nick").put("nick", arg.asText().strip()));
                } catch (IllegalArgumentException e) {
                    error("bad_argument", e.getMessage());
                }
            }
            case "ping" -> {
                if (flag(command, arg)) emit(event("ping").put("peers", node.ping()));
            }
            case "doctor" -> {
                if (flag(command, arg)) doctor(node);
            }
            case "quit" -> {
                if (flag(command, arg)) node.quit();
            }
            default -> error("unknown_command", "unknown command '" + command + "'; known: send, peers, nick, ping, doctor, quit");
        }
    }

    private boolean flag(String command, JsonNode arg) {
        if (arg.isBoolean() && arg.booleanValue()) return true;
        error("bad_argument", command + " takes true");
        return false;
    }

    /** The doctor listens for seconds: on a thread of its own, one at a time, so commands keep flowing. */
    private void doctor(ChatControl node) {
        if (!doctorRunning.compareAndSet(false, true)) {
            error("busy", "the network doctor is already running");
            return;
        }
        Thread t = new Thread(() -> {
            try {
                DoctorReport r = node.doctor();
                ObjectNode e = event("doctor").put("healthy", r.healthy()).put("verdict", r.verdict());
                ArrayNode ifs = e.putArray("interfaces");
                for (DoctorReport.Interface i : r.interfaces()) {
                    ObjectNode o = ifs.addObject().put("name", i.name()).put("up", i.up()).put("loopback", i.loopback()).put("multicast", i.multicast());
                    i.addresses().forEach(o.putArray("addresses")::add);
                    if (i.ownQueryCameBack() == null) o.putNull("own_query_came_back");
                    else o.put("own_query_came_back", i.ownQueryCameBack());
                    i.roomsSeen().forEach(o.putArray("rooms_seen")::add);
                }
                emit(e);
            } catch (RuntimeException e) {
                error("doctor", String.valueOf(e.getMessage()));
            } finally {
                doctorRunning.set(false);
            }
        }, "lanchat-doctor");
        t.setDaemon(true);
        t.start();
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
