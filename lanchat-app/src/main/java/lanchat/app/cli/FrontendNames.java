package lanchat.app.cli;

import java.util.Iterator;

import lanchat.api.spi.Plugins;
import lanchat.api.ui.FrontendProvider;

/** The installed front ends' names, for {@code --help} and shell completion (their classes stay unloaded: name() only). */
public final class FrontendNames implements Iterable<String> {
    @Override
    public Iterator<String> iterator() {
        return Plugins.installed().frontends().stream().map(FrontendProvider::name).sorted().iterator();
    }
}
