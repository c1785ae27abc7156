package lanchat.api;

import static lanchat.api.internal.Bytes.concat;

import java.math.BigInteger;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Published test vectors shared by the tests, and small reference encoders written independently of the code
 * under test (BigInteger base58, a hand-assembled multihash) so that expectations are not computed by the code
 * they check.
 */
public final class SpecVectors {
    private SpecVectors() {}

    // libp2p/specs peer-ids/peer-ids.md, "Test vectors" (hex protobuf PublicKey / PrivateKey messages)
    public static final String ED25519_PUBLIC = "080112201ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e";
    public static final String ED25519_PRIVATE = "080112407e0830617c4a7de83925dfb2694556b12936c477a0e1feb2e148ec9da60fee7d"
            + "1ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e";
    public static final String SECP256K1_PUBLIC = "08021221037777e994e452c21604f91de093ce415f5432f701dd8cd1a7a6fea0e630bfca99";
    public static final String ECDSA_PUBLIC = "0803125b3059301306072a8648ce3d020106082a8648ce3d03010703420004de3d300fa36ae0e8f5d530899d83abab44"
            + "abf3161f162a4bc901d8e6ecda020e8b6d5f8da30525e71d6851510c098e5c47c646a597fb4dcec034e9f77c409e62";
    public static final String RSA_PUBLIC = "080012a60430820222300d06092a864886f70d01010105000382020f003082020a0282020100e1beab071d08200bde24eef"
            + "00d049449b07770ff9910257b2d7d5dda242ce8f0e2f12e1af4b32d9efd2c090f66b0f29986dbb645dae9880089704a94e5066d594162ae6ee8892e6ec7"
            + "0701db0a6c445c04778eb3de1293aa1a23c3825b85c6620a2bc3f82f9b0c309bc0ab3aeb1873282bebd3da03c33e76c21e9beb172fd44c9e43be32e2c99"
            + "827033cf8d0f0c606f4579326c930eb4e854395ad941256542c793902185153c474bed109d6ff5141ebf9cd256cf58893a37f83729f97e7cb435ec679d2e"
            + "33901d27bb35aa0d7e20561da08885ef0abbf8e2fb48d6a5487047a9ecb1ad41fa7ed84f6e3e8ecd5d98b3982d2a901b4454991766da295ab78822add56"
            + "12a2df83bcee814cf50973e80d7ef38111b1bd87da2ae92438a2c8cbcc70b31ee319939a3b9c761dbc13b5c086d6b64bf7ae7dacc14622375d92a8ff9af7"
            + "eb962162bbddebf90acb32adb5e4e4029f1c96019949ecfbfeffd7ac1e3fbcc6b6168c34be3d5a2e5999fcbb39bba7adbca78eab09b9bc39f7fa4b93411f"
            + "4cc175e70c0a083e96bfaefb04a9580b4753c1738a6a760ae1afd851a1a4bdad231cf56e9284d832483df215a46c1c21bdf0c6cfe951c18f1ee4078c79c1"
            + "3d63edb6e14feaeffabc90ad317e4875fe648101b0864097e998f0ca3025ef9638cd2b0caecd3770ab54a1d9c6ca959b0f5dcbc90caeefc4135baca6fd47"
            + "5224269bbe1b0203010001";

    // Peer ids of the spec keys, as other libp2p implementations publish them (cross-checked by the tests below
    // against an independent derivation).
    public static final String ED25519_PEER_ID = "12D3KooWBtg3aaRMjxwedh83aGiUkwSxDwUZkzuJcfaqUmo7R3pq";
    public static final String SECP256K1_PEER_ID = "16Uiu2HAmLhLvBoYaoZfaMUKuibM6ac163GwKY74c5kiSLg5KvLpY";

    // A P-256 key, its peer id and a signature over "noise-libp2p-static-key:hello", all produced by go-libp2p.
    public static final String GO_ECDSA_PUBLIC = "0803125b3059301306072a8648ce3d020106082a8648ce3d030107034200045aeb4301c696080333039169ce896ee6"
            + "44373b3924a000a968ec3af9507be376e8c9815be6c588a7d1feafa00a801e4d338cb4976aaae604ec75535bdc5b1bd8";
    public static final String GO_ECDSA_PEER_ID = "QmZu9py8NZfiSnsrrB1nYNMZ2WZp4Vr5z37QLftYGzVJiY";
    public static final String GO_ECDSA_MESSAGE = "noise-libp2p-static-key:hello";
    public static final String GO_ECDSA_SIGNATURE = "30440220073327d029b0ca814587fb09f9cdac24c7cee8f402e3e2f64626b7d47f4de8ca02200427d783c872"
            + "828e464c5aab2047804f993358d92be35def4e64893b1b11f657";

    // Examples from the "String representation" section of the peer-ids spec (the first two are the same peer).
    public static final String SPEC_SHA256_BASE58 = "QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N";
    public static final String SPEC_SHA256_CID = "bafzbeie5745rpv2m6tjyuugywy4d5ewrqgqqhfnf445he3omzpjbx5xqxe";
    public static final String SPEC_ED25519_BASE58 = "12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA";

    // RFC 8032 section 7.1, TEST 1 (empty message)
    public static final String RFC8032_SECRET = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
    public static final String RFC8032_PUBLIC = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
    public static final String RFC8032_SIGNATURE = "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46b"
            + "d25bf5f0595bbe24655141438e7a100b";

    public static byte[] hex(String hex) {
        return HexFormat.of().parseHex(hex);
    }

    public static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }

    private static final String B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

    /** Reference base58btc: the bytes as one big number in base 58, plus one '1' per leading zero byte. */
    public static String base58(byte[] bytes) {
        StringBuilder sb = new StringBuilder();
        BigInteger n = new BigInteger(1, bytes), fiftyEight = BigInteger.valueOf(58);
        while (n.signum() > 0) {
            BigInteger[] qr = n.divideAndRemainder(fiftyEight);
            sb.append(B58.charAt(qr[1].intValue()));
            n = qr[0];
        }
        for (int i = 0; i < bytes.length && bytes[i] == 0; i++) sb.append('1');
        return sb.reverse().toString();
    }

    /** The peer id multihash of a protobuf public key, assembled by hand (single-byte varints suffice here). */
    public static byte[] expectedMultihash(byte[] protobufKey) {
        if (protobufKey.length <= 42) return concat(new byte[] {0x00, (byte) protobufKey.length}, protobufKey);
        return concat(new byte[] {0x12, 0x20}, sha256(protobufKey));
    }

    public static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
