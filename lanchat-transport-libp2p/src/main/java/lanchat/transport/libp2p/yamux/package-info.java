/**
 * Yamux 1.0.0 ({@code /yamux/1.0.0}, the libp2p and hashicorp spec) on Netty: {@link
 * lanchat.transport.libp2p.yamux.YamuxFrameCodec} turns bytes into {@link lanchat.transport.libp2p.yamux.YamuxFrame}s,
 * {@link lanchat.transport.libp2p.yamux.YamuxSession} turns frames into streams, each a child
 * {@link lanchat.transport.libp2p.yamux.YamuxStreamChannel}. Windows, flags and Go Away codes are those of the spec,
 * so go-yamux and js-libp2p's yamux interoperate; the limits follow go-yamux and go-libp2p's resource manager where
 * they have one.
 *
 * <h2>Limits</h2>
 * A peer decides what it sends, not what we hold. Every place where its frames could make us buffer has a bound
 * ({@link lanchat.transport.libp2p.yamux.YamuxConfig} holds the tunable ones; defaults in brackets):
 * <ul>
 *   <li><b>A Data frame</b> is at most what is left of its stream's receive window, checked by the decoder on the
 *       12-byte header, before any byte of the body is buffered (go-yamux checks the same on the header). A frame for
 *       a stream that is not open may carry at most the initial window: that much may be in flight to a stream we
 *       just closed. Beyond: Go Away (protocol error). Without this, a header announcing 16 MiB followed by all but
 *       the last byte held 16 MiB per connection. {@code YamuxFrameDecoder.DEFAULT_MAX_DATA_LENGTH} (16 MiB) caps
 *       the window itself.</li>
 *   <li><b>Data for a stream that does not read</b> waits in the stream, up to its receive window [256 KiB]: the
 *       window is only credited back as the application consumes, so the peer stops. Concurrent inbound streams are
 *       capped [{@code maxInboundStreams} 256; further SYNs get RST], which caps what one connection can hold this
 *       way at {@code maxInboundStreams × receiveWindow} (64 MiB with the defaults). Per protocol the transport's
 *       protocol registry allows fewer (each protocol's {@code maxInboundStreams}; streams still negotiating count
 *       against the yamux cap only). Streams that pause reading are the ones that hold data this way: chat and
 *       application channels until the application listens or while it lags, the ping responder while its echoes
 *       cannot leave. Streams are acknowledged as soon as they are accepted, so go-yamux's accept backlog (256
 *       streams not yet taken by the application) is this same cap.</li>
 *   <li><b>Window growth</b>: a stream whose peer uses half its window in less than four round trips (measured with
 *       one of our pings when a stream first needs it, again after 30 s) was held back by the window, not by our
 *       reading, so its next Window Update doubles the window, up to {@code maxReceiveWindow} [4 MiB], as go-yamux
 *       tunes its windows. Each growth is reserved from the {@link lanchat.transport.libp2p.yamux.StreamBudget}
 *       first; the transport grants it only from spare memory (its connection, peer and node stay at or below half
 *       their limits), so a peer that sends fast gets a faster stream, never the memory other streams need; it is
 *       given back with the stream. Only a stream alone on the connection grows: once another stream received data
 *       in the last second, a grown window goes back to the initial one (its updates credit less than was
 *       consumed), because whatever a window lets the peer send waits ahead of the other streams' frames in both
 *       ends' socket buffers (a chat line behind 4 MiB of a file). A reader that lags credits nothing and so never
 *       grows.</li>
 *   <li><b>Streams we open</b>: at most {@code maxOutboundStreams} [1024] open and {@code maxAckBacklog} [256]
 *       not yet acknowledged (the spec's ACK backlog, which go-yamux also bounds with its accept backlog).</li>
 *   <li><b>Stream data we send</b> leaves only while the peer's window has room and the connection is writable;
 *       the rest stays in the stream's outbound buffer, whose water marks turn {@code isWritable()} false for the
 *       application. Each frame is at most {@code maxDataFrameSize} [64 KiB].</li>
 *   <li><b>Answers to the peer's pings</b>: at most {@code pingBacklog} [32] waiting to leave; a ping beyond that
 *       is not answered (go-yamux {@code PingBacklog}), so a peer that pings without reading costs 32 small frames.
 *       <b>Our own pings</b>: one in flight; {@code ping()} meanwhile shares its answer, as in go-yamux.</li>
 *   <li><b>Window updates</b> are never dropped: they carry flow-control state, and a peer must send half a window
 *       (128 KiB) to cause one. <b>RST for data on a stream we do not have</b> is advice (the sender's window already
 *       bounds what it can still send), so it is sent only while the connection is writable. <b>RST refusing a
 *       SYN</b> is always sent: the peer waits for it.</li>
 *   <li><b>Everything queued for a peer that does not read</b>: once more than {@code maxQueuedOutboundBytes}
 *       [8 MiB] are written to the connection and not yet taken by the socket, the connection is closed at once,
 *       without Go Away and without flushing (Netty's close drops the queue). This is the bound on control frames
 *       (window updates, RSTs, Go Away) that no window limits: before it, 120 MB of ping answers and RSTs queued for
 *       a peer that never read. It is checked after every flush, because the layers below (Noise seals per flush)
 *       hold writes until then; a read batch flushes at its end, and also each time it has written 16 KiB of
 *       control frames, so the check is passed by at most that much. Keep it above the connection's write high
 *       water mark, where stream data stops by itself (the libp2p transport sets 4 × maxMessageBytes + 1 MiB,
 *       5 MiB by default).</li>
 *   <li><b>Closing</b>: a Go Away that precedes a close (protocol or internal error, {@code goAway} with an error
 *       code) gets {@code goAwayGrace} [1 s] to leave, then the connection is closed anyway, and nothing more is
 *       read meanwhile: a peer trickling its reads cannot keep the connection open. An orderly close writes Go Away
 *       (normal) and closes the socket at once.</li>
 * </ul>
 */
package lanchat.transport.libp2p.yamux;
