package lanchat.crypto.bc;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/**
 * A secp256k1 key (secret: SHA-256 of "lanchat secp256k1 test key"), its peer id and its signature over
 * "noise-libp2p-static-key:hello", all produced by go-libp2p v0.51.0, which signs with the low s. The second signature
 * is the same one with s replaced by n − s; go-libp2p v0.51.0's {@code Verify} accepts it too (checked with it).
 */
final class GoVectors {
    private GoVectors() {}

    static final String PUBLIC_KEY = "0802122103eaf799c400da9db0e1ca99b4a8b3c31ea9b3f233ec36546fe6a1f7ed3679ad04";
    static final String PEER_ID = "16Uiu2HAmUUCjMv1UENi7oGcYy5F4ZFESSs3YjWTWTRTgFvRgoUiF";
    static final byte[] MESSAGE = "noise-libp2p-static-key:hello".getBytes(StandardCharsets.US_ASCII);
    static final String SIGNATURE = "3045022100e7083ccd6402c58ade08aec03ec61cd21efd6ea1f015999e1d901b227a5cecb702200e13bd8e8d"
            + "5730a3c88b4c488526f57327b2d517c5cc8aa1097e4fe1830d2eb4";
    static final String HIGH_S_SIGNATURE = "3046022100e7083ccd6402c58ade08aec03ec61cd21efd6ea1f015999e1d901b227a5cecb7022100f1"
            + "ec427172a8cf5c3774b3b77ad90a8b92fc07cee97c159ab6540eab4d29128d";

    static byte[] hex(String hex) {
        return HexFormat.of().parseHex(hex);
    }

    static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }
}
