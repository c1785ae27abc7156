/**
 * The local web page front end ({@code --ui web}): the node serves one page and a WebSocket on 127.0.0.1 only, at a
 * random port, behind a random secret token. Netty's HTTP codec, Jackson and the JSON protocol
 * classes (lanchat.ui.json.protocol) load only when this front end opens.
 */
module lanchat.ui.web {
    requires lanchat.api;
    requires lanchat.ui.json; // the events and the command parser of the JSON protocol, written once there
    requires io.netty.common;
    requires io.netty.buffer;
    requires io.netty.transport;
    requires io.netty.codec;
    requires io.netty.codec.http;

    provides lanchat.api.ui.FrontendProvider with lanchat.ui.web.WebFrontendProvider;
}
