package lanchat.security.noise;

/**
 * A Noise handshake or transport message was rejected: malformed, oversize, failed authentication, or the remote
 * identity is not acceptable. The connection it arrived on must be closed; neither the handshake nor the
 * {@link CipherState} should be used again.
 */
public final class NoiseException extends Exception {
    private static final long serialVersionUID = 1L;

    public NoiseException(String msg) {
        super(msg);
    }

    public NoiseException(String msg, Throwable cause) {
        super(msg, cause);
    }
}
