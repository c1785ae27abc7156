/**
 * File sharing: offers, consent, resumable SHA-256-verified transfers spoken over the transports' protocol channels
 * as {@code /lanchat/file/1.0.0}. The app makes one {@link lanchat.files.FileService} per node; see the module README.
 */
module lanchat.files {
    requires lanchat.api;

    exports lanchat.files;
}
