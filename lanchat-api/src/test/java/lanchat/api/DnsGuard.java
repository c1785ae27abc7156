package lanchat.api;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.security.Permission;

/**
 * Runs code with every host-name lookup forbidden. JDK 17's {@code InetAddress} asks the SecurityManager
 * ({@code checkConnect(host, -1)}) before resolving a name, so a permissive SecurityManager that refuses only that
 * call turns any lookup into a {@link SecurityException}, without the query ever leaving the process. On JDKs that no
 * longer allow installing one, the calling test is skipped.
 */
@SuppressWarnings("removal")
final class DnsGuard {
    private DnsGuard() {}

    static void run(Runnable body) {
        SecurityManager previous = System.getSecurityManager();
        SecurityManager guard = new SecurityManager() {
            @Override
            public void checkPermission(Permission perm) {}

            @Override
            public void checkPermission(Permission perm, Object context) {}

            @Override
            public void checkConnect(String host, int port) {
                if (port == -1) throw new SecurityException("name lookup of '" + host + "'");
            }

            @Override
            public void checkConnect(String host, int port, Object context) {
                checkConnect(host, port);
            }
        };
        try {
            System.setSecurityManager(guard);
        } catch (UnsupportedOperationException notAllowed) {
            assumeTrue(false, "this JDK cannot install a SecurityManager");
        }
        try {
            body.run();
        } finally {
            System.setSecurityManager(previous);
        }
    }
}
