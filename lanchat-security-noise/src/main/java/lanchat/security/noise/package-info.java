/**
 * The libp2p Noise handshake ({@code /noise}: Noise_XX_25519_ChaChaPoly_SHA256 with the libp2p identity payload) and
 * the transport ciphers it yields, on the JDK's own X25519, ChaCha20-Poly1305, AES-GCM (LAN Chat's transport-phase
 * extension for its netty transport, when both ends offer it: {@link lanchat.security.noise.NoiseCipher}), HMAC-SHA256
 * and signature providers.
 * No Netty types: {@link lanchat.security.noise.NoiseHandshake} takes and returns byte arrays, so any byte stream can
 * carry it; {@code lanchat.security.noise.netty} runs it on a Netty channel.
 *
 * <p>Public: {@link lanchat.security.noise.NoiseHandshake} (one handshake, either role),
 * {@link lanchat.security.noise.SignedStaticKey} (the static key a transport makes once),
 * {@link lanchat.security.noise.NoiseResult} (the authenticated peer and the two ciphers),
 * {@link lanchat.security.noise.CipherState} (one direction of transport messages),
 * {@link lanchat.security.noise.NoiseCipher} (its cipher function) and
 * {@link lanchat.security.noise.NoiseException}. The Noise state machine itself (XXHandshake, SymmetricState,
 * X25519, the payload protobuf) stays package-private, reachable by the known-answer and fuzz tests only.
 */
package lanchat.security.noise;
