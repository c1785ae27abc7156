/**
 * The app's log backend: every plugin's SLF4J lines reach the user through the console, rate-limited.
 *
 * <h2>The problem (issue 13, attack 8)</h2>
 * The transports log each failed handshake at WARN through SLF4J. With slf4j-simple that was one raw line on stderr
 * per connection: a flood of bad connections printed 60,000 lines in 40 s, written past JLine, so the prompt and what
 * the user was typing were garbled.
 *
 * <h2>The design</h2>
 * The app brings its own SLF4J provider ({@link lanchat.app.log.ConsoleLogProvider}) instead of slf4j-simple. Every
 * logger is a {@link lanchat.app.log.LogRouter}'s, which
 * <ol>
 *   <li>formats the line as slf4j-simple did ({@code [WARN] ConnectionUpgrader - …});</li>
 *   <li>groups it with the lines of the same level, logger, message pattern and remote host (the host of any
 *       {@code InetSocketAddress} or {@code InetAddress} argument: the ports of a flood change with every
 *       connection, its source does not), and lets a {@link lanchat.app.log.LineThrottle} show the first line of a
 *       group at once and the rest as one summary per 10 s interval ("repeated 1,233 times in the last 10 s: libp2p
 *       handshake with 10.0.0.66 failed: …");</li>
 *   <li>hands the lines to a thread of its own, which writes them to the sink the launcher set: the console
 *       ({@code printAbove} on a terminal, stderr for plain I/O), stderr before the console exists and after it
 *       closes. Loggers run on Netty event loops: a stalled terminal must not stall them, so the hand-over never
 *       blocks (at most 256 lines wait; more are dropped and counted).</li>
 * </ol>
 * {@code --verbose} turns on DEBUG and switches the throttle off: the user asked for every line.
 *
 * <h2>Why a backend and not transport events</h2>
 * The other design was for the transports to report each refused inbound connection as an event the app summarises.
 * It would give exact wording ("refused 1,234 connections from 10.0.0.66"), but it needs a new SPI hook in every
 * transport, and it covers only the failures someone thought to report; every other plugin line (yamux, mDNS, Netty
 * itself) would still reach stderr raw. The backend covers all of them, today, with no plugin change. What it cannot
 * do is tell a refused connection from any other warning naming a host: the summary repeats the plugin's own
 * words. A transport hook would still be worth adding for counting (a future {@code /stats}), not for the screen.
 *
 * <h2>Not a singleton of ours</h2>
 * SLF4J finds the provider through {@code ServiceLoader} and keeps it for the JVM's life; the launcher reaches the
 * router through {@link lanchat.app.log.LogRouter#active()} and only tells it where to write and how much.
 */
package lanchat.app.log;
