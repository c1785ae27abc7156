package lanchat.api.spi;

/** Who opened a connection: we did ({@code OUTBOUND}) or the remote peer did ({@code INBOUND}). */
public enum Direction { INBOUND, OUTBOUND }
