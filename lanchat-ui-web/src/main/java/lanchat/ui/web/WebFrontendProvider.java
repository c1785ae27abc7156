package lanchat.ui.web;

import lanchat.api.ui.Frontend;
import lanchat.api.ui.FrontendContext;
import lanchat.api.ui.FrontendProvider;

/**
 * {@code --ui web}. Names no Netty or Jackson type: {@code --help} and every start-up load this class (ServiceLoader
 * asks each provider its name); only {@link #open} starts the local web server.
 */
public final class WebFrontendProvider implements FrontendProvider {
    @Override
    public String name() {
        return "web";
    }

    @Override
    public String summary() {
        return "a local page on 127.0.0.1 (random port, secret link printed; --no-open to not open a browser)";
    }

    @Override
    public Frontend open(FrontendContext context) {
        return WebFrontend.start(context);
    }
}
