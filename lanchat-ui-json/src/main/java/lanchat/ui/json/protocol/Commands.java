package lanchat.ui.json.protocol;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.stream.Collectors;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import lanchat.api.ui.ChatControl;
import lanchat.api.ui.DoctorReport;
import lanchat.api.ui.SendResult;

/**
 * Parses one JSON command (an object with exactly one key, {@code $defs.command} of the schema) and turns it into a
 * call on {@link ChatControl}; the answer, or an {@code error} event, goes to the given reply. Never throws for its
 * input: untrusted text gives an error event and the next command works. Bounded: nesting is refused past
 * {@link #MAX_DEPTH} before anything is built, strings past the length given, and one doctor runs at a time.
 */
public final class Commands {
    /** Commands are flat objects; deeper nesting is refused by the parser before it builds anything. */
    public static final int MAX_DEPTH = 8;

    /** The commands of the protocol; a front end takes those it can serve. */
    public enum Command {
        SEND, PEERS, NICK, PING, DOCTOR, QUIT;

        String key() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final Events events;
    private final Set<Command> accepted;
    private final boolean sentEchoesText;
    private final ObjectMapper json;
    private final AtomicBoolean doctorRunning = new AtomicBoolean();

    /**
     * @param accepted       the commands this front end serves; others are {@code unknown_command}
     * @param sentEchoesText whether the {@code sent} event carries the text sent (for a page that shows it back)
     * @param maxLength      the longest string a command may hold (the front end's line or frame limit)
     */
    public Commands(Events events, Set<Command> accepted, boolean sentEchoesText, int maxLength) {
        this.events = events;
        this.accepted = EnumSet.copyOf(accepted);
        this.sentEchoesText = sentEchoesText;
        this.json = new ObjectMapper(JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).maxStringLength(maxLength).build()).build());
    }

    /**
     * Runs one command. {@code node} null means the node has not started yet. Every command but {@code quit} replies
     * once; {@code doctor} replies later, from a thread of its own, so commands keep flowing while it listens.
     */
    public void run(String line, ChatControl node, Consumer<String> reply) {
        JsonNode n;
        try {
            n = json.readTree(line);
        } catch (JacksonException e) {
            reply.accept(events.error("malformed", "not JSON: " + e.getOriginalMessage()));
            return;
        }
        if (n == null || !n.isObject() || n.size() != 1) {
            reply.accept(events.error("malformed", "a command is an object with exactly one key, e.g. {\"send\":\"hello\"}"));
            return;
        }
        if (node == null) {
            reply.accept(events.error("node", "the node is still starting"));
            return;
        }
        Map.Entry<String, JsonNode> c = n.properties().iterator().next();
        Command command = accepted.stream().filter(k -> k.key().equals(c.getKey())).findFirst().orElse(null);
        if (command == null) {
            boolean all = accepted.size() == Command.values().length;
            String known = accepted.stream().map(Command::key).collect(Collectors.joining(", "));
            reply.accept(events.error("unknown_command", "unknown command '" + c.getKey() + "'; known" + (all ? "" : " here") + ": " + known));
            return;
        }
        try {
            run(command, c.getValue(), node, reply);
        } catch (IllegalStateException e) { // the node is closing or not responding, or "slow down"
            reply.accept(events.error("node", e.getMessage()));
        }
    }

    private void run(Command command, JsonNode arg, ChatControl node, Consumer<String> reply) {
        switch (command) {
            case SEND -> {
                if (!arg.isTextual()) {
                    reply.accept(events.error("bad_argument", "send takes a string"));
                    return;
                }
                SendResult sent = node.send(arg.asText());
                if (sent.peers() == 0 && !sent.kept()) reply.accept(events.error("no_peers", "no peers connected; message not sent"));
                else reply.accept(events.sent(sent, sentEchoesText ? arg.asText() : null));
            }
            case PEERS -> {
                if (flag(command, arg, reply)) reply.accept(events.peers(node.peers()));
            }
            case NICK -> {
                if (!arg.isTextual()) {
                    reply.accept(events.error("bad_argument", "nick takes a string"));
                    return;
                }
                try {
                    node.setNick(arg.asText().strip());
                    reply.accept(events.nick(arg.asText().strip()));
                } catch (IllegalArgumentException e) {
                    reply.accept(events.error("bad_argument", e.getMessage()));
                }
            }
            case PING -> {
                if (flag(command, arg, reply)) reply.accept(events.ping(node.ping()));
            }
            case DOCTOR -> {
                if (flag(command, arg, reply)) doctor(node, reply);
            }
            case QUIT -> {
                if (flag(command, arg, reply)) node.quit();
            }
        }
    }

    private boolean flag(Command command, JsonNode arg, Consumer<String> reply) {
        if (arg.isBoolean() && arg.booleanValue()) return true;
        reply.accept(events.error("bad_argument", command.key() + " takes true"));
        return false;
    }

    /** The doctor listens for seconds: on a thread of its own, one at a time. */
    private void doctor(ChatControl node, Consumer<String> reply) {
        if (!doctorRunning.compareAndSet(false, true)) {
            reply.accept(events.error("busy", "the network doctor is already running"));
            return;
        }
        Thread t = new Thread(() -> {
            try {
                DoctorReport r = node.doctor();
                reply.accept(events.doctor(r));
            } catch (RuntimeException e) {
                reply.accept(events.error("doctor", String.valueOf(e.getMessage())));
            } finally {
                doctorRunning.set(false);
            }
        }, "lanchat-doctor");
        t.setDaemon(true);
        t.start();
    }
}
