package lanchat.transport.netty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.math.BigInteger;
import java.net.Socket;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

import lanchat.api.ChatMessage;
import lanchat.api.PeerId;
import lanchat.api.crypto.KeyType;
import lanchat.api.crypto.PeerPublicKey;
import lanchat.security.noise.NoiseHandshake;
import lanchat.api.spi.ChatSession;
import lanchat.api.testkit.TransportHarness;
import lanchat.api.testkit.TransportHarness.Node;
import lanchat.api.testkit.TransportHarness.Recorder;
import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.crypto.params.ECDomainParameters;
import org.bouncycastle.crypto.params.ECPrivateKeyParameters;
import org.bouncycastle.crypto.signers.ECDSASigner;
import org.bouncycastle.crypto.signers.HMacDSAKCalculator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The netty transport accepts peers whose libp2p identity is a secp256k1 key, as go-libp2p and js-libp2p peers may
 * have: the Noise payload's signature is verified through {@code PeerPublicKey.verify}, which takes the verifier from
 * lanchat-crypto-bc (on the class path here, from {@code mods/lazy/} in the app). Before, only a node that also had
 * the libp2p plugin installed could verify it.
 *
 * <p>{@code Identity} signs with Ed25519 only, so the dialer here is a raw socket client whose handshake signs its
 * Noise static key with a secp256k1 key, like go-libp2p does (ECDSA over SHA-256, DER).
 */
class Secp256k1PeerTest {
    private static final ECDomainParameters SECP256K1 = new ECDomainParameters(CustomNamedCurves.getByName("secp256k1"));

    private final TransportHarness harness = new TransportHarness(new NettyTransportProvider(), Map.of("handshakeTimeoutMs", "2000"));

    @AfterEach
    void close() {
        harness.close();
    }

    @Test
    void aSecp256k1PeerIsAuthenticatedAndChats() throws Exception {
        Node node = harness.node().listen();
        BigInteger secret = new BigInteger(255, new SecureRandom()).add(BigInteger.ONE);
        PeerPublicKey key = publicKey(secret);
        try (Socket s = connect(node)) {
            SecuredClient client = SecuredClient.handshake(s, initiator(key, signer(secret), node.identity.peerId()));
            ChatSession session = node.accept();
            assertEquals(PeerId.fromPublicKey(key), session.remotePeer());
            assertTrue(session.remotePeer().toString().startsWith("16Uiu2"), "a secp256k1 peer id: " + session.remotePeer());
            Recorder r = new Recorder();
            session.setListener(r);
            client.sendMessage("from a secp256k1 identity");
            assertEquals("from a secp256k1 identity", r.next().text());
        }
    }

    @Test
    void aSecp256k1SignatureByAnotherKeyIsRefusedAndTheNodeChatsOn() throws Exception {
        Node node = harness.node().listen();
        BigInteger secret = BigInteger.valueOf(0x5ec9256), forger = secret.add(BigInteger.ONE);
        try (Socket s = connect(node)) {
            // claims `secret`'s key, signs with another one: the node must refuse it before any session exists
            NoiseHandshake forged = initiator(publicKey(secret), signer(forger), node.identity.peerId());
            SecuredClient.handshake(s, forged);
            assertClosedByPeer(s);
        }
        assertTrue(node.inbound.isEmpty(), "no session for the forger");

        Node good = harness.node();
        ChatSession out = TransportHarness.await(good.transport.dial(node.addr()));
        ChatSession in = node.accept();
        Recorder r = new Recorder();
        in.setListener(r);
        TransportHarness.await(out.send(ChatMessage.of(null, "still here")));
        assertEquals("still here", r.next().text());
    }

    private static Socket connect(Node node) throws IOException {
        Socket s = new Socket();
        s.connect(node.addr().withoutPeerId().toTcpSocketAddress());
        return s;
    }

    /** Reads until the node closes the socket; fails if it does not within the socket's timeout. */
    private static void assertClosedByPeer(Socket s) throws IOException {
        s.setSoTimeout(5000);
        try {
            assertEquals(-1, s.getInputStream().read(), "the node sent something instead of closing");
        } catch (java.net.SocketTimeoutException e) {
            throw new AssertionError("the node did not close the connection");
        } catch (IOException reset) {
            // a reset is a close too
        }
    }

    private static PeerPublicKey publicKey(BigInteger secret) {
        return new PeerPublicKey(KeyType.SECP256K1, SECP256K1.getG().multiply(secret).getEncoded(true));
    }

    /** Signs as go-libp2p's secp256k1 keys do: ECDSA over SHA-256 of the data, DER {@code SEQUENCE { r, s }}. */
    private static UnaryOperator<byte[]> signer(BigInteger secret) {
        return data -> {
            try {
                ECDSASigner ecdsa = new ECDSASigner(new HMacDSAKCalculator(new SHA256Digest()));
                ecdsa.init(true, new ECPrivateKeyParameters(secret, SECP256K1));
                BigInteger[] rs = ecdsa.generateSignature(MessageDigest.getInstance("SHA-256").digest(data));
                ASN1EncodableVector v = new ASN1EncodableVector();
                v.add(new ASN1Integer(rs[0]));
                v.add(new ASN1Integer(rs[1]));
                return new DERSequence(v).getEncoded();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        };
    }

    /** A dialer's handshake whose identity is {@code key}, signing with {@code sign}. */
    private static NoiseHandshake initiator(PeerPublicKey key, UnaryOperator<byte[]> sign, PeerId expected) {
        return NoiseHandshake.create(true, key, sign::apply, expected, List.of());
    }
}
