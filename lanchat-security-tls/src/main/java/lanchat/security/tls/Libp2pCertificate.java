package lanchat.security.tls;

import static lanchat.api.internal.Bytes.concat;

import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.X509EncodedKeySpec;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;

import lanchat.api.Identity;
import lanchat.api.PeerId;
import lanchat.api.crypto.LazyCrypto;
import lanchat.api.crypto.PeerPublicKey;
import lanchat.api.crypto.spi.X509Reader;

/**
 * libp2p's TLS certificate (specs {@code tls/tls.md}): self-signed by a fresh key, carrying the host's public key and
 * its signature over {@code "libp2p-tls-handshake:" ‖ SubjectPublicKeyInfo} in the extension
 * {@value #EXTENSION_OID}, as {@code SignedKey ::= SEQUENCE { publicKey OCTET STRING, signature OCTET STRING }}.
 *
 * <p>Ours: an ECDSA P-256 key, a random positive serial, a non-empty random subject = issuer (the JDK refuses empty
 * names, and so may other JVM peers), valid from an hour ago for 100 years (as go and js do), the libp2p extension
 * only, non-critical (as go). A peer's: see {@link #verify(byte[], Instant)}.
 */
public final class Libp2pCertificate {
    public static final String EXTENSION_OID = "1.3.6.1.4.1.53594.1.1";
    static final byte[] SIGNATURE_PREFIX = "libp2p-tls-handshake:".getBytes(StandardCharsets.US_ASCII);
    /** A peer's certificate larger than this is refused unread (an RSA-8192 host key takes about 2.5 KiB). */
    public static final int MAX_CERTIFICATE = 16 * 1024;

    private static final byte[] EXTENSION_OID_DER = HexFormat.of().parseHex("060a2b0601040183a25a0101");
    private static final byte[] ECDSA_WITH_SHA256 = HexFormat.of().parseHex("300a06082a8648ce3d040302");
    private static final byte[] SERIAL_NUMBER_ATTRIBUTE = HexFormat.of().parseHex("0603550405");
    private static final byte[] VERSION_3 = HexFormat.of().parseHex("a003020102");

    /** Certificate signature algorithms a libp2p peer may use (TLS 1.3 takes these), by OID. */
    private static final Map<String, String> SIGNATURE_ALGORITHMS = Map.of(
            "1.2.840.10045.4.3.2", "SHA256withECDSA",
            "1.2.840.10045.4.3.3", "SHA384withECDSA",
            "1.2.840.10045.4.3.4", "SHA512withECDSA",
            "1.3.101.112", "Ed25519",
            "1.2.840.113549.1.1.11", "SHA256withRSA",
            "1.2.840.113549.1.1.12", "SHA384withRSA",
            "1.2.840.113549.1.1.13", "SHA512withRSA");
    /**
     * Critical extensions a verifier knows (go's x509 handles these too); any other critical one is refused, as the
     * spec says. The libp2p one is known to us.
     */
    private static final Set<String> KNOWN_CRITICAL = Set.of(EXTENSION_OID, "2.5.29.15", "2.5.29.19", "2.5.29.37", "2.5.29.17");

    private final KeyPair keys;
    private final X509Certificate certificate;

    private Libp2pCertificate(KeyPair keys, X509Certificate certificate) {
        this.keys = keys;
        this.certificate = certificate;
    }

    /** The TLS key pair; its private key signs the handshake. */
    public KeyPair keys() {
        return keys;
    }

    public X509Certificate certificate() {
        return certificate;
    }

    /** A fresh certificate for {@code identity}, valid from {@code now} − 1 h for 100 years. */
    public static Libp2pCertificate create(Identity identity, Instant now) {
        try {
            KeyPair keys = newKeyPair();
            byte[] spki = keys.getPublic().getEncoded();
            byte[] extension = extension(identity.publicKey().encode(), identity.sign(concat(SIGNATURE_PREFIX, spki)), false);
            SecureRandom random = new SecureRandom();
            byte[] serial = new byte[16];
            random.nextBytes(serial);
            serial[0] = (byte) ((serial[0] & 0x7f) | 0x01); // positive and non-zero (Go refuses negative serials)
            String name = new BigInteger(1, serial).toString(); // go puts a random number in the subject's SERIALNUMBER too
            byte[] dn = Der.tlv(Der.SEQUENCE, Der.tlv(Der.SET, Der.tlv(Der.SEQUENCE, SERIAL_NUMBER_ATTRIBUTE,
                    Der.tlv(Der.PRINTABLE_STRING, name.getBytes(StandardCharsets.US_ASCII)))));
            ZonedDateTime from = now.atZone(ZoneOffset.UTC).minusHours(1);
            byte[] der = sign(keys, serial, dn, from, from.plusYears(100), extension);
            X509Certificate cert = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
            return new Libp2pCertificate(keys, cert);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot create the TLS certificate: " + e.getMessage(), e);
        }
    }

