package lanchat.transport.netty;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

import io.netty.buffer.ByteBufUtil;
import lanchat.api.Identity;
import lanchat.security.noise.NoiseException;
import lanchat.security.noise.NoiseHandshake;
import lanchat.security.noise.NoiseResult;

/** Just enough of the netty transport's protocol to get past the handshake over a blocking socket, as the dialer. */
final class SecuredClient {
    private final DataOutputStream out;
    private final NoiseResult keys;

    private SecuredClient(DataOutputStream out, NoiseResult keys) {
        this.out = out;
        this.keys = keys;
    }

    /** Dials {@code expected}'s node with a fresh Ed25519 identity. */
    static SecuredClient handshake(Socket s, Identity expected) throws Exception {
        return handshake(s, NoiseHandshake.initiator(Identity.generate(), expected.peerId(), List.of()));
    }

    /** The hello, then the three Noise messages of {@code hs} (an initiator's). */
    static SecuredClient handshake(Socket s, NoiseHandshake hs) throws IOException, NoiseException {
        s.setSoTimeout(5000);
        DataOutputStream out = new DataOutputStream(s.getOutputStream());
        DataInputStream in = new DataInputStream(s.getInputStream());
        byte[] hello = ByteBufUtil.getBytes(Hello.bytes());
        out.write(hello);
        in.readFully(new byte[hello.length]);
        writeFrame(out, hs.writeMessage());
        byte[] m2 = new byte[in.readUnsignedShort()];
        in.readFully(m2);
        hs.readMessage(m2);
        writeFrame(out, hs.writeMessage());
        return new SecuredClient(out, hs.result());
    }

    /** A chat message without a nick, framed as {@link ChatFrameCodec} reads it. */
    void sendMessage(String text) throws Exception {
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        sendPlain(ByteBuffer.allocate(4 + 2 + utf8.length).putInt(2 + utf8.length).put(ChatFrameCodec.MESSAGE).put((byte) 0).put(utf8).array());
    }

    void sendPlain(byte[] plaintext) throws Exception {
        writeFrame(out, keys.sender().encrypt(plaintext));
    }

    void raw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    private static void writeFrame(DataOutputStream out, byte[] b) throws IOException {
        out.writeShort(b.length);
        out.write(b);
        out.flush();
    }
}
