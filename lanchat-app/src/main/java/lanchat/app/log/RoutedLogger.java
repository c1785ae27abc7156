package lanchat.app.log;

import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.LegacyAbstractLogger;

/** One named logger: asks its {@link LogRouter} whether a level is on and hands it every call that is. */
final class RoutedLogger extends LegacyAbstractLogger {
    private static final long serialVersionUID = 1L;
    private final transient LogRouter router;

    RoutedLogger(String name, LogRouter router) {
        this.name = name;
        this.router = router;
    }

    @Override
    public boolean isTraceEnabled() {
        return router.enabled(name, Level.TRACE);
    }

    @Override
    public boolean isDebugEnabled() {
        return router.enabled(name, Level.DEBUG);
    }

    @Override
    public boolean isInfoEnabled() {
        return router.enabled(name, Level.INFO);
    }

    @Override
    public boolean isWarnEnabled() {
        return router.enabled(name, Level.WARN);
    }

    @Override
    public boolean isErrorEnabled() {
        return router.enabled(name, Level.ERROR);
    }

    @Override
    protected String getFullyQualifiedCallerName() {
        return null;
    }

    @Override
    protected void handleNormalizedLoggingCall(Level level, Marker marker, String pattern, Object[] args, Throwable t) {
        router.log(name, level, pattern, args, t);
    }
}
