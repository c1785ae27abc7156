package lanchat.bench;

import java.util.List;

/**
 * One implementation in the comparison and how to start its bench peer.
 *
 * @param cmd the peer's command line without its {@code -bench …} flags
 * @param why why it is not measured when not {@code available}
 */
record Impl(String id, String label, List<String> cmd, boolean available, String why) {}
