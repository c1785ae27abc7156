package lanchat.api.resource;

import java.io.IOException;

/** A reservation would pass a scope's limit; nothing was reserved. The message names the scope and the limit. */
public final class ResourceLimitException extends IOException {
    private static final long serialVersionUID = 1L;

    public ResourceLimitException(String message) {
        super(message);
    }
}
