package lanchat.transport.tcp;

import io.netty.handler.codec.CodecException;

/** How a transport reads the exceptions that end a connection: one place, so every transport logs alike. */
public final class Failures {
    private Failures() {}

    /**
     * The exception that says what went wrong, not the codec wrappers around it: a {@code DecoderException} (or
     * {@code EncoderException}) caused by a {@code NoiseException} is the {@code NoiseException}.
     */
    public static Throwable rootCause(Throwable t) {
        Throwable root = t;
        while (root instanceof CodecException && root.getCause() != null) root = root.getCause();
        return root;
    }

    /** One line for the log: what went wrong, without a stack trace for the peer's mistakes. */
    public static String describe(Throwable t) {
        String m = t.getMessage();
        return m == null ? t.getClass().getSimpleName() : m;
    }
}
