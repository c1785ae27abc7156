package lanchat.ui.json.protocol;

import java.time.Instant;
import java.util.List;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import lanchat.api.ChatMessage;
import lanchat.api.Multiaddr;
import lanchat.api.PeerId;
import lanchat.api.ui.DoctorReport;
import lanchat.api.ui.PeerView;
import lanchat.api.ui.SendResult;

/**
 * Builds the events of the schema {@code lanchat-ui-json-v1.schema.json}, each as one line of JSON text (no line
 * break inside: JSON escapes them). Returns text, not Jackson trees, so users of this package need no Jackson types.
 * Thread-safe: the front ends build events on the node's threads and their own.
 */
public final class Events {
    /** Protocol version: in every event ({@code "v"}) and in the schema's name. */
    public static final int VERSION = 1;

    private final ObjectMapper json = new ObjectMapper();

    public String listening(List<Multiaddr> addresses) {
        ObjectNode e = event("listening");
        ArrayNode a = e.putArray("addresses");
        addresses.forEach(m -> a.add(m.toString()));
        return write(e);
    }

    public String joined(String room) {
        return write(event("joined").put("room", room));
    }

    public String peerConnected(PeerId peer, boolean viaDiscovery) {
        return write(event("peer_connected").put("peer", peer.toString()).put("via", viaDiscovery ? "mdns" : "direct"));
    }

    public String peerDisconnected(PeerId peer, String reason) {
        return write(event("peer_disconnected").put("peer", peer.toString()).put("reason", reason));
    }

    public String message(PeerId from, String shownAs, ChatMessage message, long receivedAtMillis) {
        ObjectNode e = event("message");
        e.put("time", Instant.ofEpochMilli(receivedAtMillis).toString()); // when it arrived: the wire carries no time
        e.put("from", from.toString()).put("nick", message.nick().orElse(null)).put("shown_as", shownAs).put("text", message.text());
        return write(e);
    }

    /** One of our lines reached every member it was meant for (the room's receipts). */
    public String delivered(String id, String text) {
        return write(event("delivered").put("id", id).put("text", text));
    }

    public String info(String line) {
        return write(event("info").put("text", line));
    }

    /** {@code text} is the line sent, for a front end that shows it back (the web page); null leaves it out. */
    public String sent(SendResult sent, String text) {
        ObjectNode e = event("sent").put("to", sent.peers()).put("kept", sent.kept());
        if (text != null) e.put("text", text);
        return write(e);
    }

    public String peers(List<PeerView> peers) {
        ObjectNode e = event("peers");
        ArrayNode a = e.putArray("peers");
        for (PeerView p : peers) {
            a.addObject().put("id", p.peer().toString()).put("nick", p.nick()).put("address", p.address()).put("transport", p.transport())
                    .put("direction", p.direction()).put("room", p.room());
        }
        return write(e);
    }

    public String nick(String nick) {
        return write(event("nick").put("nick", nick));
    }

    public String ping(int peers) {
        return write(event("ping").put("peers", peers));
    }

    public String doctor(DoctorReport r) {
        ObjectNode e = event("doctor").put("healthy", r.healthy()).put("verdict", r.verdict());
        ArrayNode ifs = e.putArray("interfaces");
        for (DoctorReport.Interface i : r.interfaces()) {
            ObjectNode o = ifs.addObject().put("name", i.name()).put("up", i.up()).put("loopback", i.loopback()).put("multicast", i.multicast());
            i.addresses().forEach(o.putArray("addresses")::add);
            if (i.ownQueryCameBack() == null) o.putNull("own_query_came_back");
            else o.put("own_query_came_back", i.ownQueryCameBack());
            i.roomsSeen().forEach(o.putArray("rooms_seen")::add);
            // IPv6 (ff02::fb), only where it was tried or has something to say: optional fields, so v1 readers are unaffected
            if (i.ownQueryCameBackIpv6() != null) o.put("own_query_came_back_ipv6", i.ownQueryCameBackIpv6());
            else if (i.ipv6Problem() != null) o.putNull("own_query_came_back_ipv6");
            if (i.ipv6Problem() != null) o.put("ipv6_problem", i.ipv6Problem());
        }
        if (r.heardLastMinute() != null) r.heardLastMinute().forEach(e.putArray("heard_last_minute")::add);
        return write(e);
    }

    /** {@code code} is one of the schema's error codes. */
    public String error(String code, String detail) {
        return write(event("error").put("code", code).put("detail", detail));
    }

    private ObjectNode event(String name) {
        return json.createObjectNode().put("v", VERSION).put("event", name).put("time", Instant.now().toString());
    }

    private String write(ObjectNode event) {
        try {
            return json.writeValueAsString(event);
        } catch (JacksonException e) {
            throw new IllegalStateException("cannot write a tree Jackson built", e);
        }
    }
}
