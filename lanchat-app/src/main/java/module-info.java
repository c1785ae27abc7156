/**
 * The LAN Chat launcher: parses flags (picocli), composes a transport and an optional discovery found through
 * {@link java.util.ServiceLoader} (it names no plugin), and runs the console (JLine on a terminal, plain lines
 * otherwise).
 */
module lanchat.app {
    requires lanchat.api;
    requires lanchat.files;
    requires lanchat.room; // every node's room log: history, catch-up, relay, receipts (issue 14)
    requires info.picocli;
    requires org.jline.reader;
    requires org.jline.terminal;
    requires org.slf4j;
    requires jdk.unsupported; // sun.misc.Signal: SIGTERM/SIGINT end the node with exit code 0, not 143/130
    // Not used here: BouncyCastle in mods/lazy/ (loaded on first use, see lanchat.api.crypto.LazyCrypto) requires it,
    // and a child layer cannot add JDK modules (java.* classes belong to the built-in loaders), so the boot layer must
    // have it. Resolving it loads none of its classes.
    requires java.sql;

    // picocli sets the @Option fields and makes the version and completion-candidate classes by reflection. Qualified:
    // no other module (a plugin included) may reflect into the command line; checked by `java -p mods -m lanchat.app
    // --help` and the process tests, as the unit tests run on the class path.
    opens lanchat.app.cli to info.picocli;

    // the app's own log backend (instead of slf4j-simple): plugin warnings reach the console, rate-limited
    provides org.slf4j.spi.SLF4JServiceProvider with lanchat.app.log.ConsoleLogProvider;
    // the default front end (--ui terminal); others (lanchat.ui.json) are plugins of their own
    provides lanchat.api.ui.FrontendProvider with lanchat.app.tui.TerminalFrontend.Provider;
}
