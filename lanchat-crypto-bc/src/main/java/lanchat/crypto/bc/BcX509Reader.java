package lanchat.crypto.bc;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import lanchat.api.crypto.spi.X509Reader;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.x509.Certificate;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.util.Properties;

/**
 * X.509 fields through BouncyCastle's ASN.1 structures ({@link Certificate}), which, unlike the JDK, accept the empty
 * names js-libp2p puts in its certificates. Parsing only; no BC provider is involved.
 */
public final class BcX509Reader implements X509Reader {
    /** A libp2p certificate is about 400 bytes; an RSA-8192 host key with its signature stays well under this. */
    static final int MAX_CERTIFICATE = 16 * 1024;

    @Override
    public Fields read(byte[] der) {
        if (der.length > MAX_CERTIFICATE) throw new IllegalArgumentException("certificate of " + der.length + " bytes (limit " + MAX_CERTIFICATE + ")");
        // libp2p certificates are self-signed and named by nothing but their extension: an empty issuer is what js
        // sends and what the spec allows. BC refuses one unless told otherwise; told so for this thread and this call
        boolean wasSet = Properties.setThreadOverride(Properties.X509_ALLOW_EMPTY_ISSUER_CERT, true);
        try {
            Certificate c = Certificate.getInstance(der);
            if (c == null) throw new IllegalArgumentException("not a certificate");
            List<X509Reader.Extension> extensions = new ArrayList<>();
            Extensions exts = c.getTBSCertificate().getExtensions();
            if (exts != null) {
                for (ASN1ObjectIdentifier oid : exts.getExtensionOIDs()) {
                    org.bouncycastle.asn1.x509.Extension e = exts.getExtension(oid); // not the record of the same name
                    extensions.add(new X509Reader.Extension(oid.getId(), e.isCritical(), e.getExtnValue().getOctets()));
                }
            }
            return new Fields(c.getTBSCertificate().getEncoded(ASN1Encoding.DER), c.getSignatureAlgorithm().getAlgorithm().getId(),
                    c.getSignature().getOctets(), c.getSubjectPublicKeyInfo().getEncoded(ASN1Encoding.DER),
                    c.getStartDate().getDate().toInstant(), c.getEndDate().getDate().toInstant(), extensions);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("malformed certificate: " + e.getMessage(), e);
        } finally {
            if (!wasSet) Properties.removeThreadOverride(Properties.X509_ALLOW_EMPTY_ISSUER_CERT);
        }
    }
}
