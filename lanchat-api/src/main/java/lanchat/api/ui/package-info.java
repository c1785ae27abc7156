/**
 * Front ends as plugins ({@code --ui NAME}): how a person or a program uses a node. A {@link FrontendProvider} is found
 * with {@link java.util.ServiceLoader} like transports are, so installed front ends appear in {@code --help} by
 * themselves. The node reports to the {@link Frontend} (events) and the front end drives the node through
 * {@link ChatControl} (commands).
 *
 * <p>The SPI is deliberately small: what every front end needs (messages, peers, nick, leave, the network doctor).
 * A provider's {@code name()} must be cheap: {@code --help} and start-up call it for every installed front end, so a
 * provider loads its libraries (a JSON parser, a web server) only in {@link FrontendProvider#open}.
 */
package lanchat.api.ui;
