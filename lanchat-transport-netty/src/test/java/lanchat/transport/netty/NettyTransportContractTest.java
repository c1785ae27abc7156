package lanchat.transport.netty;

import lanchat.api.spi.TransportProvider;
import lanchat.api.testkit.TransportContractTest;

class NettyTransportContractTest extends TransportContractTest {
    @Override
    protected TransportProvider provider() {
        return new NettyTransportProvider();
    }
}
