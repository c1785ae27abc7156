package lanchat.api.internal;

import lanchat.api.crypto.KeyType;

/**
 * The key protobuf of the peer-ids spec, shared by public and private keys:
 * {@code message PublicKey|PrivateKey { KeyType Type = 1; bytes Data = 2; }}. Unknown fields are skipped.
 */
public record KeyMessage(KeyType type, byte[] data) {
    /** @param what names the message in errors, e.g. "public key protobuf" */
    public static KeyMessage decode(byte[] protobuf, String what) {
        KeyType type = null;
        byte[] data = null;
        ProtoReader r = new ProtoReader(protobuf);
        while (r.next()) {
            switch (r.field()) {
                case 1 -> type = KeyType.fromCode(r.varint());
                case 2 -> data = r.bytes();
                default -> r.skip();
            }
        }
        if (type == null || data == null) throw new IllegalArgumentException(what + " lacks " + (type == null ? "Type" : "Data"));
        return new KeyMessage(type, data);
    }

    /** Fields in order, as the spec requires for peer-id derivation. */
    public byte[] encode() {
        return new ProtoWriter().varint(1, type.code()).bytes(2, data).toByteArray();
    }
}
