package lanchat.transport.libp2p;

import lanchat.api.spi.TransportProvider;
import lanchat.api.testkit.TransportContractTest;

class Libp2pTransportContractTest extends TransportContractTest {
    @Override
    protected TransportProvider provider() {
        return new Libp2pTransportProvider();
    }
}
