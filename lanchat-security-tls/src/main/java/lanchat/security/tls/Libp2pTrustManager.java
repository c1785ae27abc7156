package lanchat.security.tls;

import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Trusts exactly what libp2p TLS trusts: one self-signed certificate that proves a libp2p host key
 * ({@link Libp2pCertificate#verify}); no authorities. Which peer it proves is checked per connection once the
 * handshake is done ({@link Libp2pTls#remotePeer}), since one trust manager serves every connection. Only the raw
 * bytes of the certificate are used: BoringSSL's engine hands over certificates that re-parse themselves with the
 * JDK on every other getter, and the JDK refuses some that libp2p allows (empty names).
 */
final class Libp2pTrustManager extends X509ExtendedTrustManager {
    private final Clock clock;

    Libp2pTrustManager(Clock clock) {
        this.clock = clock;
    }

    private void check(X509Certificate[] chain) throws CertificateException {
        if (chain == null || chain.length == 0) throw new CertificateException("the peer sent no certificate");
        if (chain.length != 1) throw new CertificateException("the peer sent " + chain.length + " certificates; libp2p allows exactly one");
        Libp2pCertificate.verify(chain[0].getEncoded(), clock.instant());
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
