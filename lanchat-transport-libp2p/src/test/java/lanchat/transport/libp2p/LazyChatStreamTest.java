package lanchat.transport.libp2p;

import static lanchat.api.internal.Bytes.concat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

import lanchat.api.ChatMessage;
import lanchat.api.Identity;
import lanchat.api.Multiaddr;
import lanchat.api.PeerId;
import lanchat.api.spi.ChatSession;
import lanchat.api.testkit.TransportHarness;
import lanchat.api.testkit.TransportHarness.Node;
import lanchat.api.testkit.TransportHarness.Recorder;
import lanchat.security.noise.NoiseHandshake;
import lanchat.security.noise.NoiseResult;
import lanchat.transport.libp2p.chat.ChatProtocol;
import lanchat.transport.libp2p.multistream.MultistreamSelectHandler;
import lanchat.transport.libp2p.upgrade.ConnectionUpgrader;
import lanchat.transport.libp2p.yamux.YamuxFrame;
import lanchat.transport.libp2p.yamux.YamuxFrameType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Chat streams proposed lazily to a peer known to speak the chat protocol: the first line goes right behind the
 * proposal, no answer awaited; a {@code na} sends it again on a negotiated stream. Over real loopback sockets, against
 * a Java node and against a hand-driven listener that shows what is on the wire.
 */
class LazyChatStreamTest {
    private static final String MS = MultistreamSelectHandler.PROTOCOL_ID;
    private final TransportHarness harness = new TransportHarness(new Libp2pTransportProvider(), Map.of("security", "noise"));

    @AfterEach
    void close() {
        harness.close();
    }

    private static <T> T await(CompletionStage<T> s) throws Exception {
        return TransportHarness.await(s);
    }

    private static KnownProtocols known(Node n) {
        return ((Libp2pTransport) n.transport).knownProtocols();
    }

    @Test
    void aPeerMetBeforeGetsTheLineWithTheProposalAndAnswersIt() throws Exception {
        Node a = harness.node().listen();
        Node b = harness.node();
        assertEquals(Optional.empty(), known(b).firstSpoken(a.identity.peerId(), ChatProtocol.PROPOSALS));
        ChatSession first = await(b.transport.dial(a.addr()));
        Recorder atA = new Recorder();
        a.accept().setListener(atA);
        first.setListener(new Recorder());
        await(first.send(ChatMessage.of(null, "negotiated")));
        assertEquals("negotiated", atA.next().text());
        assertEquals(Optional.of(ChatProtocol.V1_1), known(b).firstSpoken(a.identity.peerId(), ChatProtocol.PROPOSALS),
                "the dialer remembers what the peer agreed to");
        await(first.close());

        // the second connection to the same peer proposes /chat/1.1.0 alone, with the lines behind it
        ChatSession second = await(b.transport.dial(a.addr()));
        Recorder heard = new Recorder();
        ChatSession atASecond = a.accept();
        atASecond.setListener(heard);
        Recorder atB = new Recorder();
        second.setListener(atB);
        CompletionStage<Void> one = second.send(ChatMessage.of(null, "lazy one"));
        CompletionStage<Void> two = second.send(ChatMessage.of(null, "lazy two"));
        await(one);
        await(two);
        assertEquals("lazy one", heard.next().text());
        assertEquals("lazy two", heard.next().text());
        // and the stream is an ordinary chat stream once agreed: both directions on it
        await(atASecond.send(ChatMessage.of(null, "back")));
        assertEquals("back", atB.next().text());
    }

