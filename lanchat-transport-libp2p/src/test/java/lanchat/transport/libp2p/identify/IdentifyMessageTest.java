package lanchat.transport.libp2p.identify;

import static lanchat.api.internal.Bytes.concat;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import lanchat.api.Identity;
import lanchat.api.Multiaddr;
import lanchat.api.internal.ProtoWriter;
import lanchat.api.internal.Varint;
import org.junit.jupiter.api.Test;

class IdentifyMessageTest {
    static final Multiaddr LAN = Multiaddr.parse("/ip4/192.168.1.5/tcp/4001");
    static final Multiaddr LOOP6 = Multiaddr.parse("/ip6/::1/tcp/4002");
    static final Multiaddr OBSERVED = Multiaddr.parse("/ip4/10.0.0.7/tcp/55555");

    static IdentifyMessage full(byte[] key) {
        return new IdentifyMessage(Optional.of(IdentifyMessage.PROTOCOL_VERSION), Optional.of("lanchat/test"), Optional.of(key),
                List.of(LAN, LOOP6), Optional.of(OBSERVED), List.of("/chat/1.1.0", "/ipfs/id/1.0.0", "/ipfs/ping/1.0.0"));
    }

    /** Records compare Optional<byte[]> by identity: compare field by field. */
    static void assertSame(IdentifyMessage expected, IdentifyMessage actual) {
        assertEquals(expected.protocolVersion(), actual.protocolVersion());
        assertEquals(expected.agentVersion(), actual.agentVersion());
        assertEquals(expected.publicKey().isPresent(), actual.publicKey().isPresent());
        expected.publicKey().ifPresent(k -> assertArrayEquals(k, actual.publicKey().get()));
        assertEquals(expected.listenAddrs(), actual.listenAddrs());
        assertEquals(expected.observedAddr(), actual.observedAddr());
        assertEquals(expected.protocols(), actual.protocols());
    }

    @Test
    void everyFieldRoundTrips() {
        byte[] key = Identity.generate().publicKey().encode();
        IdentifyMessage m = full(key);
        assertSame(m, IdentifyMessage.decode(m.encode()));
    }

    @Test
    void anEmptyMessageRoundTrips() {
        assertEquals(0, IdentifyMessage.EMPTY.encode().length);
        assertSame(IdentifyMessage.EMPTY, IdentifyMessage.decode(new byte[0]));
    }

    @Test
    void encodesWithTheSpecFieldNumbers() {
        byte[] key = {8, 1, 18, 0};
        IdentifyMessage m = new IdentifyMessage(Optional.of("ipfs/0.1.0"), Optional.of("a"), Optional.of(key), List.of(LAN),
                Optional.of(OBSERVED), List.of("/p"));
        byte[] expected = new ProtoWriter().bytes(1, key).bytes(2, LAN.toBytes()).string(3, "/p").bytes(4, OBSERVED.toBytes())
                .string(5, "ipfs/0.1.0").string(6, "a").toByteArray();
        assertArrayEquals(expected, m.encode());
    }

    @Test
    void decodesAHandBuiltMessageInAnyFieldOrderSkippingUnknownFields() {
        byte[] key = Identity.generate().publicKey().encode();
        byte[] signedPeerRecord = {1, 2, 3, 4, 5};
        ByteArrayBuilder b = new ByteArrayBuilder();
        // go-libp2p writes fields in its own order and adds the signed peer record (8); a future field may appear
        b.add(new ProtoWriter().string(6, "go-libp2p/0.36.0").string(3, "/ipfs/id/1.0.0").toByteArray());
        b.add(new ProtoWriter().bytes(8, signedPeerRecord).varint(7, 1).bytes(2, LAN.toBytes()).toByteArray());
        b.add(fixed64(100)).add(fixed32(101));
        b.add(new ProtoWriter().string(5, "ipfs/0.1.0").bytes(4, OBSERVED.toBytes()).bytes(1, key)
                .string(3, "/ipfs/ping/1.0.0").bytes(2, LOOP6.toBytes()).varint(1000, 42).toByteArray());
        IdentifyMessage m = IdentifyMessage.decode(b.bytes());
        assertEquals(Optional.of("ipfs/0.1.0"), m.protocolVersion());
        assertEquals(Optional.of("go-libp2p/0.36.0"), m.agentVersion());
        assertArrayEquals(key, m.publicKey().orElseThrow());
        assertEquals(List.of(LAN, LOOP6), m.listenAddrs());
        assertEquals(Optional.of(OBSERVED), m.observedAddr());
        assertEquals(List.of("/ipfs/id/1.0.0", "/ipfs/ping/1.0.0"), m.protocols());
    }

    @Test
    void aGoldenMessageByteForByte() {
        // protocolVersion "ipfs/0.1.0" (field 5) and one listen address /ip4/127.0.0.1/tcp/4001 (field 2)
        byte[] wire = {
            0x2a, 10, 'i', 'p', 'f', 's', '/', '0', '.', '1', '.', '0',
            0x12, 8, 0x04, 127, 0, 0, 1, 0x06, 0x0f, (byte) 0xa1,
        };
        IdentifyMessage m = IdentifyMessage.decode(wire);
        assertEquals(Optional.of("ipfs/0.1.0"), m.protocolVersion());
        assertEquals(List.of(Multiaddr.parse("/ip4/127.0.0.1/tcp/4001")), m.listenAddrs());
        assertTrue(m.agentVersion().isEmpty() && m.publicKey().isEmpty() && m.observedAddr().isEmpty() && m.protocols().isEmpty());
    }

