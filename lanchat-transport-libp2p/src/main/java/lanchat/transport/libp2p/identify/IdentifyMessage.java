package lanchat.transport.libp2p.identify;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import lanchat.api.Multiaddr;
import lanchat.api.internal.ProtoReader;
import lanchat.api.internal.ProtoWriter;

/**
 * The identify protobuf:
 *
 * <pre>
 * message Identify {
 *   optional string protocolVersion = 5;   optional string agentVersion = 6;
 *   optional bytes publicKey = 1;           repeated bytes listenAddrs = 2;
 *   optional bytes observedAddr = 4;        repeated string protocols = 3;
 *   optional bytes signedPeerRecord = 8;    // skipped: we neither check nor send it
 * }
 * </pre>
 *
 * Addresses we cannot parse (protocols we do not know) are dropped rather than failing the message.
 */
public record IdentifyMessage(Optional<String> protocolVersion, Optional<String> agentVersion, Optional<byte[]> publicKey,
                              List<Multiaddr> listenAddrs, Optional<Multiaddr> observedAddr, List<String> protocols) {
    public static final String PROTOCOL_VERSION = "ipfs/0.1.0";

    public IdentifyMessage {
        listenAddrs = List.copyOf(listenAddrs);
        protocols = List.copyOf(protocols);
    }

    public byte[] encode() {
        ProtoWriter w = new ProtoWriter();
        publicKey.ifPresent(k -> w.bytes(1, k));
        listenAddrs.forEach(a -> w.bytes(2, a.toBytes()));
        protocols.forEach(p -> w.string(3, p));
        observedAddr.ifPresent(a -> w.bytes(4, a.toBytes()));
        protocolVersion.ifPresent(v -> w.string(5, v));
        agentVersion.ifPresent(v -> w.string(6, v));
        return w.toByteArray();
    }

    /** @throws IllegalArgumentException for malformed protobuf */
    public static IdentifyMessage decode(byte[] bytes) {
        return EMPTY.merge(bytes);
    }

    static final IdentifyMessage EMPTY = new IdentifyMessage(Optional.empty(), Optional.empty(), Optional.empty(), List.of(), Optional.empty(), List.of());

    /** This message updated by another (identify may arrive in several messages): repeated fields add up, others are replaced. */
    IdentifyMessage merge(byte[] bytes) {
        Optional<String> pv = protocolVersion, av = agentVersion;
        Optional<byte[]> key = publicKey;
        Optional<Multiaddr> observed = observedAddr;
        List<Multiaddr> addrs = new ArrayList<>(listenAddrs);
        List<String> protos = new ArrayList<>(protocols);
        ProtoReader r = new ProtoReader(bytes);
        while (r.next()) {
            switch (r.field()) {
                case 1 -> key = Optional.of(r.bytes());
                case 2 -> parse(r.bytes()).ifPresent(addrs::add);
                case 3 -> protos.add(r.string());
                case 4 -> observed = parse(r.bytes());
                case 5 -> pv = Optional.of(r.string());
                case 6 -> av = Optional.of(r.string());
                default -> r.skip();
            }
        }
        return new IdentifyMessage(pv, av, key, addrs, observed, protos);
    }

    private static Optional<Multiaddr> parse(byte[] b) {
        try {
            return Optional.of(Multiaddr.fromBytes(b));
        } catch (IllegalArgumentException unknownProtocol) {
            return Optional.empty();
        }
    }
}
