/**
 * What every LAN Chat TCP transport sets up the same way: the event loops and socket channel classes, the socket
 * options (TCP_NODELAY, write-buffer water marks, connect timeout), listening and dialing by multiaddr, and the one
 * reading of a pipeline's exceptions. A library, not a plugin: it provides no service; see the module README.
 */
module lanchat.transport.tcp {
    requires transitive lanchat.api;
    requires io.netty.common;
    requires io.netty.buffer;
    requires io.netty.transport;
    requires io.netty.codec;
    requires io.netty.transport.classes.epoll;
    // no classes, only the native library: required so that `java -p mods -m lanchat.app` resolves it (a module no one
    // requires stays out of the boot layer, and Netty would not find the library); harmless where it cannot load
    requires io.netty.transport.epoll.linux.x86_64;

    exports lanchat.transport.tcp;
}
