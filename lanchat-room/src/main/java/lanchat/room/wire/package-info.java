/**
 * The room log's wire format (v1): signed envelopes for messages and have-vectors, and the four frames of
 * {@code /lanchat/room/1.0.0}. Protobuf wire format written and read with lanchat-api's minimal codec (no protobuf
 * library); every decoder checks sizes before it allocates and rejects what it does not understand with a
 * {@link lanchat.room.wire.Rejection} naming why. Envelopes are stored and relayed byte for byte, never re-encoded,
 * so the signature always covers the bytes a peer received.
 */
package lanchat.room.wire;
