package lanchat.transport.libp2p;

import java.time.Duration;

import lanchat.api.spi.TransportConfig;

/**
 * The transport's tunables, read from {@link TransportConfig#options()}.
 *
 * @param tls whether TLS is offered (first) and accepted besides Noise; option {@code security}: {@code tls,noise}
 *            (as go-libp2p) or {@code noise}; without the option, the JVM property {@value #SECURITY_PROPERTY}, else
 *            {@code tls,noise}
 */
public record Settings(Duration handshakeTimeout, Duration keepaliveInterval, Duration idleTimeout, int maxMessageBytes, String agentVersion, boolean tls) {
    /** The security protocols when the transport's options do not say (the app passes none): {@code LANCHAT_JAVA_OPTS=-Dlanchat.security=noise}. */
    public static final String SECURITY_PROPERTY = "lanchat.security";

    public static Settings from(TransportConfig c) {
        String security = c.options().getOrDefault("security", System.getProperty(SECURITY_PROPERTY, "tls,noise"));
        boolean tls = switch (security) {
            case "tls,noise" -> true;
            case "noise" -> false;
            default -> throw new IllegalArgumentException("security must be tls,noise or noise, not " + security);
        };
        return new Settings(Duration.ofMillis(c.intOption("handshakeTimeoutMs", 10_000)),
                Duration.ofMillis(c.intOption("keepaliveMs", 10_000)),
                Duration.ofMillis(c.intOption("idleTimeoutMs", 30_000)),
                c.intOption("maxMessageBytes", 1 << 20),
                c.options().getOrDefault("agentVersion", "lanchat/0.1.0"),
                tls);
    }
}
