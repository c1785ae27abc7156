/**
 * The local web page front end ({@code --ui web}).
 *
 * <p>Security: the server binds {@code 127.0.0.1} only, on a random port. Every request must carry the random
 * 256-bit token of this run ({@code ?token=}, compared in constant time); without it: 403. The WebSocket
 * ({@code /ws}) additionally requires {@code Origin} to be the page's own origin ({@code http://127.0.0.1:PORT}),
 * so another site open in the same browser cannot drive the node (cross-site WebSocket hijacking).
 *
 * <p>Bounded: HTTP requests up to {@link lanchat.ui.web.WebFrontend#MAX_REQUEST} bytes, WebSocket frames up to
 * {@link lanchat.ui.web.WebFrontend#MAX_FRAME} bytes, at most {@link lanchat.ui.web.WebFrontend#MAX_CLIENTS} page
 * connections, at most {@link lanchat.ui.web.WebFrontend#COMMANDS_PER_SECOND} commands per second per connection
 * (more get an {@code error} event), and a replay of at most {@link lanchat.ui.web.WebFrontend#REPLAY} recent events
 * for a page that (re)connects. Bad input gives an {@code error} event; the node keeps running.
 *
 * <p>The WebSocket speaks the JSON protocol of {@code --ui json} (README: JSON protocol): the same event objects
 * arrive as text frames, and the page sends the same commands ({@code {"send":"text"}}, {@code {"peers":true}},
 * {@code {"nick":"name"}}).
 */
package lanchat.ui.web;
