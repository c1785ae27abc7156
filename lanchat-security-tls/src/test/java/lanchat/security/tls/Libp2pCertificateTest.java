package lanchat.security.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.HexFormat;
import java.util.Set;

import lanchat.api.Identity;
import lanchat.api.internal.Bytes;
import org.junit.jupiter.api.Test;

/** Our certificate as the JDK reads it, and the spec's list of bad certificates, each refused with its reason. */
class Libp2pCertificateTest {
    private static final Instant NOW = Instant.parse("2026-12-05T08:00:00Z");
    private final Identity host = Identity.generate();

    @Test
    void ourCertificateIsAValidSelfSignedX509WithTheLibp2pExtensionAndProvesOurPeerId() throws Exception {
        Libp2pCertificate ours = Libp2pCertificate.create(host, NOW);
        X509Certificate c = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(ours.certificate().getEncoded()));
        c.verify(c.getPublicKey()); // self-signed
        c.checkValidity(java.util.Date.from(NOW));
        assertEquals(3, c.getVersion());
        assertTrue(c.getSerialNumber().signum() > 0);
        assertEquals(c.getSubjectX500Principal(), c.getIssuerX500Principal());
        assertTrue(c.getSubjectX500Principal().getName().startsWith("2.5.4.5="), c.getSubjectX500Principal().getName()); // a SERIALNUMBER, as go
        assertEquals(Set.of(Libp2pCertificate.EXTENSION_OID), c.getNonCriticalExtensionOIDs());
        assertEquals(Set.of(), c.getCriticalExtensionOIDs());
        assertEquals("EC", c.getPublicKey().getAlgorithm());
        assertEquals(NOW.minusSeconds(3600), c.getNotBefore().toInstant());
        assertEquals(host.peerId(), Libp2pCertificate.peerId(c.getEncoded(), NOW));
    }

    @Test
    void outsideItsValidityItIsRefused() throws Exception {
        byte[] der = Libp2pCertificate.create(host, NOW).certificate().getEncoded();
        assertRefused("not valid before", der, NOW.minusSeconds(7200));
        assertRefused("expired", der, ZonedDateTime.ofInstant(NOW, ZoneOffset.UTC).plusYears(101).toInstant());
    }

    @Test
    void aCertificateWithoutTheExtensionIsRefused() throws Exception {
        KeyPair keys = Libp2pCertificate.newKeyPair();
        byte[] otherExtension = Der.tlv(Der.SEQUENCE, HexFormat.of().parseHex("0603551d0e"), Der.tlv(Der.OCTET_STRING, Der.tlv(Der.OCTET_STRING, new byte[20])));
        assertRefused("no libp2p public key extension", build(keys, name(), otherExtension), NOW);
    }

    @Test
    void aHostSignatureOverAnotherKeyIsRefused() throws Exception {
        KeyPair keys = Libp2pCertificate.newKeyPair(), other = Libp2pCertificate.newKeyPair();
        byte[] ext = Libp2pCertificate.extension(host.publicKey().encode(), host.sign(Bytes.concat(Libp2pCertificate.SIGNATURE_PREFIX, other.getPublic().getEncoded())), false);
        assertRefused("signature over the certificate key is invalid", build(keys, name(), ext), NOW);
    }

    @Test
    void aSignatureByAnotherHostIsRefused() throws Exception {
        KeyPair keys = Libp2pCertificate.newKeyPair();
        Identity mallory = Identity.generate();
        byte[] ext = Libp2pCertificate.extension(host.publicKey().encode(), mallory.sign(Bytes.concat(Libp2pCertificate.SIGNATURE_PREFIX, keys.getPublic().getEncoded())), false);
        assertRefused("signature over the certificate key is invalid", build(keys, name(), ext), NOW);
    }

    @Test
    void aBrokenSelfSignatureIsRefused() throws Exception {
        byte[] der = Libp2pCertificate.create(host, NOW).certificate().getEncoded();
        der[der.length - 5] ^= 0x01; // inside the ECDSA signature
        CertificateException e = assertThrows(CertificateException.class, () -> Libp2pCertificate.verify(der, NOW));
        assertTrue(e.getMessage().contains("self-signature"), e.getMessage());
    }

    @Test
    void anUnknownCriticalExtensionIsRefused() throws Exception {
        KeyPair keys = Libp2pCertificate.newKeyPair();
        byte[] ext = Libp2pCertificate.extension(host.publicKey().encode(), host.sign(Bytes.concat(Libp2pCertificate.SIGNATURE_PREFIX, keys.getPublic().getEncoded())), false);
        byte[] unknown = Der.tlv(Der.SEQUENCE, HexFormat.of().parseHex("06032a0304"), HexFormat.of().parseHex("0101ff"), Der.tlv(Der.OCTET_STRING, new byte[] {5, 0}));
        assertRefused("unknown critical extension 1.2.3.4", build(keys, name(), ext, unknown), NOW);
    }

    @Test
    void garbageInTheExtensionIsRefused() throws Exception {
        KeyPair keys = Libp2pCertificate.newKeyPair();
        byte[] ext = Der.tlv(Der.SEQUENCE, HexFormat.of().parseHex("060a2b0601040183a25a0101"), Der.tlv(Der.OCTET_STRING, "not DER".getBytes(StandardCharsets.US_ASCII)));
        assertRefused("malformed libp2p extension", build(keys, name(), ext), NOW);
    }

    /**
     * js-libp2p's shape: empty issuer and subject, the libp2p extension critical. The JDK cannot parse it; the lazily
     * loaded reader (lanchat-crypto-bc, on the test class path) does, and the checks are the same.
     */
    @Test
    void aCertificateWithEmptyNamesAndACriticalExtensionIsReadThroughTheLazyReader() throws Exception {
        KeyPair keys = Libp2pCertificate.newKeyPair();
        byte[] ext = Libp2pCertificate.extension(host.publicKey().encode(), host.sign(Bytes.concat(Libp2pCertificate.SIGNATURE_PREFIX, keys.getPublic().getEncoded())), true);
        byte[] der = build(keys, Der.tlv(Der.SEQUENCE), ext);
        assertThrows(CertificateException.class, () -> CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der)),
                "the JDK now reads empty names: the lazy reader may no longer be needed");
        assertEquals(host.peerId(), Libp2pCertificate.peerId(der, NOW));
    }

    @Test
    void anOversizedCertificateIsRefusedUnread() {
        assertRefused("limit", new byte[Libp2pCertificate.MAX_CERTIFICATE + 1], NOW);
    }

    private static byte[] name() {
        return Der.tlv(Der.SEQUENCE, Der.tlv(Der.SET, Der.tlv(Der.SEQUENCE, HexFormat.of().parseHex("0603550405"), Der.tlv(Der.PRINTABLE_STRING, "1".getBytes(StandardCharsets.US_ASCII)))));
    }

    private static byte[] build(KeyPair keys, byte[] name, byte[]... extensions) throws Exception {
        ZonedDateTime from = ZonedDateTime.ofInstant(NOW, ZoneOffset.UTC).minusHours(1);
        return Libp2pCertificate.sign(keys, BigInteger.TEN.toByteArray(), name, from, from.plusYears(1), extensions);
    }

    private static void assertRefused(String reason, byte[] der, Instant at) {
        CertificateException e = assertThrows(CertificateException.class, () -> Libp2pCertificate.verify(der, at));
        assertTrue(e.getMessage().contains(reason), () -> "expected '" + reason + "' in: " + e.getMessage());
    }
}
