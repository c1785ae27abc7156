package lanchat.it.lan;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import lanchat.it.ChatNodeContainer;
import lanchat.it.LanNetwork;
import org.testcontainers.containers.output.OutputFrame;

/**
 * A LAN Chat node in an mDNS room: {@code --rendezvous ROOM --nick NAME --port 4001 --transport T}
 * on a {@link LanNetwork}. Adds to {@link ChatNodeContainer} the arrival time of every stdout
 * line (for measurements) and the room-specific line patterns.
 */
class RoomNode extends ChatNodeContainer {
  static final String PORT = "4001";

  private final String room;
  private final String transport;
  private final Object stampLock = new Object();
  /** stdout lines as they arrived, with System.nanoTime() of arrival (same order as stdoutLines()). */
  private final List<Stamped> stamped = new ArrayList<>();
  private volatile String peerId;

  record Stamped(long nanos, String line) {}

  RoomNode(String name, LanNetwork lan, int host, String room, String transport, String... extraArgs) {
    super(name, lan, host, args(name, room, transport, extraArgs));
    this.room = room;
    this.transport = transport;
    withLogConsumer(this::stamp);
  }

  private static String[] args(String name, String room, String transport, String... extra) {
    List<String> a = new ArrayList<>(List.of(
        "--transport", transport, "--nick", name, "--port", PORT, "--rendezvous", room));
    a.addAll(List.of(extra));
    return a.toArray(String[]::new);
  }

  private void stamp(OutputFrame f) {
    if (f.getType() != OutputFrame.OutputType.STDOUT) return;
    String s = new String(f.getBytes(), StandardCharsets.UTF_8);
    int end = s.length();
    while (end > 0 && (s.charAt(end - 1) == '\n' || s.charAt(end - 1) == '\r')) end--;
    synchronized (stampLock) {
      stamped.add(new Stamped(System.nanoTime(), s.substring(0, end)));
      stampLock.notifyAll();
    }
  }

  String room() {
    return room;
  }

  String transport() {
    return transport;
  }

  /** The peer id (from the {@code Listening on} line), cached. */
  @Override
  public String peerId() {
    String id = peerId;
    if (id == null) {
      id = super.peerId();
      peerId = id;
    }
    return id;
  }

  /** Waits for {@code Joined room 'ROOM'}: discovery has started. */
  void awaitJoined() {
    awaitLine(Pattern.compile("Joined room '" + Pattern.quote(room) + "'"), Duration.ofSeconds(60));
  }

  /**
   * Arrival time (nanoTime) of the first stdout line at index &ge; from matching p. The stamp is
   * taken by a second log consumer that runs right after the one {@link #awaitLine} watches, so
   * this waits a moment for it; fails if there is no such line.
   */
  long arrival(Pattern p, int from) {
    long deadline = System.nanoTime() + 2_000_000_000L;
    synchronized (stampLock) {
      while (true) {
        for (int i = from; i < stamped.size(); i++) {
          if (p.matcher(stamped.get(i).line()).find()) return stamped.get(i).nanos();
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) throw new AssertionError(nodeName() + ": no stdout line matching /" + p + "/ from line " + from);
        try {
          stampLock.wait(Math.max(1, left / 1_000_000));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new AssertionError(e);
        }
      }
    }
  }

  /** Number of stdout lines at index &ge; from in which p is found. */
  int count(Pattern p, int from) {
    List<String> lines = stdoutLines();
    int n = 0;
    for (int i = from; i < lines.size(); i++) {
      if (p.matcher(lines.get(i)).find()) n++;
    }
    return n;
  }

  int count(Pattern p) {
    return count(p, 0);
  }

  /** stdout lines at index &ge; from in which p is found. */
  List<String> matching(Pattern p, int from) {
    List<String> out = new ArrayList<>();
    List<String> lines = stdoutLines();
    for (int i = from; i < lines.size(); i++) {
      if (p.matcher(lines.get(i)).find()) out.add(lines.get(i));
    }
    return out;
  }

  /**
   * Types {@code /peers} and returns the peer ids it lists (the app prints one
   * {@code * <nick>  <id>  <address>  <transport> <direction>  <room role>} line per connected peer, or
   * {@code * no peers connected}).
   */
  java.util.Set<String> connectedPeers(java.util.Collection<String> known) {
    int m = mark();
    send("/peers");
    Pattern row = Pattern.compile("^\\* \\S+  (\\S+)  \\S+  \\S+ (inbound|outbound)(  .+)?$");
    Pattern none = Pattern.compile("^\\* no peers connected$");
    long deadline = System.nanoTime() + 10_000_000_000L;
    java.util.Set<String> ids = new java.util.TreeSet<>();
    while (System.nanoTime() < deadline) {
      List<String> lines = stdoutLines();
      ids.clear();
      boolean empty = false;
      for (String l : lines.subList(Math.min(m, lines.size()), lines.size())) {
        java.util.regex.Matcher r = row.matcher(l);
        if (r.matches()) ids.add(r.group(1));
        if (none.matcher(l).matches()) empty = true;
      }
      if (empty || ids.containsAll(known)) {
        Rooms.sleep(java.time.Duration.ofMillis(300)); // the rest of the listing
        lines = stdoutLines();
        ids.clear();
        for (String l : lines.subList(Math.min(m, lines.size()), lines.size())) {
          java.util.regex.Matcher r = row.matcher(l);
          if (r.matches()) ids.add(r.group(1));
        }
        return ids;
      }
      Rooms.sleep(java.time.Duration.ofMillis(100));
    }
    return ids;
  }

  @Override
  public String toString() {
    return nodeName() + "(" + ip() + (peerId == null ? "" : ", " + peerId) + ")";
  }
}