    /**
     * The hand-driven listener answers nothing on the lazily proposed stream until the line has arrived on it (a
     * dialer that waited for the answer would never send it), then says {@code na}: the dialer must send the line
     * again on a new stream it negotiates, /chat/1.1.0 first and /chat/1.0.0 after a second {@code na}.
     */
    @Test
    void aNaToTheLazyProposalSendsTheLinesAgainOnANegotiatedStream() throws Exception {
        Identity listenerId = Identity.generate();
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Node dialer = harness.node();
            known(dialer).agreed(listenerId.peerId(), ChatProtocol.V1_1); // as if met before
            Multiaddr addr = Multiaddr.parse("/ip4/127.0.0.1/tcp/" + server.getLocalPort() + "/p2p/" + listenerId.peerId());
            CompletionStage<ChatSession> dialed = dialer.transport.dial(addr);
            try (Socket s = server.accept()) {
                s.setSoTimeout((int) TransportHarness.WAIT.toMillis());
                RawListener raw = new RawListener(s, listenerId);
                raw.upgrade();
                ChatSession session = await(dialed);
                session.setListener(new Recorder());
                CompletionStage<Void> sent = session.send(ChatMessage.of(null, "hello lazy"));

                int lazy = raw.awaitStreamStartingWith(concat(Wire.msg(MS), Wire.msg(ChatProtocol.V1_1)));
                raw.awaitOnStream(lazy, "hello lazy\n");
                assertFalse(raw.text(lazy).contains(ChatProtocol.V1_0), "a lazy proposal is the one protocol");
                assertFalse(sent.toCompletableFuture().isDone(), "a line written ahead of the answer is not sent yet");
                raw.writeData(lazy, YamuxFrame.FLAG_ACK, concat(Wire.msg(MS), Wire.msg("na")));

                int negotiated = raw.awaitStreamStartingWith(concat(Wire.msg(MS), Wire.msg(ChatProtocol.V1_1)), lazy);
                raw.writeData(negotiated, YamuxFrame.FLAG_ACK, concat(Wire.msg(MS), Wire.msg("na")));
                raw.awaitOnStream(negotiated, Wire.msg(ChatProtocol.V1_0));
                raw.writeData(negotiated, 0, Wire.msg(ChatProtocol.V1_0));
                raw.awaitOnStream(negotiated, "hello lazy\n");
                await(sent);
                assertEquals(Optional.of(ChatProtocol.V1_0), known(dialer).firstSpoken(listenerId.peerId(), ChatProtocol.PROPOSALS),
                        "the refused protocol is forgotten, the agreed one remembered");
                assertTrue(session.isOpen(), "a refused proposal costs a stream, not the connection");
            }
        }
    }

    /** Just enough of a libp2p listener (Noise with early yamux, then yamux frames) to watch the dialer's streams. */
    private static final class RawListener {
        private final DataInputStream in;
        private final OutputStream out;
        private final Identity identity;
        private NoiseResult keys;
        private byte[] unread = new byte[0];
        /** Every stream's data so far, by id, and the order streams were opened in. */
        private final Map<Integer, byte[]> data = new HashMap<>();
        private final List<Integer> opened = new java.util.ArrayList<>();

        RawListener(Socket s, Identity identity) throws IOException {
            this.in = new DataInputStream(s.getInputStream());
            this.out = s.getOutputStream();
            this.identity = identity;
        }

        void upgrade() throws Exception {
            assertEquals(MS, readMessage());
            assertEquals(NoiseHandshake.PROTOCOL_ID, readMessage());
            write(Wire.msg(MS), Wire.msg(NoiseHandshake.PROTOCOL_ID));
            NoiseHandshake hs = NoiseHandshake.responder(identity, List.of(ConnectionUpgrader.YAMUX));
            hs.readMessage(readFrame());
            writeFrame(hs.writeMessage());
            hs.readMessage(readFrame());
            keys = hs.result();
            assertTrue(keys.remoteMuxers().contains(ConnectionUpgrader.YAMUX), "early muxer negotiation: yamux starts now");
        }

        String readMessage() throws IOException {
            int n = in.readUnsignedByte(); // the messages read here are all shorter than 128 bytes
            byte[] b = new byte[n];
            in.readFully(b);
            return new String(b, 0, n - 1, StandardCharsets.UTF_8);
        }

        void write(byte[]... parts) throws IOException {
            for (byte[] p : parts) out.write(p);
            out.flush();
        }

        byte[] readFrame() throws IOException {
            byte[] b = new byte[in.readUnsignedShort()];
            in.readFully(b);
            return b;
        }

        void writeFrame(byte[] b) throws IOException {
            write(new byte[] {(byte) (b.length >> 8), (byte) b.length}, b);
        }

        void writeData(int stream, int flags, byte[] body) throws Exception {
            writeFrame(keys.sender().encrypt(ByteBuffer.allocate(YamuxFrame.HEADER_LENGTH + body.length).put((byte) 0)
                    .put((byte) YamuxFrameType.DATA.code()).putShort((short) flags).putInt(stream).putInt(body.length).put(body).array()));
        }

        /** Reads the dialer's next yamux frame and files its data under its stream. */
        private void readOne() throws Exception {
            for (;;) {
                if (unread.length >= YamuxFrame.HEADER_LENGTH) {
                    ByteBuffer h = ByteBuffer.wrap(unread);
                    YamuxFrameType type = YamuxFrameType.of(h.get(1));
                    int flags = h.getShort(2) & 0xFFFF;
                    int id = h.getInt(4);
                    int length = type == YamuxFrameType.DATA ? h.getInt(8) : 0;
                    if (unread.length >= YamuxFrame.HEADER_LENGTH + length) {
                        if ((flags & YamuxFrame.FLAG_SYN) != 0 && id != 0) opened.add(id);
                        byte[] body = Arrays.copyOfRange(unread, YamuxFrame.HEADER_LENGTH, YamuxFrame.HEADER_LENGTH + length);
                        if (id != 0) data.merge(id, body, (x, y) -> concat(x, y));
                        unread = Arrays.copyOfRange(unread, YamuxFrame.HEADER_LENGTH + length, unread.length);
                        return;
                    }
                }
                unread = concat(unread, keys.receiver().decrypt(readFrame()));
            }
        }

        String text(int stream) {
            return new String(data.getOrDefault(stream, new byte[0]), StandardCharsets.UTF_8);
        }

        /** The first stream opened after {@code after} (any, if none) whose data starts with {@code prefix}. */
        int awaitStreamStartingWith(byte[] prefix, int... after) throws Exception {
            String p = new String(prefix, StandardCharsets.UTF_8);
            for (;;) {
                for (int id : opened) {
                    if (after.length > 0 && id <= after[0]) continue;
                    if (text(id).startsWith(p)) return id;
                }
                readOne(); // the socket's timeout bounds the wait
            }
        }

        void awaitOnStream(int stream, String expected) throws Exception {
            while (!text(stream).contains(expected)) readOne();
        }

        void awaitOnStream(int stream, byte[] expected) throws Exception {
            awaitOnStream(stream, new String(expected, StandardCharsets.UTF_8));
        }
    }

    @Test
    void knownProtocolsKeepOnlyOurIdsAndTheLastPeers() {
        KnownProtocols k = new KnownProtocols(id -> id.startsWith("/chat/"));
        PeerId first = Identity.generate().peerId();
        k.identified(first, List.of("/ipfs/id/1.0.0", "/chat/1.0.0", "/x/" + "y".repeat(100)));
        assertEquals(Optional.of("/chat/1.0.0"), k.firstSpoken(first, ChatProtocol.PROPOSALS), "theirs that are ours");
        k.agreed(first, "/chat/1.1.0");
        assertEquals(Optional.of("/chat/1.1.0"), k.firstSpoken(first, ChatProtocol.PROPOSALS), "in our order of preference");
        k.agreed(first, "/not/ours");
        k.refused(first, "/chat/1.1.0");
        assertEquals(Optional.of("/chat/1.0.0"), k.firstSpoken(first, ChatProtocol.PROPOSALS));
        k.identified(first, List.of("/ipfs/id/1.0.0"));
        assertEquals(Optional.empty(), k.firstSpoken(first, ChatProtocol.PROPOSALS), "identify lists all it speaks: it replaces");
        for (int i = 0; i < KnownProtocols.MAX_PEERS; i++) k.agreed(Identity.generate().peerId(), "/chat/1.1.0");
        assertEquals(KnownProtocols.MAX_PEERS, k.size(), "bounded");
        assertEquals(Optional.empty(), k.firstSpoken(first, ChatProtocol.PROPOSALS), "the least recently used peer went first");
    }
}
