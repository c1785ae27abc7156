/**
 * The network doctor ({@code /doctor}, {@code lanchat --doctor}): answers "why can't I see anyone?". The discovery
 * plugins probe their side ({@link lanchat.api.spi.DiscoveryProbe}: does our own mDNS query come back, over IPv4 and
 * IPv6, which rooms are heard) and, in a running node, say which rooms they heard in the last minute
 * ({@link lanchat.api.spi.Discovery#recentlyHeard()}); this package adds whether our TCP port answers from another local address, and turns the findings into a
 * verdict in plain words with the next step.
 */
package lanchat.app.doctor;
