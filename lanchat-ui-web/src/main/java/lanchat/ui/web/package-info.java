/**
 * The local web page front end ({@code --ui web}).
 *
 * <p>Security: the server binds {@code 127.0.0.1} only, on a random port. The printed link carries the random
 * 256-bit token of this run ({@code ?token=}, compared in constant time), and it works once: the first GET of the page
 * with it is answered 303 to the same page without the token, with a session cookie {@code lanchat_session_<PORT>}
 * (a random value of its own; HttpOnly, SameSite=Strict, Path=/), so the token leaves the address bar and the history
 * and a copy of the link is worthless once used (a second use: 403). Every other request, the WebSocket included,
 * needs that cookie; without it: 403. The WebSocket ({@code /ws}) additionally requires {@code Origin} to be the
 * page's own origin ({@code http://127.0.0.1:PORT}), so another site open in the same browser cannot drive the node
 * (cross-site WebSocket hijacking).
 *
 * <p>Bounded: HTTP requests up to {@link lanchat.ui.web.WebFrontend#MAX_REQUEST} bytes, WebSocket frames up to
 * {@link lanchat.ui.web.WebFrontend#MAX_FRAME} bytes, at most {@link lanchat.ui.web.WebFrontend#MAX_CLIENTS} page
 * connections, at most {@link lanchat.ui.web.WebFrontend#COMMANDS_PER_SECOND} commands per second per connection
 * (more get an {@code error} event) and of those at most {@link lanchat.ui.web.WebFrontend#LINES_PER_SECOND} chat
 * lines (bursts of {@link lanchat.ui.web.WebFrontend#LINE_BURST}; a line over it is not sent and gets one
 * {@code rate_limited} error), and a replay of at most {@link lanchat.ui.web.WebFrontend#REPLAY} recent events (and
 * 512 KiB) for a page that (re)connects. Toward a page: when more than 1 MiB is still unsent to it (Netty's pending
 * bytes past the channel's high-water mark) as the next event or answer is due, that WebSocket is closed instead of
 * buffered for; the page reconnects and gets the replay. Bad input gives an {@code error} event; the node keeps
 * running.
 *
 * <p>When the node stops, every page gets a close frame (1001, "LAN Chat stopped"), answers it, and then the socket
 * closes; the page shows that it stopped and does not reconnect. A page whose connection drops otherwise retries a
 * bounded number of times, then says so.
 *
 * <p>The WebSocket speaks the JSON protocol of {@code --ui json} (README: JSON protocol): the same event objects
 * arrive as text frames, and the page sends the same commands ({@code {"send":"text"}}, {@code {"peers":true}},
 * {@code {"nick":"name"}}).
 */
package lanchat.ui.web;