    static KeyPair newKeyPair() throws GeneralSecurityException {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }

    /** One extension, DER: the libp2p one ({@code SignedKey}) with this host key and signature. */
    static byte[] extension(byte[] hostKeyProtobuf, byte[] hostSignature, boolean critical) {
        byte[] signedKey = Der.tlv(Der.SEQUENCE, Der.tlv(Der.OCTET_STRING, hostKeyProtobuf), Der.tlv(Der.OCTET_STRING, hostSignature));
        return critical
                ? Der.tlv(Der.SEQUENCE, EXTENSION_OID_DER, HexFormat.of().parseHex("0101ff"), Der.tlv(Der.OCTET_STRING, signedKey))
                : Der.tlv(Der.SEQUENCE, EXTENSION_OID_DER, Der.tlv(Der.OCTET_STRING, signedKey));
    }

    /**
     * A v3 certificate, DER, self-signed with ECDSA-SHA256 by {@code keys}: issuer = subject = {@code name} (a DER
     * Name, possibly the empty SEQUENCE), with these extensions (each a DER Extension).
     */
    static byte[] sign(KeyPair keys, byte[] serial, byte[] name, ZonedDateTime from, ZonedDateTime to, byte[]... extensions) throws GeneralSecurityException {
        byte[] validity = Der.tlv(Der.SEQUENCE, Der.time(from), Der.time(to));
        byte[] tbs = Der.tlv(Der.SEQUENCE, VERSION_3, Der.positiveInteger(serial), ECDSA_WITH_SHA256, name, validity, name,
                keys.getPublic().getEncoded(), Der.tlv(0xa3, Der.tlv(Der.SEQUENCE, extensions)));
        Signature s = Signature.getInstance("SHA256withECDSA");
        s.initSign(keys.getPrivate());
        s.update(tbs);
        return Der.tlv(Der.SEQUENCE, tbs, ECDSA_WITH_SHA256, Der.tlv(Der.BIT_STRING, new byte[] {0}, s.sign()));
    }

    /**
     * Checks a peer's certificate as the spec requires and returns the host key it proves: well-formed, valid at
     * {@code now}, self-signed, no unknown critical extension, the libp2p extension present, and its signature by
     * the host key over this certificate's key. Read with the JDK; a certificate the JDK refuses to parse (empty
     * names, as js-libp2p sends) is read by the lazily loaded {@link X509Reader}.
     *
     * @throws CertificateException saying what is wrong
     */
    public static PeerPublicKey verify(byte[] der, Instant now) throws CertificateException {
        return verifyAll(der, now).host();
    }

    /** What a verified certificate proves, and the time it may prove it in. */
    record Verified(PeerPublicKey host, Instant notBefore, Instant notAfter) {
        boolean validAt(Instant now) {
            return !now.isBefore(notBefore) && !now.isAfter(notAfter);
        }
    }

