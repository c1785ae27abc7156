package lanchat.security.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

import lanchat.api.Identity;
import org.junit.jupiter.api.Test;

class Libp2pTrustManagerTest {
    private final Clock clock = Clock.systemUTC();
    private final Libp2pTrustManager trust = new Libp2pTrustManager(clock);

    private X509Certificate certificateOf(Identity id) {
        return Libp2pCertificate.create(id, clock.instant()).certificate();
    }

    @Test
    void whatItVerifiedIsCollectedOnceWithTheHostKeyItProves() throws Exception {
        Identity peer = Identity.generate();
        X509Certificate c = certificateOf(peer);
        trust.checkClientTrusted(new X509Certificate[] {c}, "ECDHE_ECDSA");
        assertEquals(peer.publicKey(), trust.take(c.getEncoded()));
        assertNull(trust.take(c.getEncoded()), "collected twice");
        assertNull(trust.take(certificateOf(peer).getEncoded()), "another certificate of the same peer was never verified");
    }

    @Test
    void aChainOfTwoOrNoneIsRefusedAndNothingIsKept() throws Exception {
        X509Certificate a = certificateOf(Identity.generate()), b = certificateOf(Identity.generate());
        CertificateException two = assertThrows(CertificateException.class, () -> trust.checkServerTrusted(new X509Certificate[] {a, b}, "ECDHE_ECDSA"));
        assertTrue(two.getMessage().contains("exactly one"), two.getMessage());
        assertThrows(CertificateException.class, () -> trust.checkServerTrusted(new X509Certificate[0], "ECDHE_ECDSA"));
        assertNull(trust.take(a.getEncoded()));
    }

    @Test
    void uncollectedResultsAreBounded() throws Exception {
        List<X509Certificate> certs = new ArrayList<>();
        for (int i = 0; i <= Libp2pTrustManager.KEPT; i++) {
            X509Certificate c = certificateOf(Identity.generate());
            certs.add(c);
            trust.checkClientTrusted(new X509Certificate[] {c}, "ECDHE_ECDSA");
        }
        assertNull(trust.take(certs.get(0).getEncoded()), "the oldest goes first");
        assertTrue(trust.take(certs.get(Libp2pTrustManager.KEPT).getEncoded()) != null);
    }
}
