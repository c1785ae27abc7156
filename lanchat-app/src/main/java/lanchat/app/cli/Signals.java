package lanchat.app.cli;

import sun.misc.Signal;

/**
 * SIGINT and SIGTERM start the orderly shutdown instead of the JVM's default exit (codes 130/143 with only shutdown
 * hooks), so that peers are told and the process exits 0.
 */
final class Signals {
    private Signals() {}

    static void onTermination(Runnable action) {
        for (String name : new String[] {"TERM", "INT"}) {
            try {
                Signal.handle(new Signal(name), s -> action.run());
            } catch (IllegalArgumentException unsupported) {
                Runtime.getRuntime().addShutdownHook(new Thread(action, "lanchat-shutdown"));
            }
        }
    }
}
