package lanchat.api;

import java.io.ByteArrayOutputStream;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import lanchat.api.internal.Varint;

/**
 * A multiaddr: a self-describing network address such as {@code /ip4/127.0.0.1/tcp/9000/p2p/12D3KooW…}.
 *
 * <p>Text and binary codecs follow the multiaddr spec and protocol table. Parsing is strict: an unknown
 * protocol, a missing or malformed value, or trailing bytes are rejected with a message that names the
 * bad part. Host names are never resolved here.
 *
 * <p>IPv4 octets with leading zeros ({@code 01.2.3.4}) are rejected, as go-multiaddr and rust-multiaddr do: some
 * parsers read them as octal. Ports may have leading zeros ({@code /tcp/0080} is port 80). {@link #toString} prints
 * the canonical form: IPv6 per RFC 5952 ({@code ::1}), IPv4-mapped IPv6 as {@code ::ffff:a.b.c.d}.
 */
public record Multiaddr(List<Component> components) {
    /** Upper bound on a binary multiaddr; real ones are well under 100 bytes. */
    public static final int MAX_BYTES = 1024;

    /** Protocols this codec knows; sizes are in bits, {@code VAR} for length-prefixed, 0 for none. */
    public enum Protocol {
        IP4(4, "ip4", 32), TCP(6, "tcp", 16), DNS(53, "dns", Protocol.VAR), DNS4(54, "dns4", Protocol.VAR),
        DNS6(55, "dns6", Protocol.VAR), DNSADDR(56, "dnsaddr", Protocol.VAR), IP6(41, "ip6", 128),
        IP6ZONE(42, "ip6zone", Protocol.VAR), UDP(273, "udp", 16), P2P_CIRCUIT(290, "p2p-circuit", 0),
        P2P(421, "p2p", Protocol.VAR), TLS(448, "tls", 0), NOISE(454, "noise", 0), QUIC(460, "quic", 0),
        QUIC_V1(461, "quic-v1", 0), WEBTRANSPORT(465, "webtransport", 0), WS(477, "ws", 0), WSS(478, "wss", 0),
        WEBRTC_DIRECT(280, "webrtc-direct", 0), WEBRTC(281, "webrtc", 0);

        static final int VAR = -1;
        private final int code;
        private final String text;
        private final int bits;

        Protocol(int code, String text, int bits) {
            this.code = code;
            this.text = text;
            this.bits = bits;
        }

        public int code() { return code; }

        public String text() { return text; }

        boolean hasValue() { return bits != 0; }

        static Protocol byName(String name) {
            if (name.equals("ipfs")) return P2P; // legacy alias of p2p
            for (Protocol p : values()) if (p.text.equals(name)) return p;
            throw new IllegalArgumentException("unknown multiaddr protocol '" + name + "'");
        }

        static Protocol byCode(long code) {
            for (Protocol p : values()) if (p.code == code) return p;
            throw new IllegalArgumentException("unknown multiaddr protocol code " + code);
        }
    }

    /** One protocol and its binary value (empty for value-less protocols). */
    public record Component(Protocol protocol, byte[] value) {
        public Component {
            if (protocol == null) throw new IllegalArgumentException("protocol is required");
            value = value == null ? new byte[0] : value.clone();
            validateValue(protocol, value);
        }

        @Override
        public byte[] value() { return value.clone(); }

        /** The value in text form, as it appears between slashes. */
        public String valueText() {
            return switch (protocol) {
                case IP4 -> (value[0] & 0xFF) + "." + (value[1] & 0xFF) + "." + (value[2] & 0xFF) + "." + (value[3] & 0xFF);
                case IP6 -> ip6Text(value);
                case TCP, UDP -> Integer.toString(((value[0] & 0xFF) << 8) | (value[1] & 0xFF));
                case P2P -> PeerId.fromBytes(value).toString();
                default -> new String(value, StandardCharsets.UTF_8);
            };
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Component c && c.protocol == protocol && Arrays.equals(c.value, value);
        }

        @Override
        public int hashCode() { return protocol.hashCode() * 31 + Arrays.hashCode(value); }

        @Override
        public String toString() {
            return "/" + protocol.text + (protocol.hasValue() ? "/" + valueText() : "");
        }
    }

    public Multiaddr {
        if (components == null || components.isEmpty()) throw new IllegalArgumentException("multiaddr is empty");
        components = List.copyOf(components);
        int size = 0;
        for (Component c : components) {
            size += Varint.size(c.protocol.code) + (c.protocol.bits == Protocol.VAR ? Varint.size(c.value.length) : 0) + c.value.length;
        }
        if (size > MAX_BYTES) throw new IllegalArgumentException("multiaddr of " + size + " bytes exceeds " + MAX_BYTES);
    }

