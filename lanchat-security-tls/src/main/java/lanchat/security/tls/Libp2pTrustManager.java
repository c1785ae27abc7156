package lanchat.security.tls;

import java.net.Socket;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

import lanchat.api.crypto.PeerPublicKey;

/**
 * Trusts exactly what libp2p TLS trusts: one self-signed certificate that proves a libp2p host key
 * ({@link Libp2pCertificate#verify}); no authorities. Which peer it proves is checked per connection once the
 * handshake is done ({@link Libp2pTls#remotePeer}), since one trust manager serves every connection. Only the raw
 * bytes of the certificate are used: BoringSSL's engine hands over certificates that re-parse themselves with the
 * JDK on every other getter, and the JDK refuses some that libp2p allows (empty names).
 *
 * <p>What it verified it keeps for the connection to collect ({@link #take}) once its handshake is done, so the
 * signatures of a certificate are checked once per connection, not twice (a few hundred microseconds of JDK 17's
 * Java EC code on each side of every connection). At most {@value #KEPT} are kept: a handshake that fails after the
 * check leaves its entry behind, and the oldest go first.
 *
 * <p>It also remembers, by their SHA-256, the last {@value #KNOWN} certificates whose signatures verified, with their
 * validity: a libp2p host keeps one certificate for all its connections, so a peer that reconnects (or opens another
 * connection) costs a digest and a validity check instead of two signature checks in JDK 17's Java EC code (the
 * largest share of a LAN Chat↔LAN Chat TLS setup's CPU, issue 16). Safe: a signature's validity is a function of the
 * bytes alone, the digest names the bytes, the validity window is checked on every use, and the handshake itself
 * still proves per connection that the peer holds the certificate's key (TLS CertificateVerify). Bounded: a flood of
 * new certificates only pushes old entries out, and costs what it cost without this.
 */
final class Libp2pTrustManager extends X509ExtendedTrustManager {
    static final int KEPT = 64;
    static final int KNOWN = 256;
    private final Clock clock;
    /** Certificates verified before (SHA-256 of their DER) and what they prove; in access order. Guarded by itself. */
    private final Map<ByteBuffer, Libp2pCertificate.Verified> known = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<ByteBuffer, Libp2pCertificate.Verified> eldest) {
            return size() > KNOWN;
        }
    };
    /** How many certificates had their signatures checked (not found in {@link #known}); for tests. */
    private final AtomicLong signatureChecks = new AtomicLong();
    /** Verified certificates (their DER bytes) and the host key each proves, not yet collected. Guarded by itself. */
    private final Map<ByteBuffer, PeerPublicKey> verified = new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<ByteBuffer, PeerPublicKey> eldest) {
            return size() > KEPT;
        }
    };

    Libp2pTrustManager(Clock clock) {
        this.clock = clock;
    }

    private void check(X509Certificate[] chain) throws CertificateException {
        if (chain == null || chain.length == 0) throw new CertificateException("the peer sent no certificate");
        if (chain.length != 1) throw new CertificateException("the peer sent " + chain.length + " certificates; libp2p allows exactly one");
        byte[] der = chain[0].getEncoded();
        Instant now = clock.instant();
        ByteBuffer digest = ByteBuffer.wrap(sha256(der));
        Libp2pCertificate.Verified v;
        synchronized (known) {
            v = known.get(digest);
        }
        if (v == null || !v.validAt(now)) { // out of its validity: the full check says why
            signatureChecks.incrementAndGet();
            v = Libp2pCertificate.verifyAll(der, now);
            synchronized (known) {
                known.put(digest, v);
            }
        }
        synchronized (verified) {
            verified.put(ByteBuffer.wrap(der), v.host());
        }
    }

    long signatureChecks() {
        return signatureChecks.get();
    }

    private static byte[] sha256(byte[] der) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(der);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /**
     * The host key proven by exactly these certificate bytes, when this trust manager verified them and they were not
     * collected yet; null otherwise (then the caller verifies them itself).
     */
    PeerPublicKey take(byte[] der) {
        synchronized (verified) {
            return verified.remove(ByteBuffer.wrap(der));
        }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        check(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        check(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        check(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        check(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        check(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        check(chain);
    }

    /** None: a libp2p peer's certificate is its own issuer. */
    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
    }
}
