package lanchat.api.ui;

/** A front end, found by {@link java.util.ServiceLoader} and picked with {@code --ui name()}. */
public interface FrontendProvider {
    /** The {@code --ui} value, e.g. {@code terminal} or {@code json}. */
    String name();

    /** One line for {@code --help}. */
    String summary();

    /**
     * Makes the front end; it may print from now on (the node's events arrive before {@link Frontend#start}).
     * Heavy libraries are loaded here, never in the provider's constructor.
     */
    Frontend open(FrontendContext context);
}