    /** Parses the text form, e.g. {@code /ip4/192.168.1.5/tcp/9000/p2p/12D3KooW…}. */
    public static Multiaddr parse(String text) {
        if (text == null || text.isBlank()) throw new IllegalArgumentException("multiaddr is empty");
        if (!text.startsWith("/")) throw new IllegalArgumentException("multiaddr '" + text + "' must start with '/'");
        String[] parts = text.substring(1).split("/", -1);
        if (parts.length > 0 && parts[parts.length - 1].isEmpty()) parts = Arrays.copyOf(parts, parts.length - 1); // trailing slash
        List<Component> out = new ArrayList<>();
        for (int i = 0; i < parts.length; i++) {
            Protocol p;
            try {
                p = Protocol.byName(parts[i]);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("invalid multiaddr '" + text + "': " + e.getMessage());
            }
            if (!p.hasValue()) {
                out.add(new Component(p, null));
                continue;
            }
            if (++i >= parts.length || parts[i].isEmpty()) throw new IllegalArgumentException("invalid multiaddr '" + text + "': /" + p.text + " needs a value");
            try {
                out.add(new Component(p, valueFromText(p, parts[i])));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("invalid multiaddr '" + text + "': bad /" + p.text + " value '" + parts[i] + "': " + e.getMessage());
            }
        }
        if (out.isEmpty()) throw new IllegalArgumentException("multiaddr '" + text + "' has no components");
        return new Multiaddr(out);
    }

    /** Decodes the binary form. */
    public static Multiaddr fromBytes(byte[] bytes) {
        if (bytes.length > MAX_BYTES) throw new IllegalArgumentException("binary multiaddr of " + bytes.length + " bytes exceeds " + MAX_BYTES);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        List<Component> out = new ArrayList<>();
        while (in.hasRemaining()) {
            Protocol p = Protocol.byCode(Varint.read(in));
            int len = p.bits == Protocol.VAR ? Varint.readInt(in) : p.bits / 8;
            if (len > in.remaining()) throw new IllegalArgumentException("binary multiaddr truncated in /" + p.text + " value");
            byte[] v = new byte[len];
            in.get(v);
            out.add(new Component(p, v));
        }
        if (out.isEmpty()) throw new IllegalArgumentException("binary multiaddr is empty");
        return new Multiaddr(out);
    }

