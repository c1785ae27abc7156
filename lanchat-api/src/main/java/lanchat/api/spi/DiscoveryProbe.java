package lanchat.api.spi;

import java.io.IOException;
import java.time.Duration;
import java.util.List;

import lanchat.api.ui.DoctorReport;

/**
 * The network doctor's look at one discovery mechanism (mDNS: {@code lanchat.discovery.mdns}): for each interface,
 * whether a query we send comes back to us and which rendezvous names are heard. Found by {@link java.util.ServiceLoader}
 * like the discovery itself, so the app names no plugin.
 */
public interface DiscoveryProbe {
    /** The discovery this probes, e.g. {@code mdns}. */
    String name();

    /**
     * Sends a query on every up, multicast-capable interface and listens for {@code listenFor} (bounded: a few
     * seconds). Returns every interface of the host, probed or not.
     *
     * @throws IOException when the probe cannot listen at all (e.g. the discovery port is taken); the message says so
     */
    List<DoctorReport.Interface> probe(Duration listenFor) throws IOException;
}
