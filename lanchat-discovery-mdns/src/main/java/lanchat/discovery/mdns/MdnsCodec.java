package lanchat.discovery.mdns;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.dns.DatagramDnsQuery;
import io.netty.handler.codec.dns.DatagramDnsQueryDecoder;
import io.netty.handler.codec.dns.DatagramDnsQueryEncoder;
import io.netty.handler.codec.dns.DatagramDnsResponse;
import io.netty.handler.codec.dns.DatagramDnsResponseDecoder;
import io.netty.handler.codec.dns.DatagramDnsResponseEncoder;
import io.netty.handler.codec.dns.DefaultDnsPtrRecord;
import io.netty.handler.codec.dns.DefaultDnsQuestion;
import io.netty.handler.codec.dns.DefaultDnsRawRecord;
import io.netty.handler.codec.dns.DefaultDnsRecordEncoder;
import io.netty.handler.codec.dns.DnsMessage;
import io.netty.handler.codec.dns.DnsPtrRecord;
import io.netty.handler.codec.dns.DnsQuestion;
import io.netty.handler.codec.dns.DnsRawRecord;
import io.netty.handler.codec.dns.DnsRecord;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsSection;
import io.netty.util.ReferenceCountUtil;

/**
 * mDNS messages to and from bytes with Netty's codec-dns, run in {@link EmbeddedChannel}s so that the same code
 * encodes what we send, measures it against the MTU, and decodes what arrives (and so unit tests see exactly the
 * production bytes). Netty objects never leave this class: callers build {@link Draft}s and get {@link Message}s, plain
 * immutable data, so reference counting stays here.
 *
 * <p>What Netty does: header, sections, record framing, name encoding and decoding with compression pointers (with
 * its hardening: at most 127 pointers per name, 255-byte names, 63-byte labels, 4096 records per section). What this
 * class adds: the RDATA of SRV (through {@link DefaultDnsRecordEncoder#encodeName}), TXT, A and AAAA, and reading TXT
 * RDATA into strings. Netty does not compress names it writes, so messages are a little larger than go's; the size
 * is always measured, never estimated.
 *
 * <p>Not thread-safe; one instance per event loop.
 */
final class MdnsCodec implements AutoCloseable {
    static final int A = 1, PTR = 12, TXT = 16, AAAA = 28, SRV = 33, ANY = 255;
    static final int CLASS_IN = 1, CACHE_FLUSH = 0x8000;
    /** The largest datagram we read or accept: RFC 6762 17 caps mDNS messages at 9000 bytes. */
    static final int MAX_PACKET = 9000;
    /** Records kept from one message; the rest is ignored. */
    static final int MAX_RECORDS = 128;
    private static final int HEADER = 12;
    private static final InetSocketAddress NOWHERE = new InetSocketAddress(InetAddress.getLoopbackAddress(), 5353);

    // ------------------------------------------------------------ plain data in and out

    /** A question; {@code unicastResponse} is the QU bit (top bit of the class). */
    record Question(String name, int type, boolean unicastResponse) {}

    /** What we read from a record: {@code target} for PTR, {@code txt} for TXT, nothing more for other types. */
    record Rec(String name, int type, boolean cacheFlush, long ttl, String target, List<String> txt) {
        Rec {
            txt = txt == null ? List.of() : List.copyOf(txt);
        }
    }

    /**
     * A decoded message. For a response, {@code records} holds the answer, authority and additional sections in that
     * order (go-libp2p reads all three); for a query, the answer section (known answers).
     */
    record Message(boolean response, int id, List<Question> questions, List<Rec> records) {
        Message {
            questions = List.copyOf(questions);
            records = List.copyOf(records);
        }
    }

    /** RDATA of the records we write. */
    sealed interface Rdata {}

    record Ptr(String target) implements Rdata {}

    record Srv(int priority, int weight, int port, String target) implements Rdata {}

    record Txt(List<String> strings) implements Rdata {
        Txt {
            strings = List.copyOf(strings);
        }
    }