    public byte[] toBytes() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Component c : components) {
            Varint.write(c.protocol.code, out);
            if (c.protocol.bits == Protocol.VAR) Varint.write(c.value.length, out);
            out.writeBytes(c.value);
        }
        return out.toByteArray();
    }

    /** {@code /ip4/…/tcp/port} or {@code /ip6/…/tcp/port} for a resolved socket address. */
    public static Multiaddr tcp(InetSocketAddress address) {
        InetAddress ip = address.getAddress();
        if (ip == null) return parse("/dns/" + address.getHostString() + "/tcp/" + address.getPort());
        Protocol p = ip instanceof Inet4Address ? Protocol.IP4 : Protocol.IP6;
        byte[] port = {(byte) (address.getPort() >> 8), (byte) address.getPort()};
        return new Multiaddr(List.of(new Component(p, ip.getAddress()), new Component(Protocol.TCP, port)));
    }

    /** The peer id of the trailing {@code /p2p/…}, if any. */
    public Optional<PeerId> peerId() {
        Component last = components.get(components.size() - 1);
        return last.protocol == Protocol.P2P ? Optional.of(PeerId.fromBytes(last.value)) : Optional.empty();
    }

    /** This address ending in {@code /p2p/<peer>} (replacing any peer id it had). */
    public Multiaddr withPeerId(PeerId peer) {
        List<Component> out = new ArrayList<>(components);
        if (peerId().isPresent()) out.remove(out.size() - 1); // withoutPeerId() keeps a lone /p2p: it cannot be emptied
        out.add(new Component(Protocol.P2P, peer.toBytes()));
        return new Multiaddr(out);
    }

    /** This address without a trailing {@code /p2p/…}. */
    public Multiaddr withoutPeerId() {
        if (peerId().isEmpty() || components.size() == 1) return this;
        return new Multiaddr(components.subList(0, components.size() - 1));
    }

    /** True when this is ip4/ip6/dns* followed by tcp, optionally ending in p2p: what plain TCP transports dial. */
    public boolean isPlainTcp() {
        List<Component> c = withoutPeerId().components;
        if (c.size() != 2 || c.get(1).protocol != Protocol.TCP) return false;
        return switch (c.get(0).protocol) {
            case IP4, IP6, DNS, DNS4, DNS6 -> true;
            default -> false;
        };
    }

    /**
     * The TCP socket address of a {@link #isPlainTcp() plain TCP} address; host names are left unresolved.
     *
     * @throws IllegalArgumentException when this is not a plain TCP address
     */
    public InetSocketAddress toTcpSocketAddress() {
        if (!isPlainTcp()) throw new IllegalArgumentException("not a TCP multiaddr: " + this);
        Component host = components.get(0);
        int port = Integer.parseInt(components.get(1).valueText());
        return switch (host.protocol) {
            case IP4, IP6 -> {
                try {
                    yield new InetSocketAddress(InetAddress.getByAddress(host.value), port);
                } catch (UnknownHostException e) {
                    throw new IllegalStateException(e);
                }
            }
            default -> InetSocketAddress.createUnresolved(host.valueText(), port);
        };
    }

    /** True when any component uses {@code p}. */
    public boolean has(Protocol p) {
        return components.stream().anyMatch(c -> c.protocol == p);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        for (Component c : components) sb.append(c);
        return sb.toString();
    }

    private static byte[] valueFromText(Protocol p, String s) {
        return switch (p) {
            case IP4 -> parseIp4(s);
            case IP6 -> parseIp6(s);
            case TCP, UDP -> {
                if (!s.matches("[0-9]{1,5}")) throw new IllegalArgumentException("port must be a number 0-65535");
                int port = Integer.parseInt(s);
                if (port > 65535) throw new IllegalArgumentException("port must be a number 0-65535");
                yield new byte[] {(byte) (port >> 8), (byte) port};
            }
            case P2P -> PeerId.parse(s).toBytes();
            default -> {
                byte[] b = s.getBytes(StandardCharsets.UTF_8);
                if (!new String(b, StandardCharsets.UTF_8).equals(s)) throw new IllegalArgumentException("not well-formed Unicode text");
                yield b;
            }
        };
    }

    private static byte[] parseIp4(String s) {
        String[] octets = s.split("\\.", -1);
        if (octets.length != 4) throw new IllegalArgumentException("IPv4 address needs 4 dot-separated numbers");
        byte[] out = new byte[4];
        for (int i = 0; i < 4; i++) {
            // no leading zeros: "010" is 8 to inet_aton, 10 to others, and invalid to go-multiaddr and rust-multiaddr
            if (!octets[i].matches("0|[1-9][0-9]{0,2}") || Integer.parseInt(octets[i]) > 255) {
                throw new IllegalArgumentException("IPv4 octet '" + octets[i] + "' is not a number 0-255 without leading zeros");
            }
            out[i] = (byte) Integer.parseInt(octets[i]);
        }
        return out;
    }

    private static byte[] parseIp6(String s) {
        // only hex digits, colons and an embedded dotted IPv4; the brackets make InetAddress treat it as an IPv6
        // literal and fail rather than resolve it (unbracketed, a value starting with '.' went to the resolver)
        if (!s.contains(":") || !s.matches("[0-9a-fA-F:.]+")) throw new IllegalArgumentException("not an IPv6 address");
        try {
            InetAddress a = InetAddress.getByName("[" + s + "]");
            byte[] b = a.getAddress();
            if (b.length == 4) { // ::ffff:a.b.c.d is returned as IPv4; keep the 16-byte form
                byte[] mapped = new byte[16];
                mapped[10] = mapped[11] = (byte) 0xFF;
                System.arraycopy(b, 0, mapped, 12, 4);
                return mapped;
            }
            if (!(a instanceof Inet6Address)) throw new IllegalArgumentException("not an IPv6 address");
            return b;
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an IPv6 address");
        }
    }

    /** RFC 5952 text (longest run of two or more zero groups compressed, the first on a tie); IPv4-mapped as {@code ::ffff:a.b.c.d}. */
    private static String ip6Text(byte[] a) {
        boolean mapped = a[10] == (byte) 0xFF && a[11] == (byte) 0xFF;
        for (int i = 0; i < 10; i++) mapped &= a[i] == 0;
        if (mapped) return "::ffff:" + (a[12] & 0xFF) + "." + (a[13] & 0xFF) + "." + (a[14] & 0xFF) + "." + (a[15] & 0xFF);
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) groups[i] = ((a[2 * i] & 0xFF) << 8) | (a[2 * i + 1] & 0xFF);
        int runStart = -1, runLength = 1;
        for (int i = 0; i < 8; ) {
            int j = i;
            while (j < 8 && groups[j] == 0) j++;
            if (j - i > runLength) {
                runStart = i;
                runLength = j - i;
            }
            i = Math.max(j, i + 1);
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == runStart) {
                sb.append("::");
                i += runLength - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') sb.append(':');
            sb.append(Integer.toHexString(groups[i]));
        }
        return sb.toString();
    }

    private static void validateValue(Protocol p, byte[] v) {
        if (p.bits == 0 && v.length != 0) throw new IllegalArgumentException("/" + p.text + " takes no value");
        if (p.bits > 0 && v.length != p.bits / 8) throw new IllegalArgumentException("/" + p.text + " value must be " + p.bits / 8 + " bytes, got " + v.length);
        if (p.bits == Protocol.VAR) {
            if (v.length == 0) throw new IllegalArgumentException("/" + p.text + " value is empty");
            if (p == Protocol.P2P) {
                PeerId.fromBytes(v);
            } else {
                String s = new String(v, StandardCharsets.UTF_8);
                if (s.indexOf('/') >= 0 || !Arrays.equals(s.getBytes(StandardCharsets.UTF_8), v) || s.chars().anyMatch(ch -> ch < 0x21 || ch == 0x7F)) {
                    throw new IllegalArgumentException("/" + p.text + " value must be printable UTF-8 without '/'");
                }
            }
        }
    }
}
