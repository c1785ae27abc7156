/**
 * The JSON protocol of the front ends for programs and pages ({@code --ui json} on stdin/stdout, {@code --ui web} over
 * a WebSocket), written once: {@link lanchat.ui.json.protocol.Events} builds the versioned events of the schema
 * {@code lanchat-ui-json-v1.schema.json} (at the root of the lanchat-ui-json jar), and
 * {@link lanchat.ui.json.protocol.Commands} parses a command and calls the node; {@link
 * lanchat.ui.json.protocol.EventFrontend} turns the node's events into them for a front end's transport. Exported for the web front end; the
 * providers never name these classes, so a terminal start-up loads neither them nor Jackson.
 */
package lanchat.ui.json.protocol;
