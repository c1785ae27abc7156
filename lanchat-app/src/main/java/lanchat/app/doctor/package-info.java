/**
 * The network doctor ({@code /doctor}, {@code lanchat --doctor}): answers "why can't I see anyone?". The discovery
 * plugins probe their side ({@link lanchat.api.spi.DiscoveryProbe}: does our own mDNS query come back, which rooms are
 * heard); this package adds whether our TCP port answers from another local address, and turns the findings into a
 * verdict in plain words with the next step.
 */
package lanchat.app.doctor;
