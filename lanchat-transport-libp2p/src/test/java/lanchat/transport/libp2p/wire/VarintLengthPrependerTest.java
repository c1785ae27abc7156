package lanchat.transport.libp2p.wire;

import static lanchat.transport.libp2p.Wire.hex;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.EncoderException;
import java.nio.charset.StandardCharsets;
import lanchat.transport.libp2p.Wire;
import org.junit.jupiter.api.Test;

class VarintLengthPrependerTest {

    @Test
    void prefixesWithoutCopyingThePayload() {
        EmbeddedChannel ch = new EmbeddedChannel(new VarintLengthPrepender());
        ByteBuf payload = Unpooled.copiedBuffer("hello", StandardCharsets.US_ASCII);
        ch.writeOutbound(payload);
        ByteBuf prefix = ch.readOutbound();
        assertArrayEquals(hex("05"), ByteBufUtil.getBytes(prefix));
        prefix.release();
        ByteBuf body = ch.readOutbound();
        assertSame(payload, body);
        assertEquals(1, body.refCnt());
        body.release();
        assertNull(ch.readOutbound());
        assertFalse(ch.finish());
    }

    @Test
    void twoBytePrefixAndEmptyFrame() {
        EmbeddedChannel ch = new EmbeddedChannel(new VarintLengthPrepender());
        ch.writeOutbound(Unpooled.wrappedBuffer(new byte[300]), Unpooled.EMPTY_BUFFER);
        byte[] wire = Wire.drainOutbound(ch);
        assertEquals(2 + 300 + 1, wire.length);
        assertEquals((byte) 0xAC, wire[0]);
        assertEquals((byte) 0x02, wire[1]);
        assertEquals(0, wire[302]);
        assertFalse(ch.finish());
    }

    @Test
    void roundTripsThroughTheDecoder() {
        EmbeddedChannel enc = new EmbeddedChannel(new VarintLengthPrepender());
        EmbeddedChannel dec = new EmbeddedChannel(new VarintFrameDecoder(1 << 16));
        for (int len : new int[] {0, 1, 127, 128, 5000, 65536}) {
            enc.writeOutbound(Unpooled.wrappedBuffer(new byte[len]));
        }
        dec.writeInbound(Unpooled.wrappedBuffer(Wire.drainOutbound(enc)));
        for (int len : new int[] {0, 1, 127, 128, 5000, 65536}) {
            ByteBuf f = dec.readInbound();
            assertEquals(len, f.readableBytes());
            f.release();
        }
        assertFalse(enc.finish());
        assertFalse(dec.finish());
    }

    @Test
    void refusesFramesAboveTheLimit() {
        EmbeddedChannel ch = new EmbeddedChannel(new VarintLengthPrepender(4));
        ByteBuf big = Unpooled.wrappedBuffer(new byte[5]);
        assertThrows(EncoderException.class, () -> ch.writeOutbound(big));
        assertEquals(0, big.refCnt());
        assertFalse(ch.finish());
        assertThrows(IllegalArgumentException.class, () -> new VarintLengthPrepender(-1));
    }
}
