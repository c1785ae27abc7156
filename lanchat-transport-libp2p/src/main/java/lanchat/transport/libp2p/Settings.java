package lanchat.transport.libp2p;

import java.time.Duration;

import lanchat.api.spi.TransportConfig;

/** The transport's tunables, read from {@link TransportConfig#options()}. */
public record Settings(Duration handshakeTimeout, Duration keepaliveInterval, Duration idleTimeout, int maxMessageBytes, String agentVersion) {
    public static Settings from(TransportConfig c) {
        return new Settings(Duration.ofMillis(c.intOption("handshakeTimeoutMs", 10_000)),
                Duration.ofMillis(c.intOption("keepaliveMs", 10_000)),
                Duration.ofMillis(c.intOption("idleTimeoutMs", 30_000)),
                c.intOption("maxMessageBytes", 1 << 20),
                c.options().getOrDefault("agentVersion", "lanchat/0.1.0"));
    }
}