    record Addr(InetAddress ip) implements Rdata {}

    /** A record to write; {@code cacheFlush} sets the top bit of the class (RFC 6762 10.2). */
    record Rr(String name, boolean cacheFlush, long ttl, Rdata data) {}

    /** A message to write. Responses get QR and AA set; queries have neither (and RD clear). */
    record Draft(boolean response, int id, List<Question> questions, List<Rr> answers, List<Rr> additionals) {
        Draft {
            questions = List.copyOf(questions);
            answers = List.copyOf(answers);
            additionals = List.copyOf(additionals);
        }
    }

    // ------------------------------------------------------------ Netty plumbing

    /** Gives access to the protected {@link DefaultDnsRecordEncoder#encodeName} for SRV targets. */
    private static final class RecordEncoder extends DefaultDnsRecordEncoder {
        ByteBuf srv(Srv s) {
            ByteBuf b = Unpooled.buffer(6 + s.target().length() + 2);
            b.writeShort(s.priority()).writeShort(s.weight()).writeShort(s.port());
            try {
                encodeName(s.target(), b);
            } catch (Exception e) {
                b.release();
                throw new IllegalArgumentException("bad SRV target '" + s.target() + "': " + e.getMessage(), e);
            }
            return b;
        }
    }

    /** Decodes responses; passes queries on untouched to the query decoder behind it. */
    private static final class ResponseOrPass extends DatagramDnsResponseDecoder {
        @Override
        protected void decode(ChannelHandlerContext ctx, DatagramPacket packet, List<Object> out) throws Exception {
            ByteBuf in = packet.content();
            if (in.readableBytes() < HEADER) throw new CorruptedFrameException("shorter than a DNS header");
            if (in.readableBytes() > MAX_PACKET) throw new CorruptedFrameException("larger than " + MAX_PACKET + " bytes");
            if ((in.getByte(in.readerIndex() + 2) & 0x80) == 0) out.add(packet.retain()); // QR clear: a query
            else super.decode(ctx, packet, out);
        }
    }

    private final RecordEncoder records = new RecordEncoder();
    private final EmbeddedChannel responseEncoder = new EmbeddedChannel(new DatagramDnsResponseEncoder(records));
    private final EmbeddedChannel queryEncoder = new EmbeddedChannel(new DatagramDnsQueryEncoder(records));
    private final EmbeddedChannel decoder = new EmbeddedChannel(new ResponseOrPass(), new DatagramDnsQueryDecoder());

    // ------------------------------------------------------------ encoding

    byte[] encode(Draft d) {
        DnsMessage msg;
        EmbeddedChannel ch;
        if (d.response()) {
            DatagramDnsResponse r = new DatagramDnsResponse(NOWHERE, NOWHERE, d.id());
            r.setAuthoritativeAnswer(true);
            r.setRecursionDesired(false);
            msg = r;
            ch = responseEncoder;
        } else {
            DatagramDnsQuery q = new DatagramDnsQuery(NOWHERE, NOWHERE, d.id());
            q.setRecursionDesired(false);
            msg = q;
            ch = queryEncoder;
        }
        try {
            for (Question q : d.questions()) {
                msg.addRecord(DnsSection.QUESTION, new DefaultDnsQuestion(q.name(), DnsRecordType.valueOf(q.type()), CLASS_IN | (q.unicastResponse() ? CACHE_FLUSH : 0)));
            }
            for (Rr rr : d.answers()) msg.addRecord(DnsSection.ANSWER, record(rr));
            for (Rr rr : d.additionals()) msg.addRecord(DnsSection.ADDITIONAL, record(rr));
        } catch (RuntimeException e) {
            ReferenceCountUtil.release(msg);
            throw e;
        }
        ch.writeOutbound(msg); // the encoder releases msg
        DatagramPacket p = ch.readOutbound();
        try {
            return ByteBufUtil.getBytes(p.content());
        } finally {
            p.release();
        }
    }

