package lanchat.api.resource;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Every limit of the {@link ResourceManager}, in one place. The defaults are sized for a laptop in a room of 50 (a node
 * started by {@code ./lanchat}, whose heap is 128 MiB): a peer needs one or two connections and a handful of streams,
 * so a peer that asks for more is either broken or hostile. Memory is counted as go-libp2p counts it: every yamux
 * stream reserves its 256 KiB receive window when it opens, so 32 MiB lets one connection hold 128 streams (a go or
 * js peer may open many; the interop suite opens 64), 2 MiB lets a peer the app has not admitted yet hold the eight
 * streams a connection starts with (identify, chat, nick, ping both ways), and 64 MiB for the whole node keeps the
 * worst case well inside that heap.
 *
 * <p>Each can be changed by name with {@link #with(String, String)}, as {@code --limit NAME=VALUE} does on the command
 * line: {@code system.memory=96MiB}, {@code peer.inboundStreams=64}, {@code transient.perIp=4}. {@link #names()} lists
 * them with their values.
 *
 * @param system everything together
 * @param transientScope connections not yet authenticated (before the security handshake ends)
 * @param peer each authenticated peer, all its connections together
 * @param connection each connection
 * @param stream each stream or protocol channel
 * @param unauthenticatedPerIp connections from one IP address that may be in their handshake at once (IPv6: from one
 *     /64, eight times as many; see {@link ResourceManager})
 * @param unadmittedMemory what a connection may hold until the app admits its session (sets a listener): a peer that
 *     is not (yet) a member of the room gets no more than this
 * @param authenticatedPerIp authenticated inbound connections from one IP address, whatever peers they prove: one
 *     host with many throw-away keys cannot take every inbound slot of {@code system.inboundConns} (a benchmark or a
 *     test that runs many nodes on one host lifts it); IPv6: per /64, eight times as many
 */
public record ResourceLimits(ScopeLimits system, ScopeLimits transientScope, ScopeLimits peer, ScopeLimits connection, ScopeLimits stream,
                             int unauthenticatedPerIp, long unadmittedMemory, int authenticatedPerIp) {
    private static final long KiB = 1024, MiB = 1024 * KiB;

    public static final ResourceLimits DEFAULTS = new ResourceLimits(
            new ScopeLimits(128, 128, 4096, 4096, 64 * MiB),
            new ScopeLimits(32, 32, 0, 0, 4 * MiB),
            new ScopeLimits(4, 4, 256, 256, 32 * MiB),
            new ScopeLimits(1, 1, 256, 256, 32 * MiB),
            new ScopeLimits(0, 0, 1, 1, 4 * MiB),
            8, 2 * MiB, 16);

    public ResourceLimits {
        if (system == null || transientScope == null || peer == null || connection == null || stream == null) throw new IllegalArgumentException("every scope needs limits");
        if (unauthenticatedPerIp < 1) throw new IllegalArgumentException("transient.perIp must be at least 1");
        if (unadmittedMemory < 0) throw new IllegalArgumentException("connection.unadmittedMemory cannot be negative");
        if (authenticatedPerIp < 1) throw new IllegalArgumentException("system.inboundPerIp must be at least 1");
    }

    /**
     * Every limit that means something, by name, with its value, in a stable order (for the README, error messages and
     * {@link #with}): a connection counts no connections, a stream no streams, the transient scope holds no streams.
     */
    public Map<String, String> names() {
        Map<String, String> m = new LinkedHashMap<>();
        conns(m, "system", system);
        streams(m, "system", system);
        m.put("system.inboundPerIp", Integer.toString(authenticatedPerIp));
        m.put("system.memory", bytes(system.memory()));
        conns(m, "transient", transientScope);
        m.put("transient.perIp", Integer.toString(unauthenticatedPerIp));
        m.put("transient.memory", bytes(transientScope.memory()));
        conns(m, "peer", peer);
        streams(m, "peer", peer);
        m.put("peer.memory", bytes(peer.memory()));
        streams(m, "connection", connection);
        m.put("connection.memory", bytes(connection.memory()));
        m.put("connection.unadmittedMemory", bytes(unadmittedMemory));
        m.put("stream.memory", bytes(stream.memory()));
        return m;
    }

    private static void conns(Map<String, String> m, String name, ScopeLimits s) {
        m.put(name + ".inboundConns", Integer.toString(s.inboundConns()));
        m.put(name + ".outboundConns", Integer.toString(s.outboundConns()));
    }

    private static void streams(Map<String, String> m, String name, ScopeLimits s) {
        m.put(name + ".inboundStreams", Integer.toString(s.inboundStreams()));
        m.put(name + ".outboundStreams", Integer.toString(s.outboundStreams()));
    }

    /**
     * These limits with one changed.
     *
     * @throws IllegalArgumentException naming the limit or the value when either is not understood
     */
    public ResourceLimits with(String name, String value) {
        int dot = name.lastIndexOf('.');
        if (dot < 0 || !names().containsKey(name)) throw new IllegalArgumentException("unknown limit '" + name + "'; limits are " + String.join(", ", names().keySet()));
        String scope = name.substring(0, dot), field = name.substring(dot + 1);
        if (name.equals("transient.perIp")) return new ResourceLimits(system, transientScope, peer, connection, stream, (int) count(name, value), unadmittedMemory, authenticatedPerIp);
        if (name.equals("connection.unadmittedMemory")) return new ResourceLimits(system, transientScope, peer, connection, stream, unauthenticatedPerIp, parseBytes(name, value), authenticatedPerIp);
        if (name.equals("system.inboundPerIp")) return new ResourceLimits(system, transientScope, peer, connection, stream, unauthenticatedPerIp, unadmittedMemory, (int) count(name, value));
        ScopeLimits s = switch (scope) {
            case "system" -> system;
            case "transient" -> transientScope;
            case "peer" -> peer;
            case "connection" -> connection;
            default -> stream;
        };
        ScopeLimits changed = switch (field) {
            case "inboundConns" -> new ScopeLimits((int) count(name, value), s.outboundConns(), s.inboundStreams(), s.outboundStreams(), s.memory());
            case "outboundConns" -> new ScopeLimits(s.inboundConns(), (int) count(name, value), s.inboundStreams(), s.outboundStreams(), s.memory());
            case "inboundStreams" -> new ScopeLimits(s.inboundConns(), s.outboundConns(), (int) count(name, value), s.outboundStreams(), s.memory());
            case "outboundStreams" -> new ScopeLimits(s.inboundConns(), s.outboundConns(), s.inboundStreams(), (int) count(name, value), s.memory());
            default -> s.withMemory(parseBytes(name, value));
        };
        return switch (scope) {
            case "system" -> new ResourceLimits(changed, transientScope, peer, connection, stream, unauthenticatedPerIp, unadmittedMemory, authenticatedPerIp);
            case "transient" -> new ResourceLimits(system, changed, peer, connection, stream, unauthenticatedPerIp, unadmittedMemory, authenticatedPerIp);
            case "peer" -> new ResourceLimits(system, transientScope, changed, connection, stream, unauthenticatedPerIp, unadmittedMemory, authenticatedPerIp);
            case "connection" -> new ResourceLimits(system, transientScope, peer, changed, stream, unauthenticatedPerIp, unadmittedMemory, authenticatedPerIp);
            default -> new ResourceLimits(system, transientScope, peer, connection, changed, unauthenticatedPerIp, unadmittedMemory, authenticatedPerIp);
        };
    }

    /** These limits with every {@code NAME=VALUE} of {@code settings} applied, in order. */
    public ResourceLimits with(Map<String, String> settings) {
        ResourceLimits r = this;
        for (Map.Entry<String, String> e : settings.entrySet()) r = r.with(e.getKey(), e.getValue());
        return r;
    }

    private static long count(String name, String value) {
        try {
            long n = Long.parseLong(value.trim());
            if (n < 0 || n > Integer.MAX_VALUE) throw new NumberFormatException();
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("limit " + name + " needs a whole number from 0, not '" + value + "'");
        }
    }

    /** {@code 1048576}, {@code 512KiB}, {@code 64MiB}, {@code 1GiB} (also KB/MB/GB, meaning the same powers of two). */
    public static long parseBytes(String name, String value) {
        String v = value.trim().toUpperCase(Locale.ROOT).replace("IB", "B");
        long unit = 1;
        if (v.endsWith("KB")) unit = KiB;
        else if (v.endsWith("MB")) unit = MiB;
        else if (v.endsWith("GB")) unit = 1024 * MiB;
        String digits = unit == 1 ? (v.endsWith("B") ? v.substring(0, v.length() - 1) : v) : v.substring(0, v.length() - 2);
        try {
            long n = Long.parseLong(digits.trim());
            if (n < 0 || n > Long.MAX_VALUE / unit) throw new NumberFormatException();
            return n * unit;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("limit " + name + " needs a size such as 65536, 512KiB or 64MiB, not '" + value + "'");
        }
    }

    static String bytes(long n) {
        if (n > 0 && n % MiB == 0) return n / MiB + "MiB";
        if (n > 0 && n % KiB == 0) return n / KiB + "KiB";
        return Long.toString(n);
    }
}
