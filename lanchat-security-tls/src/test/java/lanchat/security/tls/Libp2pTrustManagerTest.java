package lanchat.security.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
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

    @Test
    void aCertificateSeenBeforeIsNotCheckedAgainButItsValidityIs() throws Exception {
        Identity peer = Identity.generate();
        Instant made = Instant.parse("2026-01-01T00:00:00Z");
        X509Certificate c = Libp2pCertificate.create(peer, made).certificate();
        MovableClock now = new MovableClock(made.plusSeconds(60));
        Libp2pTrustManager t = new Libp2pTrustManager(now);
        for (int connection = 0; connection < 3; connection++) {
            t.checkServerTrusted(new X509Certificate[] {c}, "ECDHE_ECDSA");
            assertEquals(peer.publicKey(), t.take(c.getEncoded()));
        }
        assertEquals(1, t.signatureChecks(), "one peer certificate, three connections");
        X509Certificate other = Libp2pCertificate.create(peer, made).certificate();
        t.checkServerTrusted(new X509Certificate[] {other}, "ECDHE_ECDSA");
        assertEquals(2, t.signatureChecks(), "another certificate is checked");

        now.at = Instant.MAX.minusSeconds(1); // long after the remembered certificate's notAfter
        CertificateException expired = assertThrows(CertificateException.class, () -> t.checkServerTrusted(new X509Certificate[] {c}, "ECDHE_ECDSA"));
        assertTrue(expired.getMessage().contains("expired"), expired.getMessage());
    }

    @Test
    void aTamperedCopyOfAKnownCertificateIsCheckedAndRefused() throws Exception {
        X509Certificate good = certificateOf(Identity.generate());
        trust.checkServerTrusted(new X509Certificate[] {good}, "ECDHE_ECDSA");
        byte[] der = good.getEncoded();
        der[der.length - 1] ^= 1; // the last byte of the self-signature
        X509Certificate tampered = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
        assertThrows(CertificateException.class, () -> trust.checkServerTrusted(new X509Certificate[] {tampered}, "ECDHE_ECDSA"));
        assertEquals(2, trust.signatureChecks());
    }

    private static final class MovableClock extends Clock {
        volatile Instant at;

        MovableClock(Instant at) {
            this.at = at;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return at;
        }
    }
}
