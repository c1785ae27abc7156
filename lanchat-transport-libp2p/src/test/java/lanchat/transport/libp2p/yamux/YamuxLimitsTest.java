package lanchat.transport.libp2p.yamux;

import static lanchat.transport.libp2p.yamux.YamuxFrame.FLAG_ACK;
import static lanchat.transport.libp2p.yamux.YamuxFrame.FLAG_RST;
import static lanchat.transport.libp2p.yamux.YamuxFrame.FLAG_SYN;
import static lanchat.transport.libp2p.yamux.YamuxTestSupport.goAway;
import static lanchat.transport.libp2p.yamux.YamuxTestSupport.wu;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.List;
import lanchat.transport.libp2p.yamux.YamuxTestSupport.Acceptor;
import lanchat.transport.libp2p.yamux.YamuxTestSupport.F;
import lanchat.transport.libp2p.yamux.YamuxTestSupport.Probe;
import org.junit.jupiter.api.Test;

/**
 * The bounds that keep a hostile peer from making a session buffer: Data frames checked against the window on
 * their header. The session sits behind its real codec and is fed raw bytes.
 */
class YamuxLimitsTest {
    private static final int WINDOW = YamuxConfig.INITIAL_WINDOW;

    private final Acceptor acceptor = new Acceptor();

    private static ByteBuf header(YamuxFrameType type, int flags, int id, long length) {
        return Unpooled.buffer(YamuxFrame.HEADER_LENGTH).writeByte(0).writeByte(type.code()).writeShort(flags)
                .writeInt(id).writeInt((int) length);
    }

    private static ByteBuf dataFrame(int id, int flags, int length) {
        return Unpooled.wrappedBuffer(header(YamuxFrameType.DATA, flags, id, length), Unpooled.wrappedBuffer(new byte[length]));
    }

    /** What the peer has read from {@code ch}, decoded back into frames (payloads released). */
    private static List<F> frames(EmbeddedChannel ch) {
        EmbeddedChannel decoder = new EmbeddedChannel(new YamuxFrameDecoder());
        for (Object msg; (msg = ch.readOutbound()) != null; ) decoder.writeInbound(msg);
        List<F> frames = YamuxTestSupport.frames(decoder::readInbound);
        decoder.finishAndReleaseAll();
        return frames;
    }

    // ---- Data frames are checked against the window on their header ----

    @Test
    void aDataFrameLongerThanTheWindowIsRefusedFromItsHeaderAlone() {
        EmbeddedChannel ch = new EmbeddedChannel(new YamuxFrameCodec(), new YamuxSession(false, acceptor));
        // a 16 MiB frame (what the decoder allows at most) of which only the header arrives
        ByteBuf header = header(YamuxFrameType.DATA, FLAG_SYN, 1, 16 << 20);
        ch.writeInbound(header);
        assertFalse(ch.isOpen(), "refused on the header, not after buffering the body");
        assertEquals(0, header.refCnt(), "nothing of it kept");
        assertEquals(List.of(goAway(GoAwayCode.PROTOCOL_ERROR)), frames(ch));
        assertEquals(List.of(), acceptor.probes, "no stream was opened for it");
        ch.finishAndReleaseAll();
    }

    @Test
    void aDataFrameLongerThanWhatIsLeftOfTheStreamsWindowIsRefusedBeforeItsBody() {
        Acceptor manual = new Acceptor(Probe::new, c -> c.config().setAutoRead(false));
        EmbeddedChannel ch = new EmbeddedChannel(new YamuxFrameCodec(), new YamuxSession(false, manual));
        ch.writeInbound(dataFrame(1, FLAG_SYN, 200 * 1024)); // held unread: no credit comes back
        ch.writeInbound(dataFrame(1, 0, WINDOW - 200 * 1024)); // exactly what is left
        assertTrue(ch.isOpen());
        assertEquals(List.of(wu(1, FLAG_ACK, 0)), frames(ch));
        // the window is used up: one more byte is announced, with a part of its body
        ByteBuf over = Unpooled.wrappedBuffer(header(YamuxFrameType.DATA, 0, 1, 1000), Unpooled.wrappedBuffer(new byte[500]));
        ch.writeInbound(over);
        assertFalse(ch.isOpen());
        assertEquals(0, over.refCnt());
        assertEquals(List.of(goAway(GoAwayCode.PROTOCOL_ERROR)), frames(ch));
        ch.finishAndReleaseAll();
        assertEquals(1, manual.probes.get(0).inactive, "the data already accepted was released with its stream");
    }

    @Test
    void dataForAStreamWeDoNotHaveIsBoundedByTheInitialWindow() {
        EmbeddedChannel ch = new EmbeddedChannel(new YamuxFrameCodec(), new YamuxSession(false, acceptor));
        // a peer may have a window's worth in flight to a stream we closed: that much is discarded, with a RST
        ch.writeInbound(dataFrame(5, 0, WINDOW));
        assertEquals(List.of(wu(5, FLAG_RST, 0)), frames(ch));
        ByteBuf header = header(YamuxFrameType.DATA, 0, 7, WINDOW + 1L);
        ch.writeInbound(header);
        assertFalse(ch.isOpen());
        assertEquals(0, header.refCnt());
        assertEquals(List.of(goAway(GoAwayCode.PROTOCOL_ERROR)), frames(ch));
        ch.finishAndReleaseAll();
    }


}
