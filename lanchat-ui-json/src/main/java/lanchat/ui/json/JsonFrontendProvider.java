package lanchat.ui.json;

import lanchat.api.ui.Frontend;
import lanchat.api.ui.FrontendContext;
import lanchat.api.ui.FrontendProvider;

/**
 * {@code --ui json}. Names no Jackson type: {@code --help} and a terminal start-up load this class (ServiceLoader
 * asks every provider its name), and only {@link #open} brings Jackson in.
 */
public final class JsonFrontendProvider implements FrontendProvider {
    @Override
    public String name() {
        return "json";
    }

    @Override
    public String summary() {
        return "one JSON object per line on stdout for every event, commands as JSON on stdin (for programs)";
    }

    @Override
    public Frontend open(FrontendContext context) {
        return new JsonFrontend(context.in(), context.out(), context.err(), context.leave());
    }
}
