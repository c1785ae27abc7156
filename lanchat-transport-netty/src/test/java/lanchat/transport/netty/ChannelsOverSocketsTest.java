package lanchat.transport.netty;

import static lanchat.api.testkit.TransportHarness.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import lanchat.api.ChatMessage;
import lanchat.api.spi.ChannelLimits;
import lanchat.api.spi.ChannelListener;
import lanchat.api.spi.ChatSession;
import lanchat.api.spi.ProtocolChannel;
import lanchat.api.spi.ProtocolHandler;
import lanchat.api.spi.SessionListener;
import lanchat.api.testkit.TransportHarness;
import lanchat.api.testkit.TransportHarness.ChannelRecorder;
import lanchat.api.testkit.TransportHarness.Node;
import lanchat.api.testkit.TransportHarness.Recorder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Protocol channels over real sockets, beyond what {@code TransportContractTest} asks of every transport. */
class ChannelsOverSocketsTest {
    private static final String BULK = "/lanchat/test/bulk/1.0.0";
    private static final int MESSAGE = 1 << 20;
    private static final int MESSAGES = 16;
    /** The receiver takes in 8 MiB not yet done with before it stops granting credit. */
    private static final ChannelLimits LIMITS = new ChannelLimits(MESSAGE, MESSAGES * MESSAGE, 8 * MESSAGE, 1);

    private final TransportHarness harness = new TransportHarness(new NettyTransportProvider(), Map.of());

    @AfterEach
    void close() {
        harness.close();
    }

    /**
     * A chat line does not queue behind a large channel transfer on the same connection (issue 17 needs chat to stay
     * responsive during a 1 GiB file transfer). Asserted by the order in which things arrive.
     */
    @Test
    void aChatLineOvertakesTheChannelDataQueuedBeforeIt() throws Exception {
        // what the receiver's app sees, in order, on its one callback thread: "chat" or the message's index
        BlockingQueue<String> arrivals = new LinkedBlockingQueue<>();
        CompletableFuture<Void> chatArrived = new CompletableFuture<>();
        Node receiver = harness.node();
        receiver.transport.registerProtocol(new ProtocolHandler(BULK, LIMITS, ch -> ch.setListener(new ChannelListener() {
            @Override
            public CompletionStage<?> onMessage(ProtocolChannel channel, byte[] message) {
                arrivals.add(Integer.toString(ByteBuffer.wrap(message).getInt()));
                return chatArrived; // like a slow disk: held until the chat line is in, so the transfer cannot end first
            }

            @Override
            public void onClosed(ProtocolChannel channel, Throwable cause) {
                // the test ends the transport
            }
        })));
        receiver.listen();
        Node sender = harness.node();
        sender.transport.registerProtocol(new ProtocolHandler(BULK, LIMITS, ProtocolChannel::reset));
        ChatSession out = await(sender.transport.dial(receiver.addr()));
        out.setListener(new Recorder());
        receiver.accept().setListener(new SessionListener() {
            @Override
            public void onMessage(ChatSession session, ChatMessage message) {
                arrivals.add("chat");
                chatArrived.complete(null);
            }

            @Override
            public void onClosed(ChatSession session, Throwable cause) {
                // the test ends the transport
            }
        });
        ProtocolChannel bulk = await(out.openChannel(BULK));
        bulk.setListener(new ChannelRecorder());
        List<byte[]> messages = new ArrayList<>();
        for (int i = 0; i < MESSAGES; i++) messages.add(ByteBuffer.allocate(MESSAGE).putInt(i).array()); // made before, sent at once
        List<CompletableFuture<Void>> sends = new ArrayList<>();
        for (byte[] m : messages) sends.add(bulk.send(m).toCompletableFuture());
        // 16 MiB are queued; the transfer is under way and the chat line comes after all of it
        await(out.send(ChatMessage.of(null, "typed during the transfer")));

        List<String> order = new ArrayList<>();
        for (int i = 0; i <= MESSAGES; i++) {
            String next = arrivals.poll(TransportHarness.WAIT.toSeconds(), TimeUnit.SECONDS);
            assertNotNull(next, "arrival " + i + " of " + order);
            order.add(next);
        }
        for (CompletableFuture<Void> s : sends) await(s);
        int chat = order.indexOf("chat");
        // the receiver stops granting credit once it holds more than its 8 MiB receive buffer, so at most 9 whole
        // messages can arrive before the line: a transport that queued the line behind the data would deliver 16
        assertTrue(chat >= 0 && chat <= 9, "the chat line arrives while the transfer is in progress: " + order);
        List<String> data = new ArrayList<>(order);
        data.remove("chat");
        for (int i = 0; i < MESSAGES; i++) assertEquals(Integer.toString(i), data.get(i), "channel messages in order: " + order);
    }

    /** Channel frames are never larger than a chunk, so a small chat limit (and frame limit) does not cap channels. */
    @Test
    void channelMessagesAreNotBoundByTheChatMessageLimit() throws Exception {
        try (TransportHarness small = new TransportHarness(new NettyTransportProvider(), Map.of("maxMessageBytes", "1024"))) {
            Node a = small.node();
            a.transport.registerProtocol(lanchat.api.testkit.EchoProtocol.handler());
            a.listen();
            Node b = small.node();
            b.transport.registerProtocol(lanchat.api.testkit.EchoProtocol.handler());
            ChatSession out = await(b.transport.dial(a.addr()));
            out.setListener(new Recorder());
            a.accept().setListener(new Recorder());
            ProtocolChannel echo = await(out.openChannel(lanchat.api.testkit.EchoProtocol.ID));
            ChannelRecorder echoes = new ChannelRecorder();
            echo.setListener(echoes);
            byte[] big = ByteBuffer.allocate(lanchat.api.testkit.EchoProtocol.LIMITS.maxMessageBytes()).putInt(42).array();
            await(echo.send(big));
            assertArrayEquals(big, echoes.next(), "64 KiB each way over a connection whose chat frames stop at 1 KiB");
            assertTrue(out.isOpen());
        }
    }
}
