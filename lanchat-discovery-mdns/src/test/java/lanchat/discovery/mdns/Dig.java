package lanchat.discovery.mdns;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.handler.codec.dns.DatagramDnsQueryDecoder;
import io.netty.handler.codec.dns.DatagramDnsResponseDecoder;
import io.netty.handler.codec.dns.DefaultDnsRecordDecoder;
import io.netty.handler.codec.dns.DnsMessage;
import io.netty.handler.codec.dns.DnsPtrRecord;
import io.netty.handler.codec.dns.DnsQuestion;
import io.netty.handler.codec.dns.DnsRawRecord;
import io.netty.handler.codec.dns.DnsRecord;
import io.netty.handler.codec.dns.DnsResponse;
import io.netty.handler.codec.dns.DnsSection;
import io.netty.util.ReferenceCountUtil;

/**
 * Test helper: a full decode of an mDNS message (every record type we send) with Netty's decoders, independent of
 * {@link MdnsCodec#decode}, rendered like {@code dig}. Used to check the records field by field and to print them.
 */
final class Dig {
    private Dig() {}

    /** One decoded record, with its RDATA in presentation form. */
    record Line(String section, String name, long ttl, int dnsClass, String type, String data) {
        boolean flush() {
            return (dnsClass & 0x8000) != 0;
        }

        @Override
        public String toString() {
            return String.format("%-10s %-72s %5d %-8s %-5s %s", section, name, ttl, (dnsClass & 0x7FFF) == 1 ? (flush() ? "IN,flush" : "IN") : "CLASS" + dnsClass, type, data);
        }
    }

    record Parsed(boolean response, int id, int flags, List<Line> lines) {
        List<Line> section(String s) {
            return lines.stream().filter(l -> l.section.equals(s)).toList();
        }

        String render() {
            StringBuilder sb = new StringBuilder();
            sb.append(";; ->>HEADER<<- opcode: QUERY, id: ").append(id).append(String.format(", flags: 0x%04x%s", flags, response ? " qr aa" : "")).append('\n');
            for (Line l : lines) sb.append(l).append('\n');
            return sb.toString();
        }
    }

    static Parsed parse(byte[] bytes) {
        boolean response = (bytes[2] & 0x80) != 0;
        int flags = ((bytes[2] & 0xFF) << 8) | (bytes[3] & 0xFF);
        InetSocketAddress a = new InetSocketAddress(InetAddress.getLoopbackAddress(), 5353);
        EmbeddedChannel ch = new EmbeddedChannel(response ? new DatagramDnsResponseDecoder() : new DatagramDnsQueryDecoder());
        Object o = null;
        try {
            ch.writeInbound(new DatagramPacket(Unpooled.wrappedBuffer(bytes), a, a));
            o = ch.readInbound();
            DnsMessage m = (DnsMessage) o;
            List<Line> lines = new ArrayList<>();
            for (int i = 0; i < m.count(DnsSection.QUESTION); i++) {
                DnsQuestion q = m.recordAt(DnsSection.QUESTION, i);
                lines.add(new Line("QUESTION", q.name(), 0, q.dnsClass(), q.type().name(), ""));
            }
            for (DnsSection s : new DnsSection[] {DnsSection.ANSWER, DnsSection.AUTHORITY, DnsSection.ADDITIONAL}) {
                for (int i = 0; i < m.count(s); i++) {
                    DnsRecord r = m.recordAt(s, i);
                    lines.add(new Line(s.name(), r.name(), r.timeToLive(), r.dnsClass(), r.type().name(), data(r)));
                }
            }
            return new Parsed(m instanceof DnsResponse, m.id(), flags, lines);
        } finally {
            ReferenceCountUtil.release(o);
            ch.finishAndReleaseAll();
        }
    }

    private static String data(DnsRecord r) {
        if (r instanceof DnsPtrRecord p) return p.hostname();
        ByteBuf c = ((DnsRawRecord) r).content();
        byte[] b = new byte[c.readableBytes()];
        c.getBytes(c.readerIndex(), b);
        switch (r.type().name()) {
            case "A", "AAAA" -> {
                try {
                    return InetAddress.getByAddress(b).getHostAddress();
                } catch (Exception e) {
                    return "?";
                }
            }
            case "SRV" -> {
                int prio = c.getUnsignedShort(c.readerIndex()), weight = c.getUnsignedShort(c.readerIndex() + 2), port = c.getUnsignedShort(c.readerIndex() + 4);
                String target = DefaultDnsRecordDecoder.decodeName(c.duplicate().skipBytes(6));
                return prio + " " + weight + " " + port + " " + target;
            }
            case "TXT" -> {
                StringBuilder sb = new StringBuilder();
                for (String s : TxtRecords.strings(b, 0, b.length)) sb.append(sb.length() == 0 ? "" : " ").append('"').append(s).append('"');
                return sb.toString();
            }
            default -> {
                return HexFormat.of().formatHex(b);
            }
        }
    }

    /** {@code xxd}-like hex dump. */
    static String hex(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < b.length; i += 16) {
            sb.append(String.format("%04x  ", i));
            StringBuilder ascii = new StringBuilder();
            for (int j = i; j < i + 16; j++) {
                if (j < b.length) {
                    sb.append(String.format("%02x ", b[j] & 0xFF));
                    char ch = (char) (b[j] & 0xFF);
                    ascii.append(ch >= 0x20 && ch < 0x7F ? ch : '.');
                } else {
                    sb.append("   ");
                }
            }
            sb.append(' ').append(ascii).append('\n');
        }
        return sb.toString();
    }
}