    @Test
    void unparseableAddressesAreDroppedNotFatal() {
        List<byte[]> bad = List.of(
                new byte[0],                                            // empty
                Varint.encode(0x1234),                                  // unknown protocol code
                new byte[] {0x04, 127, 0},                              // ip4 truncated
                new byte[] {0x04, 127, 0, 0, 1, 0x06},                  // tcp value missing
                concat(Varint.encode(421), new byte[] {3, 1, 2, 3}),    // /p2p with a bad multihash
                concat(Varint.encode(421), Varint.encode(1L << 40)),    // /p2p length beyond an int
                concat(Varint.encode(53), new byte[] {2, (byte) 0xff, (byte) 0xfe}), // dns, not UTF-8
                new byte[] {(byte) 0x80},                               // truncated varint code
                new byte[2000]);                                        // over Multiaddr.MAX_BYTES
        for (byte[] addr : bad) {
            ProtoWriter w = new ProtoWriter().bytes(2, LAN.toBytes()).bytes(2, addr).bytes(4, addr).bytes(2, LOOP6.toBytes());
            IdentifyMessage m = IdentifyMessage.decode(w.toByteArray());
            assertEquals(List.of(LAN, LOOP6), m.listenAddrs(), () -> "address " + java.util.HexFormat.of().formatHex(addr));
            assertEquals(Optional.empty(), m.observedAddr());
        }
    }

    @Test
    void malformedProtobufIsAnIllegalArgumentException() {
        List<byte[]> bad = List.of(
                new byte[] {0x0a, 5, 1, 2},                  // publicKey length beyond the message
                new byte[] {0x0a},                           // key without its length
                new byte[] {(byte) 0x80},                    // truncated tag varint
                new byte[] {0x00, 0x00},                     // field number 0
                new byte[] {0x0b, 0x00},                     // field 1, wire type 3 (group start)
                new byte[] {0x28, 0x01},                     // field 5 (a string) as a varint
                new byte[] {0x1a, (byte) 0x80},              // truncated length varint
                new byte[] {0x7a, 0x03, 1},                  // unknown field 15, truncated
                new byte[] {(byte) 0x81, 0x01, 0x01, 1, 2, 3}); // unknown field 16 as fixed64, truncated
        for (byte[] b : bad) {
            assertThrows(IllegalArgumentException.class, () -> IdentifyMessage.decode(b), () -> java.util.HexFormat.of().formatHex(b));
        }
    }

    @Test
    void mergeAddsRepeatedFieldsAndReplacesTheOthers() {
        byte[] k1 = Identity.generate().publicKey().encode();
        byte[] k2 = Identity.generate().publicKey().encode();
        IdentifyMessage first = IdentifyMessage.decode(new ProtoWriter().bytes(1, k1).string(6, "old").string(3, "/a")
                .bytes(2, LAN.toBytes()).bytes(4, OBSERVED.toBytes()).toByteArray());
        IdentifyMessage merged = first.merge(new ProtoWriter().bytes(1, k2).string(6, "new").string(3, "/b")
                .bytes(2, LOOP6.toBytes()).string(5, "ipfs/0.1.0").toByteArray());
        assertArrayEquals(k2, merged.publicKey().orElseThrow());
        assertEquals(Optional.of("new"), merged.agentVersion());
        assertEquals(Optional.of("ipfs/0.1.0"), merged.protocolVersion());
        assertEquals(List.of("/a", "/b"), merged.protocols());
        assertEquals(List.of(LAN, LOOP6), merged.listenAddrs());
        assertEquals(Optional.of(OBSERVED), merged.observedAddr(), "kept when the update does not carry one");
    }

    @Test
    void stringsWithInvalidUtf8AreReplaced() {
        IdentifyMessage m = IdentifyMessage.decode(new ProtoWriter().bytes(6, new byte[] {'g', (byte) 0xff, 'o'}).toByteArray());
        assertEquals(Optional.of("g\uFFFDo"), m.agentVersion());
        assertEquals("g\uFFFDo".getBytes(StandardCharsets.UTF_8).length, 5);
    }

    @Test
    void theRecordCopiesItsLists() {
        java.util.ArrayList<String> protocols = new java.util.ArrayList<>(List.of("/a"));
        IdentifyMessage m = new IdentifyMessage(Optional.empty(), Optional.empty(), Optional.empty(), List.of(), Optional.empty(), protocols);
        protocols.add("/b");
        assertEquals(List.of("/a"), m.protocols());
        assertThrows(UnsupportedOperationException.class, () -> m.protocols().add("/c"));
    }

    private static byte[] fixed64(int field) {
        return concat(Varint.encode(((long) field << 3) | 1), new byte[8]);
    }

    private static byte[] fixed32(int field) {
        return concat(Varint.encode(((long) field << 3) | 5), new byte[4]);
    }

    static final class ByteArrayBuilder {
        private final java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();

        ByteArrayBuilder add(byte[] b) {
            out.writeBytes(b);
            return this;
        }

        byte[] bytes() {
            return out.toByteArray();
        }
    }
}