    private DnsRecord record(Rr rr) {
        int cls = CLASS_IN | (rr.cacheFlush() ? CACHE_FLUSH : 0);
        Rdata d = rr.data();
        if (d instanceof Ptr p) return new DefaultDnsPtrRecord(rr.name(), cls, rr.ttl(), p.target());
        if (d instanceof Srv s) return new DefaultDnsRawRecord(rr.name(), DnsRecordType.SRV, cls, rr.ttl(), records.srv(s));
        if (d instanceof Txt t) return new DefaultDnsRawRecord(rr.name(), DnsRecordType.TXT, cls, rr.ttl(), Unpooled.wrappedBuffer(TxtRecords.rdata(t.strings())));
        byte[] ip = ((Addr) d).ip().getAddress();
        return new DefaultDnsRawRecord(rr.name(), ip.length == 4 ? DnsRecordType.A : DnsRecordType.AAAA, cls, rr.ttl(), Unpooled.wrappedBuffer(ip));
    }

    // ------------------------------------------------------------ decoding

    /** Decodes one datagram; empty for anything malformed (never throws for bad input). */
    Optional<Message> decode(byte[] packet, int offset, int length) {
        if (length < HEADER || length > MAX_PACKET) return Optional.empty();
        Object msg = null;
        try {
            decoder.writeInbound(new DatagramPacket(Unpooled.wrappedBuffer(packet, offset, length), NOWHERE, NOWHERE));
            msg = decoder.readInbound();
            if (!(msg instanceof DnsMessage m)) return Optional.empty();
            boolean response = msg instanceof DatagramDnsResponse;
            List<Question> qs = new ArrayList<>();
            for (int i = 0, n = Math.min(m.count(DnsSection.QUESTION), MAX_RECORDS); i < n; i++) {
                DnsQuestion q = m.recordAt(DnsSection.QUESTION, i);
                qs.add(new Question(q.name(), q.type().intValue(), (q.dnsClass() & CACHE_FLUSH) != 0));
            }
            List<Rec> recs = new ArrayList<>();
            DnsSection[] sections = response ? new DnsSection[] {DnsSection.ANSWER, DnsSection.AUTHORITY, DnsSection.ADDITIONAL} : new DnsSection[] {DnsSection.ANSWER};
            for (DnsSection s : sections) {
                for (int i = 0, n = m.count(s); i < n && recs.size() < MAX_RECORDS; i++) {
                    Rec r = rec(m.recordAt(s, i));
                    if (r != null) recs.add(r);
                }
            }
            return Optional.of(new Message(response, m.id(), qs, recs));
        } catch (Exception malformed) {
            return Optional.empty();
        } finally {
            ReferenceCountUtil.release(msg);
            for (Object o; (o = decoder.readInbound()) != null; ) ReferenceCountUtil.release(o);
        }
    }

    private static Rec rec(DnsRecord r) {
        int cls = r.dnsClass() & 0x7FFF;
        if (cls != CLASS_IN && cls != ANY) return null;
        boolean flush = (r.dnsClass() & CACHE_FLUSH) != 0;
        int type = r.type().intValue();
        if (r instanceof DnsPtrRecord p) return new Rec(r.name(), PTR, flush, r.timeToLive(), p.hostname(), null);
        if (type == TXT && r instanceof DnsRawRecord raw) {
            ByteBuf c = raw.content();
            byte[] b = ByteBufUtil.getBytes(c, c.readerIndex(), c.readableBytes(), false);
            return new Rec(r.name(), TXT, flush, r.timeToLive(), null, TxtRecords.strings(b, 0, b.length));
        }
        return null; // SRV, A, AAAA and others: go-libp2p only uses TXT, and so do we
    }

    @Override
    public void close() {
        responseEncoder.finishAndReleaseAll();
        queryEncoder.finishAndReleaseAll();
        decoder.finishAndReleaseAll();
    }
}
