package lanchat.app.log;

import org.slf4j.ILoggerFactory;
import org.slf4j.IMarkerFactory;
import org.slf4j.helpers.BasicMarkerFactory;
import org.slf4j.helpers.NOPMDCAdapter;
import org.slf4j.spi.MDCAdapter;
import org.slf4j.spi.SLF4JServiceProvider;

/**
 * The app's SLF4J backend: every logger is a {@link LogRouter}'s. Declared only in {@code module-info}
 * ({@code provides}), not in {@code META-INF/services}: on the module path ({@code java -p mods -m lanchat.app}) it is
 * the only provider, while a class-path user of this jar (the integration tests) keeps its own backend. Tests on the
 * class path select it with {@code -Dslf4j.provider=lanchat.app.log.ConsoleLogProvider}.
 */
public final class ConsoleLogProvider implements SLF4JServiceProvider {
    private final IMarkerFactory markers = new BasicMarkerFactory();
    private final MDCAdapter mdc = new NOPMDCAdapter();
    private LogRouter router;

    @Override
    public ILoggerFactory getLoggerFactory() {
        return router;
    }

    @Override
    public IMarkerFactory getMarkerFactory() {
        return markers;
    }

    @Override
    public MDCAdapter getMDCAdapter() {
        return mdc;
    }

    @Override
    public String getRequestedApiVersion() {
        return "2.0.99";
    }

    @Override
    public void initialize() {
        router = new LogRouter();
    }
}
