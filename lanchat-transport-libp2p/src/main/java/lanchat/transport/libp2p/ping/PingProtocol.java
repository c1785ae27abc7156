package lanchat.transport.libp2p.ping;

/** {@code /ipfs/ping/1.0.0}: the initiator sends 32 random bytes, the responder echoes them. */
public final class PingProtocol {
    public static final String ID = "/ipfs/ping/1.0.0";
    public static final int SIZE = 32;

    private PingProtocol() {}
}
