package lanchat.files;

/** What the file service tells the app. Called on the service's threads; must not block. */
public interface FileEvents {
    /** A peer offers a file; it waits for {@link FileService#accept} or {@link FileService#reject} (unless auto-accepted). */
    void offered(Transfer transfer);

    /** A transfer reached a final state ({@link Transfer#state()}, why in {@link Transfer#detail()}), or was interrupted. */
    void changed(Transfer transfer);

    /** One line for the user about something that is not a transfer of theirs (an offer refused by a limit). */
    void info(String line);
}
