package lanchat.transport.netty;

import static lanchat.api.testkit.TransportHarness.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.util.Map;

import lanchat.api.ChatMessage;
import lanchat.api.spi.ChatSession;
import lanchat.api.spi.ProtocolChannel;
import lanchat.api.spi.TransportConfig;
import lanchat.api.testkit.EchoProtocol;
import lanchat.api.testkit.TransportHarness;
import lanchat.api.testkit.TransportHarness.ChannelRecorder;
import lanchat.api.testkit.TransportHarness.Node;
import lanchat.api.testkit.TransportHarness.Recorder;
import lanchat.security.noise.NoiseCipher;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The transport cipher over real sockets: AES-256-GCM between two current nodes, ChaChaPoly with a node that offers
 * nothing (option {@code cipher=chachapoly}: on the wire exactly a build before the extension, hello and payload
 * alike), whichever side dials; chat and a protocol channel work in every case.
 */
class TransportCipherTest {
    private final TransportHarness current = new TransportHarness(new NettyTransportProvider(), Map.of());
    private final TransportHarness legacy = new TransportHarness(new NettyTransportProvider(), Map.of("cipher", "chachapoly"));

    @AfterEach
    void close() {
        current.close();
        legacy.close();
    }

    @Test
    void twoCurrentNodesUseAesGcm() throws Exception {
        connectAndChat(current, current, NoiseCipher.AES_GCM);
    }

    @Test
    void anAesCapableNodeDialingALegacyNodeFallsBackToChaChaPoly() throws Exception {
        connectAndChat(current, legacy, NoiseCipher.CHACHA_POLY);
    }

    @Test
    void aLegacyNodeDialingAnAesCapableNodeGetsChaChaPoly() throws Exception {
        connectAndChat(legacy, current, NoiseCipher.CHACHA_POLY);
    }

    @Test
    void anUnknownCipherOptionIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NettyTransport.Settings.from(
                new TransportConfig(lanchat.api.Identity.generate(), Runnable::run, Map.of("cipher", "aes128"))));
        assertEquals("the netty transport's cipher must be aesgcm or chachapoly, not aes128", e.getMessage());
    }

    private static void connectAndChat(TransportHarness dialing, TransportHarness listening, NoiseCipher expected) throws Exception {
        Node listener = listening.node();
        listener.transport.registerProtocol(EchoProtocol.handler());
        listener.listen();
        Node dialer = dialing.node();
        dialer.transport.registerProtocol(EchoProtocol.handler());
        ChatSession out = await(dialer.transport.dial(listener.addr()));
        Recorder outChat = new Recorder(), inChat = new Recorder();
        out.setListener(outChat);
        ChatSession in = listener.accept();
        in.setListener(inChat);
        assertEquals(expected, ((NettyChatSession) out).transportCipher());
        assertEquals(expected, ((NettyChatSession) in).transportCipher());

        await(out.send(ChatMessage.of("dialer", "hello over " + expected.noiseName())));
        assertEquals("hello over " + expected.noiseName(), inChat.next().text());
        await(in.send(ChatMessage.of("listener", "and back")));
        assertEquals("and back", outChat.next().text());

        // a channel message larger than one Noise message: several ciphertexts each way
        ProtocolChannel echo = await(out.openChannel(EchoProtocol.ID));
        ChannelRecorder echoes = new ChannelRecorder();
        echo.setListener(echoes);
        byte[] big = ByteBuffer.allocate(EchoProtocol.LIMITS.maxMessageBytes()).putInt(42).putLong(EchoProtocol.LIMITS.maxMessageBytes() - 8, 7).array();
        await(echo.send(big));
        assertArrayEquals(big, echoes.next());
    }
}
