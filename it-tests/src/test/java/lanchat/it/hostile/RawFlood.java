package lanchat.it.hostile;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;

/**
 * Issue 13, case 5: connections that never finish a handshake. From {@code source}, up to {@code max} TCP connections
 * to the node, each writing {@code firstBytes} (what fits in the socket buffers: a non-blocking write) and then held
 * open without a further byte, until {@link #close()}. Bounded in count and, by {@link #run}'s deadline, in time.
 */
final class RawFlood implements AutoCloseable {
    private final List<SocketChannel> held = new ArrayList<>();
    int opened, refusedAtConnect;

    /** Opens connections until {@code max} are open or {@code deadlineNanos} passes. */
    void run(String source, InetSocketAddress target, byte[] firstBytes, int max, long deadlineNanos) {
        while (held.size() < max && System.nanoTime() < deadlineNanos) {
            SocketChannel ch = null;
            try {
                ch = SocketChannel.open();
                ch.bind(new InetSocketAddress(source, 0));
                ch.socket().connect(target, 1000);
                ch.configureBlocking(false);
                ch.write(ByteBuffer.wrap(firstBytes));
                held.add(ch);
                opened++;
            } catch (IOException e) {
                refusedAtConnect++;
                if (ch != null) closeQuietly(ch);
            }
        }
    }

    /** How many of the connections the node has closed by now (a read sees end of stream or a reset). */
    int closedByNode() {
        int n = 0;
        ByteBuffer buf = ByteBuffer.allocate(4096);
        for (SocketChannel ch : held) {
            try {
                buf.clear();
                if (ch.read(buf) < 0) n++;
            } catch (IOException e) {
                n++;
            }
        }
        return n;
    }

    @Override
    public void close() {
        held.forEach(RawFlood::closeQuietly);
        held.clear();
    }

    private static void closeQuietly(SocketChannel ch) {
        try {
            ch.close();
        } catch (IOException e) {
            // closing anyway
        }
    }
}
