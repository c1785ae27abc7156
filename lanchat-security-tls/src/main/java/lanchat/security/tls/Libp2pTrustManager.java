package lanchat.security.tls;

import java.net.Socket;
import java.nio.ByteBuffer;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;

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
 */
final class Libp2pTrustManager extends X509ExtendedTrustManager {
    static final int KEPT = 64;
    private final Clock clock;
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
        PeerPublicKey host = Libp2pCertificate.verify(der, clock.instant());
        synchronized (verified) {
            verified.put(ByteBuffer.wrap(der), host);
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
