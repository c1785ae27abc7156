package lanchat.transport.libp2p.identify;

import static org.junit.jupiter.api.Assertions.assertTrue;

final class IdentifyReaderTestSupport {
    private IdentifyReaderTestSupport() {}

    static void assertEmpty(IdentifyMessage m) {
        assertTrue(m.protocolVersion().isEmpty() && m.agentVersion().isEmpty() && m.publicKey().isEmpty()
                && m.listenAddrs().isEmpty() && m.observedAddr().isEmpty() && m.protocols().isEmpty(), m.toString());
    }
}
