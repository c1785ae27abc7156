/**
 * The headless JSON front end ({@code --ui json}) for bots, scripts and tests: one JSON object per line on stdout for
 * every event, commands as JSON objects on stdin. The protocol is versioned and described by the JSON Schema
 * {@code lanchat-ui-json-v1.schema.json} (src/main/resources, at the root of this jar, so readable from outside the module) (README: JSON protocol). Jackson's classes load
 * only when this front end opens, so the terminal's start-up does not pay for them.
 */
module lanchat.ui.json {
    requires transitive lanchat.api; // the protocol package's methods take its types
    requires com.fasterxml.jackson.databind;
    requires com.fasterxml.jackson.core;

    // the events and command parser, for the web front end (which speaks the same protocol over a WebSocket)
    exports lanchat.ui.json.protocol to lanchat.ui.web;

    provides lanchat.api.ui.FrontendProvider with lanchat.ui.json.JsonFrontendProvider;
}