    /** {@link #verify(byte[], Instant)}, with the validity the caller needs to reuse the result later. */
    static Verified verifyAll(byte[] der, Instant now) throws CertificateException {
        if (der.length > MAX_CERTIFICATE) throw new CertificateException("certificate of " + der.length + " bytes (limit " + MAX_CERTIFICATE + ")");
        X509Reader.Fields f = read(der);
        if (now.isBefore(f.notBefore())) throw new CertificateException("certificate not valid before " + f.notBefore());
        if (now.isAfter(f.notAfter())) throw new CertificateException("certificate expired at " + f.notAfter());
        byte[] signedKey = null;
        for (X509Reader.Extension e : f.extensions()) {
            if (e.oid().equals(EXTENSION_OID)) {
                if (signedKey != null) throw new CertificateException("two libp2p extensions");
                signedKey = e.value();
            } else if (e.critical() && !KNOWN_CRITICAL.contains(e.oid())) {
                throw new CertificateException("unknown critical extension " + e.oid());
            }
        }
        if (signedKey == null) throw new CertificateException("no libp2p public key extension (" + EXTENSION_OID + ")");
        PublicKey certKey = certificateKey(f.subjectPublicKeyInfo());
        String algorithm = SIGNATURE_ALGORITHMS.get(f.signatureAlgorithmOid());
        if (algorithm == null) throw new CertificateException("unsupported certificate signature algorithm " + f.signatureAlgorithmOid());
        try {
            Signature s = Signature.getInstance(algorithm);
            s.initVerify(certKey);
            s.update(f.tbsCertificate());
            if (!s.verify(f.signature())) throw new CertificateException("the certificate's self-signature is invalid");
        } catch (java.security.SignatureException e) {
            throw new CertificateException("the certificate's self-signature is malformed: " + e.getMessage(), e);
        } catch (GeneralSecurityException e) {
            throw new CertificateException("cannot check the certificate's self-signature: " + e.getMessage(), e);
        }
        PeerPublicKey host;
        byte[] hostSignature;
        try {
            Der.Reader seq = new Der.Reader(signedKey).next(Der.SEQUENCE, "libp2p extension");
            byte[] publicKey = seq.next(Der.OCTET_STRING, "libp2p extension publicKey").bytes();
            hostSignature = seq.next(Der.OCTET_STRING, "libp2p extension signature").bytes();
            seq.end("libp2p extension");
            host = PeerPublicKey.decode(publicKey);
        } catch (IllegalArgumentException e) {
            throw new CertificateException("malformed libp2p extension: " + e.getMessage(), e);
        }
        boolean valid;
        try {
            valid = host.verify(concat(SIGNATURE_PREFIX, f.subjectPublicKeyInfo()), hostSignature);
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new CertificateException("unusable host key in the libp2p extension: " + e.getMessage(), e);
        }
        if (!valid) throw new CertificateException("the host key's signature over the certificate key is invalid");
        return new Verified(host, f.notBefore(), f.notAfter());
    }

    /** The peer id a verified certificate proves. */
    public static PeerId peerId(byte[] der, Instant now) throws CertificateException {
        return PeerId.fromPublicKey(verify(der, now));
    }

    private static X509Reader.Fields read(byte[] der) throws CertificateException {
        X509Certificate c;
        try {
            c = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
        } catch (CertificateException jdkRefused) {
            // e.g. empty issuer and subject (js-libp2p): BouncyCastle reads those; it is loaded for such peers only
            try {
                return LazyCrypto.capability(X509Reader.class, "certificates with empty names (js-libp2p's)").read(der);
            } catch (IllegalArgumentException e) {
                throw new CertificateException(e.getMessage(), e);
            } catch (IllegalStateException e) {
                throw new CertificateException("the JDK cannot read it (" + jdkRefused.getMessage() + ") and " + e.getMessage(), e);
            }
        }
        List<X509Reader.Extension> extensions = new ArrayList<>();
        Set<String> critical = c.getCriticalExtensionOIDs(), nonCritical = c.getNonCriticalExtensionOIDs();
        try {
            for (Set<String> oids : List.of(critical == null ? Set.<String>of() : critical, nonCritical == null ? Set.<String>of() : nonCritical)) {
                for (String oid : oids) {
                    byte[] wrapped = c.getExtensionValue(oid); // the extnValue OCTET STRING itself
                    extensions.add(new X509Reader.Extension(oid, oids == critical, new Der.Reader(wrapped).next(Der.OCTET_STRING, "extension " + oid).bytes()));
                }
            }
            return new X509Reader.Fields(c.getTBSCertificate(), c.getSigAlgOID(), c.getSignature(), c.getPublicKey().getEncoded(),
                    c.getNotBefore().toInstant(), c.getNotAfter().toInstant(), extensions);
        } catch (IllegalArgumentException e) {
            throw new CertificateException("malformed certificate: " + e.getMessage(), e);
        }
    }

    /** The certificate's own key, for its self-signature: ECDSA, Ed25519 or RSA (what TLS 1.3 signs with). */
    private static PublicKey certificateKey(byte[] spki) throws CertificateException {
        for (String type : List.of("EC", "Ed25519", "RSA")) {
            try {
                return KeyFactory.getInstance(type).generatePublic(new X509EncodedKeySpec(spki));
            } catch (GeneralSecurityException notThisType) {
                // try the next
            }
        }
        throw new CertificateException("unsupported certificate key");
    }
}
