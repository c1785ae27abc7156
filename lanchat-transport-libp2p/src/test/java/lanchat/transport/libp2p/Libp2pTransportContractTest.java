package lanchat.transport.libp2p;

import java.util.HashMap;
import java.util.Map;

import lanchat.api.spi.TransportProvider;
import lanchat.api.testkit.TransportContractTest;
import org.junit.jupiter.api.Nested;

/** The contract over real sockets with TLS (the default: offered first, BoringSSL here) and with Noise only. */
class Libp2pTransportContractTest extends TransportContractTest {
    @Override
    protected TransportProvider provider() {
        return new Libp2pTransportProvider();
    }

    /** Both ends Noise only, as against a js-libp2p peer without @libp2p/tls. */
    @Nested
    class OverNoise extends TransportContractTest {
        @Override
        protected TransportProvider provider() {
            return new Libp2pTransportProvider();
        }

        @Override
        protected Map<String, String> options() {
            Map<String, String> o = new HashMap<>(super.options());
            o.put("security", "noise");
            return o;
        }
    }
}
