/**
 * The JSON lines protocol, version 1 (schema: {@code lanchat-ui-json-v1.schema.json} at the root of the jar); its
 * events and command parsing live in {@link lanchat.ui.json.protocol}, shared with the web front end.
 *
 * <p>Out (stdout), one object per line, each with {@code "v": 1}, {@code "event"} and {@code "time"} (ISO-8601 UTC):
 * {@code listening}, {@code joined}, {@code peer_connected}, {@code peer_disconnected}, {@code message}, {@code info},
 * {@code sent}, {@code peers}, {@code nick}, {@code ping}, {@code doctor}, {@code error}. Diagnostics (log lines) go to
 * stderr as plain text, so stdout stays pure JSON.
 *
 * <p>In (stdin), one object per line with exactly one command key: {@code {"send":"text"}}, {@code {"peers":true}},
 * {@code {"nick":"name"}}, {@code {"ping":true}}, {@code {"doctor":true}}, {@code {"quit":true}}. A line longer than
 * {@link lanchat.ui.json.JsonFrontend#MAX_LINE} bytes, malformed JSON, an unknown command or a wrong argument type
 * gives one {@code error} event and the next line is read: untrusted input never stops the node. End of input
 * leaves the room and the process exits 0.
 *
 * <p>Bounded: a line is read into at most {@code MAX_LINE} bytes (the rest of a longer one is skipped, not stored),
 * JSON nesting is limited to {@link lanchat.ui.json.protocol.Commands#MAX_DEPTH}, and one doctor runs at a time.
 */
package lanchat.ui.json;
