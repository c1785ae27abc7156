package lanchat.transport.tcp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import lanchat.api.crypto.PreSharedKey;
import lanchat.api.resource.ResourceLimitException;
import lanchat.api.spi.NotInPrivateRoomException;
import org.junit.jupiter.api.Test;

/**
 * The PSK v1 layer alone, on embedded channels: bytes on the wire are what go-libp2p would send (known answers from
 * Go's XSalsa20, {@code salsa20.XORKeyStream} with a 24-byte nonce, golang.org/x/crypto v0.54.0), and two ends with the same key understand each other whatever the
 * segmentation, while another key yields noise.
 */
class PrivateNetworkTest {
    static final byte[] KEY = new byte[32];
    static final byte[] NONCE = new byte[24];
    static {
        for (int i = 0; i < 32; i++) KEY[i] = (byte) i;
        for (int i = 0; i < 24; i++) NONCE[i] = (byte) (0xa0 + i);
    }
    static final byte[] MESSAGE = "hello private room, this is a known-answer test of XSalsa20 over 80 bytes........"
            .getBytes(StandardCharsets.US_ASCII);
    static final String GO_CIPHERTEXT = "2923c7f973141433ab7332352aaa2f7408e64afbdf38db8c4237c651ec833faa59e2d937e30894d912591b"
            + "3f93db02e63bfdf0f66aea644c517963f425158a74efd27b844c3d15408c654e1821c527de4e";
    /** Go's keystream for KEY and NONCE: its last 32 bytes in the first MiB. */
    static final String GO_KEYSTREAM_AT_1MIB = "44898b26eabe856b9ce57a3b7fcec7b64de02636271a828c0eddcab33b283927";

    /** A SecureRandom that hands out {@link #NONCE}: the known-answer test needs a known nonce. */
    static final class FixedNonce extends SecureRandom {
        @Override
        public void nextBytes(byte[] bytes) {
            System.arraycopy(NONCE, 0, bytes, 0, bytes.length);
        }
    }

    static EmbeddedChannel end(byte[] key, SecureRandom random) {
        return new EmbeddedChannel(new PrivateNetwork(PreSharedKey.of(key), random));
    }

    static byte[] drainOutbound(EmbeddedChannel ch) {
        return drain(ch::readOutbound);
    }

    static byte[] drainInbound(EmbeddedChannel ch) {
        return drain(ch::readInbound);
    }

