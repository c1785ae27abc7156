package lanchat.transport.libp2p.yamux;

import static lanchat.transport.libp2p.Wire.buf;
import static lanchat.transport.libp2p.Wire.hex;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import lanchat.transport.libp2p.Wire;
import org.junit.jupiter.api.Test;

class YamuxFrameCodecTest {

    @Test
    void decodesHandBuiltHeaders() {
        EmbeddedChannel ch = new EmbeddedChannel(new YamuxFrameDecoder());
        ch.writeInbound(buf(hex(
                "00 00 0001 00000001 00000005 68656c6c6f" // Data SYN stream 1 "hello"
                + "00 01 0002 00000002 00040000"           // Window Update ACK stream 2 +256 KiB
                + "00 02 0001 00000000 cafebabe"           // Ping SYN opaque 0xcafebabe
                + "00 03 0000 00000000 00000001"           // Go Away protocol error
                + "00 00 000c 00000003 00000000")));       // Data FIN|RST stream 3, empty
        YamuxFrame data = ch.readInbound();
        assertEquals(YamuxFrameType.DATA, data.type());
        assertEquals(YamuxFrame.FLAG_SYN, data.flags());
        assertEquals(1, data.streamId());
        assertEquals(5, data.length());
        assertEquals("hello", data.data().toString(StandardCharsets.US_ASCII));
        data.release();
        YamuxFrame wu = ch.readInbound();
        assertEquals(new YamuxFrame(0, YamuxFrameType.WINDOW_UPDATE, YamuxFrame.FLAG_ACK, 2, 262144, null), wu);
        YamuxFrame ping = ch.readInbound();
        assertEquals(YamuxFrame.ping(YamuxFrame.FLAG_SYN, 0xcafebabeL), ping);
        YamuxFrame goAway = ch.readInbound();
        assertEquals(YamuxFrame.goAway(GoAwayCode.PROTOCOL_ERROR), goAway);
        YamuxFrame empty = ch.readInbound();
        assertTrue(empty.hasFlag(YamuxFrame.FLAG_FIN) && empty.hasFlag(YamuxFrame.FLAG_RST));
        assertEquals(0, empty.data().readableBytes());
        empty.release();
        assertNull(ch.readInbound());
        assertFalse(ch.finish());
    }

    @Test
    void encodesHeaderThenPayloadWithoutCopy() {
        EmbeddedChannel ch = new EmbeddedChannel(new YamuxFrameEncoder());
        ByteBuf payload = Unpooled.copiedBuffer("hello", StandardCharsets.US_ASCII);
        ch.writeOutbound(YamuxFrame.data(0xFFFFFFFF, YamuxFrame.FLAG_FIN, payload));
        ByteBuf header = ch.readOutbound();
        assertArrayEquals(hex("00 00 0004 ffffffff 00000005"), ByteBufUtil.getBytes(header));
        header.release();
        ByteBuf body = ch.readOutbound();
        assertSame(payload, body);
        body.release();
        assertEquals(0, payload.refCnt());

        ch.writeOutbound(YamuxFrame.windowUpdate(7, 0, 0xFFFFFFFFL), YamuxFrame.goAway(GoAwayCode.INTERNAL_ERROR));
        assertArrayEquals(hex("00 01 0000 00000007 ffffffff  00 03 0000 00000000 00000002"), Wire.drainOutbound(ch));
        assertFalse(ch.finish());
    }

    @Test
    void roundTripsAtEverySplitPoint() {
        EmbeddedChannel enc = new EmbeddedChannel(new YamuxFrameEncoder());
        enc.writeOutbound(YamuxFrame.data(1, YamuxFrame.FLAG_SYN, Unpooled.wrappedBuffer(new byte[1000])),
                YamuxFrame.ping(YamuxFrame.FLAG_ACK, 9),
                YamuxFrame.data(3, 0, Unpooled.EMPTY_BUFFER));
        byte[] wire = Wire.drainOutbound(enc);
        assertFalse(enc.finish());
        for (int split = 0; split <= wire.length; split += 7) {
            EmbeddedChannel dec = new EmbeddedChannel(new YamuxFrameCodec());
            dec.writeInbound(buf(Arrays.copyOfRange(wire, 0, split)));
            dec.writeInbound(buf(Arrays.copyOfRange(wire, split, wire.length)));
            YamuxFrame a = dec.readInbound();
            assertEquals(1000, a.data().readableBytes(), "split " + split);
            a.release();
            assertEquals(YamuxFrame.ping(YamuxFrame.FLAG_ACK, 9), dec.readInbound());
            YamuxFrame c = dec.readInbound();
            assertEquals(3, c.streamId());
            c.release();
            assertNull(dec.readInbound());
            assertFalse(dec.finish());
        }
    }

    @Test
    void rejectsBadVersionUnknownTypeAndOversizeData() {
        assertReject(new YamuxFrameDecoder(), "01 00 0000 00000001 00000000", "version 1");
        assertReject(new YamuxFrameDecoder(), "00 04 0000 00000001 00000000", "type 4");
        // only the header: the payload is refused before it is buffered
        assertReject(new YamuxFrameDecoder(1024), "00 00 0000 00000001 00000401", "maxDataLength 1024");
        assertReject(new YamuxFrameDecoder(), "00 00 0000 00000001 ffffffff", "maxDataLength");
    }

    private static void assertReject(YamuxFrameDecoder decoder, String hex, String expected) {
        EmbeddedChannel ch = new EmbeddedChannel(decoder);
        YamuxProtocolException e = assertThrows(YamuxProtocolException.class, () -> ch.writeInbound(buf(hex(hex))));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        // afterwards even valid frames are dropped: the stream cannot be re-synchronised
        ByteBuf later = buf(hex("00 02 0001 00000000 00000001"));
        ch.writeInbound(later);
        assertEquals(0, later.refCnt());
        assertNull(ch.readInbound());
        assertFalse(ch.finish());
    }

    @Test
    void frameValidatesItsFields() {
        assertThrows(IllegalArgumentException.class,
                () -> new YamuxFrame(0, YamuxFrameType.DATA, 0, 1, 3, Unpooled.EMPTY_BUFFER));
        assertThrows(IllegalArgumentException.class,
                () -> new YamuxFrame(0, YamuxFrameType.PING, 0x10000, 0, 0, null));
        assertThrows(IllegalArgumentException.class, () -> YamuxFrame.windowUpdate(1, 0, 1L << 32));
        assertThrows(NullPointerException.class, () -> new YamuxFrame(0, YamuxFrameType.DATA, 0, 1, 0, null));
        assertThrows(IllegalArgumentException.class, () -> new YamuxFrameDecoder(-1));
        assertEquals("YamuxFrame(WINDOW_UPDATE stream=4294967295 flags=SYN|FIN length=3)",
                YamuxFrame.windowUpdate(-1, YamuxFrame.FLAG_SYN | YamuxFrame.FLAG_FIN, 3).toString());
    }
}
