package lanchat.transport.libp2p;

import java.util.List;
import java.util.concurrent.Executor;

import io.netty.channel.WriteBufferWaterMark;
import lanchat.api.Identity;
import lanchat.api.Multiaddr;

/** What the protocols of every connection share (go-libp2p calls it the host): settings, identity, what is registered, where events go. */
public interface Host {
    Identity identity();

    /** Tunables (timeouts, message limit, agent version). */
    Settings settings();

    /** Where session and channel events are delivered (serial, never an I/O thread of ours). */
    Executor callbacks();

    /** Our listen addresses without {@code /p2p}, as identify reports them. */
    List<Multiaddr> listenAddrs();

    /** Every protocol id the transport answers to, as identify advertises them. */
    List<String> protocolIds();

    /** For streams that carry the app's messages: how much may wait in a stream before it stops taking more. */
    WriteBufferWaterMark waterMark();

    /** What recently seen peers are known to speak (identify, agreed streams), for lazy proposals. */
    KnownProtocols knownProtocols();
}
