package lanchat.api.crypto.spi;

import java.time.Instant;
import java.util.List;

/**
 * Reads the fields of a DER X.509 certificate that the JDK's parser refuses. libp2p TLS peers other than go send
 * certificates with empty issuer and subject names (js-libp2p), which the JDK rejects ("Empty issuer DN not allowed");
 * the TLS glue reads every certificate with the JDK first and asks this capability only when the JDK refuses one, so
 * a node that meets go or LAN Chat peers never loads it. Reading only: every check (signatures, validity, the libp2p
 * extension) is the caller's, done with the JDK's providers on these fields.
 */
public interface X509Reader {
    /**
     * @param der one certificate, DER
     * @throws IllegalArgumentException when it is not a well-formed X.509 certificate
     */
    Fields read(byte[] der);

    /**
     * What the libp2p checks need.
     *
     * @param tbsCertificate         the signed part, DER, exactly as received
     * @param signatureAlgorithmOid  the outer signature algorithm (dotted OID)
     * @param signature              the signature's bytes (the BIT STRING's content)
     * @param subjectPublicKeyInfo   DER
     * @param extensions             in the order received
     */
    record Fields(byte[] tbsCertificate, String signatureAlgorithmOid, byte[] signature, byte[] subjectPublicKeyInfo,
                  Instant notBefore, Instant notAfter, List<Extension> extensions) {
        public Fields {
            tbsCertificate = tbsCertificate.clone();
            signature = signature.clone();
            subjectPublicKeyInfo = subjectPublicKeyInfo.clone();
            extensions = List.copyOf(extensions);
        }

        @Override public byte[] tbsCertificate() { return tbsCertificate.clone(); }
        @Override public byte[] signature() { return signature.clone(); }
        @Override public byte[] subjectPublicKeyInfo() { return subjectPublicKeyInfo.clone(); }
    }

    /** One extension: its OID, criticality and value (the content of its OCTET STRING). */
    record Extension(String oid, boolean critical, byte[] value) {
        public Extension {
            value = value.clone();
        }

        @Override public byte[] value() { return value.clone(); }
    }
}