    private static byte[] drain(java.util.function.Supplier<ByteBuf> next) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (ByteBuf b; (b = next.get()) != null; ) {
            byte[] bytes = new byte[b.readableBytes()];
            b.readBytes(bytes);
            b.release();
            out.writeBytes(bytes);
        }
        return out.toByteArray();
    }

    @Test
    void sendsItsNonceFirstThenWhatGoWouldSend() {
        EmbeddedChannel a = end(KEY, new FixedNonce());
        a.writeAndFlush(Unpooled.wrappedBuffer(MESSAGE.clone()));
        byte[] wire = drainOutbound(a);
        assertArrayEquals(NONCE, Arrays.copyOf(wire, 24), "the nonce goes out first, in clear");
        assertEquals(GO_CIPHERTEXT, HexFormat.of().formatHex(wire, 24, wire.length));
        a.finishAndReleaseAll();
    }

    @Test
    void theKeystreamRunsOnAcrossWritesLikeGosOverAMegabyte() {
        EmbeddedChannel a = end(KEY, new FixedNonce());
        int mib = 1 << 20;
        for (int off = 0; off < mib; off += 1000) a.write(Unpooled.wrappedBuffer(new byte[Math.min(1000, mib - off)])); // zeros: the keystream itself
        a.flush();
        byte[] wire = drainOutbound(a);
        assertEquals(24 + mib, wire.length);
        assertEquals(GO_KEYSTREAM_AT_1MIB, HexFormat.of().formatHex(wire, wire.length - 32, wire.length));
        a.finishAndReleaseAll();
    }

    @Test
    void decryptsWhatGoSendsWhateverTheSegmentation() {
        byte[] wire = new byte[24 + MESSAGE.length];
        System.arraycopy(NONCE, 0, wire, 0, 24);
        System.arraycopy(HexFormat.of().parseHex(GO_CIPHERTEXT), 0, wire, 24, MESSAGE.length);
        for (int[] cuts : new int[][] {{}, {1, 2, 3, 23, 24, 25}, {24}, {10, 40}, {30}}) {
            EmbeddedChannel b = end(KEY, new SecureRandom());
            int from = 0;
            for (int cut : cuts) {
                b.writeInbound(Unpooled.wrappedBuffer(Arrays.copyOfRange(wire, from, cut)));
                from = cut;
            }
            b.writeInbound(Unpooled.wrappedBuffer(Arrays.copyOfRange(wire, from, wire.length)));
            assertArrayEquals(MESSAGE, drainInbound(b), "cut at " + Arrays.toString(cuts));
            b.finishAndReleaseAll();
        }
    }

    @Test
    void twoEndsWithTheSameKeyTalkBothWaysOverAMegabyte() {
        EmbeddedChannel a = end(KEY, new SecureRandom());
        EmbeddedChannel b = end(KEY, new SecureRandom());
        byte[] big = new byte[(1 << 20) + 7];
        new Random(15).nextBytes(big);
        for (int off = 0; off < big.length; off += 65536) {
            a.writeAndFlush(Unpooled.wrappedBuffer(Arrays.copyOfRange(big, off, Math.min(big.length, off + 65536))));
        }
        b.writeAndFlush(Unpooled.wrappedBuffer(MESSAGE.clone()));
        byte[] aToB = drainOutbound(a);
        byte[] bToA = drainOutbound(b);
        assertFalse(Arrays.equals(Arrays.copyOfRange(aToB, 24, 24 + 4096), Arrays.copyOf(big, 4096)), "not plaintext on the wire");
        b.writeInbound(Unpooled.wrappedBuffer(aToB));
        a.writeInbound(Unpooled.wrappedBuffer(bToA));
        assertArrayEquals(big, drainInbound(b));
        assertArrayEquals(MESSAGE, drainInbound(a));
        a.finishAndReleaseAll();
        b.finishAndReleaseAll();
    }

    @Test
    void anotherKeyReadsNoise() {
        byte[] other = KEY.clone();
        other[0] ^= 1;
        EmbeddedChannel a = end(KEY, new SecureRandom());
        EmbeddedChannel b = end(other, new SecureRandom());
        a.writeAndFlush(Unpooled.wrappedBuffer(MESSAGE.clone()));
        b.writeInbound(Unpooled.wrappedBuffer(drainOutbound(a)));
        byte[] read = drainInbound(b);
        assertEquals(MESSAGE.length, read.length);
        assertFalse(Arrays.equals(MESSAGE, read));
        a.finishAndReleaseAll();
        b.finishAndReleaseAll();
    }

    @Test
    void holdsNothingBeforeTheNonceIsComplete() {
        EmbeddedChannel b = end(KEY, new SecureRandom());
        assertFalse(b.writeInbound(Unpooled.wrappedBuffer(new byte[23])));
        assertNull(b.readInbound());
        assertFalse(b.pipeline().get(PrivateNetwork.class).peerNonceReceived());
        b.writeInbound(Unpooled.wrappedBuffer(new byte[1]));
        assertTrue(b.pipeline().get(PrivateNetwork.class).peerNonceReceived());
        assertNull(b.readInbound(), "an exact nonce passes nothing up");
        b.finishAndReleaseAll();
    }

    /** What every transport here (and every libp2p node) sends first: a multistream-select header. */
    static final byte[] MULTISTREAM = "\u0013/multistream/1.0.0\n".getBytes(StandardCharsets.US_ASCII);

    /**
     * Review of issue 15: "different room key" only when the key is the reason, i.e. the peer's first bytes decrypt to
     * something other than the multistream header every peer sends first (or it stopped before sending that much: it
     * does not speak this private network). A peer with the right key that fails later (here: garbage after a good
     * header) is reported with its real reason, and so is a failure before the peer sent anything.
     */
    @Test
    void blamesTheKeyOnlyWhenThePeersFirstBytesDoNotDecrypt() {
        IOException broken = new IOException("expected a multistream protocol line");
        byte[] other = KEY.clone();
        other[0] ^= 1;
        byte[] garbage = "this is no protocol at all".getBytes(StandardCharsets.US_ASCII);

        EmbeddedChannel wrongKey = end(KEY, new SecureRandom());
        EmbeddedChannel outsider = end(other, new SecureRandom());
        outsider.writeAndFlush(Unpooled.wrappedBuffer(MULTISTREAM.clone()));
        wrongKey.writeInbound(Unpooled.wrappedBuffer(drainOutbound(outsider)));
        drainInbound(wrongKey);
        Throwable blamed = PrivateNetwork.explain(wrongKey, "/10.0.0.2:4001", broken);
        assertInstanceOf(NotInPrivateRoomException.class, blamed);
        assertEquals("/10.0.0.2:4001 is not in this private room (different room key)", blamed.getMessage());

        EmbeddedChannel rightKey = end(KEY, new SecureRandom());
        EmbeddedChannel member = end(KEY, new SecureRandom());
        member.writeAndFlush(Unpooled.wrappedBuffer(MULTISTREAM.clone()));
        member.writeAndFlush(Unpooled.wrappedBuffer(garbage)); // a member with a bug: its key is right
        byte[] wire = drainOutbound(member);
        for (int i = 0; i < wire.length; i += 7) rightKey.writeInbound(Unpooled.wrappedBuffer(Arrays.copyOfRange(wire, i, Math.min(wire.length, i + 7))));
        byte[] read = drainInbound(rightKey);
        assertArrayEquals(MULTISTREAM, Arrays.copyOf(read, MULTISTREAM.length));
        assertArrayEquals(garbage, Arrays.copyOfRange(read, MULTISTREAM.length, read.length), "passed on as it came");
        assertSame(broken, PrivateNetwork.explain(rightKey, "/10.0.0.3:4001", broken), "the real reason, not the key");

        EmbeddedChannel silent = end(KEY, new SecureRandom());
        IOException timeout = new IOException("handshake timed out after 10000 ms");
        assertSame(timeout, PrivateNetwork.explain(silent, "/10.0.0.4:4001", timeout), "a peer that sent nothing proved nothing about its key");

        EmbeddedChannel nonceOnly = end(KEY, new SecureRandom());
        nonceOnly.writeInbound(Unpooled.wrappedBuffer(new byte[PrivateNetwork.NONCE_BYTES])); // rust/js send their nonce at once
        assertSame(timeout, PrivateNetwork.explain(nonceOnly, "/10.0.0.6:4001", timeout), "a whole nonce and then silence proves nothing");

        EmbeddedChannel hungUp = end(KEY, new SecureRandom());
        hungUp.writeInbound(Unpooled.wrappedBuffer(new byte[PrivateNetwork.NONCE_BYTES])); // js/rust with another key:
        hungUp.pipeline().fireChannelInactive(); // its nonce, then it closes on our undecryptable header
        IOException gone = new IOException("connection closed during the handshake");
        assertInstanceOf(NotInPrivateRoomException.class, PrivateNetwork.explain(hungUp, "/10.0.0.7:4001", gone), "a whole nonce and then a hang-up");

        EmbeddedChannel weHungUp = end(KEY, new SecureRandom());
        weHungUp.writeInbound(Unpooled.wrappedBuffer(new byte[PrivateNetwork.NONCE_BYTES]));
        weHungUp.close(); // our own timeout closed it: the peer did not hang up
        assertSame(gone, PrivateNetwork.explain(weHungUp, "/10.0.0.8:4001", gone), "our own close is not the peer's answer");

        EmbeddedChannel plain = end(KEY, new SecureRandom());
        plain.writeInbound(Unpooled.wrappedBuffer(MULTISTREAM.clone())); // an open-room peer: 20 bytes, less than a nonce
        IOException closed = new IOException("connection closed during the handshake");
        assertInstanceOf(NotInPrivateRoomException.class, PrivateNetwork.explain(plain, "/10.0.0.5:4001", closed), "it does not speak the private network");
        for (EmbeddedChannel ch : List.of(wrongKey, outsider, rightKey, member, silent, nonceOnly, hungUp, weHungUp, plain)) ch.finishAndReleaseAll();
    }

    @Test
    void explainsHandshakeFailuresOnlyOnPrivateConnections() {
        IOException garbage = new IOException("message too long");
        EmbeddedChannel open = new EmbeddedChannel();
        assertSame(garbage, PrivateNetwork.explain(open, "/10.0.0.2:4001", garbage));
        EmbeddedChannel closed = end(KEY, new SecureRandom());
        closed.writeInbound(Unpooled.wrappedBuffer(new byte[24 + 20])); // a peer whose first bytes do not decrypt to a header
        drainInbound(closed);
        Throwable explained = PrivateNetwork.explain(closed, "/10.0.0.2:4001", garbage);
        assertInstanceOf(NotInPrivateRoomException.class, explained);
        assertEquals("/10.0.0.2:4001 is not in this private room (different room key)", explained.getMessage());
        assertNotNull(explained.getCause());
        ResourceLimitException limit = new ResourceLimitException("transient.perIp");
        assertSame(limit, PrivateNetwork.explain(closed, "x", limit), "a refusal of ours is not the key's fault");
        open.finishAndReleaseAll();
        closed.finishAndReleaseAll();
    }
}
