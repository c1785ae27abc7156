package lanchat.transport.libp2p.identify;

/** Identify and identify-push protocol ids. */
public final class IdentifyProtocol {
    public static final String ID = "/ipfs/id/1.0.0";
    public static final String PUSH = "/ipfs/id/push/1.0.0";
    /**
     * Largest identify message accepted, go-libp2p's limit ({@code signedIDSize} in {@code id.go}); go trims its own
     * to 4 KiB and js-libp2p stays below too. A peer can make us buffer this much per identify stream.
     */
    public static final int MAX_MESSAGE = 8 * 1024;
    /** At most this many messages on one identify stream (they are merged). */
    public static final int MAX_MESSAGES = 10;

    private IdentifyProtocol() {}
}
