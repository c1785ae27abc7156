package lanchat.it.lan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import lanchat.it.ChatNodeContainer;
import org.testcontainers.containers.GenericContainer;

/** Shared helpers of the multi-node LAN scenarios: starting, patterns, mesh checks, chat checks. */
final class Rooms {
  static final Duration START = Duration.ofSeconds(90);
  /** From the last node's start to a complete room (discovery + dial + handshake) on 2 busy cores. */
  static final Duration CONNECT = Duration.ofSeconds(45);
  static final Duration MESSAGE = Duration.ofSeconds(15);
  /** The "nothing else happens" windows. */
  static final Duration QUIET = Duration.ofSeconds(5);

  private Rooms() {}

  /** A fresh room name per test, so that leftovers of other runs can never join (they are on other networks anyway). */
  static String roomName(String base) {
    return base + "-" + Long.toHexString(System.nanoTime() & 0xfffffL);
  }

  static Pattern mdnsConnected(String peerId) {
    return Pattern.compile("^✓ mDNS connected to " + Pattern.quote(peerId) + "$");
  }

  /** Any connection report naming the peer, mDNS or direct. */
  static Pattern anyConnected(String peerId) {
    return Pattern.compile("connected to " + Pattern.quote(peerId));
  }

  static Pattern disconnected(String peerId) {
    return Pattern.compile("^✗ disconnected from " + Pattern.quote(peerId) + "( \\(.*\\))?$");
  }

  /** How a chat line from {@code nick} shows up on the receiving side. */
  static Pattern chatLine(String nick, String text) {
    return Pattern.compile("^" + Pattern.quote(nick + ": " + text) + "$");
  }

  static String ms(long nanos) {
    return String.format(java.util.Locale.ROOT, "%.2f s", nanos / 1e9);
  }

  /**
   * Starts the containers in parallel (create + copy + start at nearly the same moment) and waits
   * until each app listens. Returns the wall time of the parallel start.
   */
  static long startAll(List<? extends GenericContainer<?>> nodes) {
    long t0 = System.nanoTime();
    ExecutorService pool = Executors.newFixedThreadPool(nodes.size());
    try {
      List<Future<?>> fs = new ArrayList<>();
      for (GenericContainer<?> n : nodes) fs.add(pool.submit(n::start));
      long deadline = System.nanoTime() + START.toNanos();
      for (Future<?> f : fs) {
        try {
          f.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
          Throwable c = e.getCause();
          if (c instanceof Error err) throw err;
          throw new AssertionError("container start failed", c);
        } catch (TimeoutException e) {
          fail("containers did not start within " + START);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new AssertionError(e);
        }
      }
    } finally {
      pool.shutdownNow();
    }
    return System.nanoTime() - t0;
  }

  /** Peer ids of all nodes (waits for each one's Listening line). */
  static void readIds(List<RoomNode> nodes) {
    for (RoomNode n : nodes) n.peerId();
  }

  /**
   * Waits until every node printed {@code ✓ mDNS connected to} each of the other nodes (at or
   * after line index {@code marks[node]}, when given).
   */
  static void awaitMesh(List<RoomNode> nodes, Duration timeout, Map<RoomNode, Integer> marks) {
    long deadline = System.nanoTime() + timeout.toNanos();
    for (RoomNode n : nodes) {
      for (RoomNode o : nodes) {
        if (o == n) continue;
        int from = marks == null ? 0 : marks.getOrDefault(n, 0);
        Duration left = Duration.ofNanos(Math.max(1_000_000, deadline - System.nanoTime()));
        try {
          n.awaitLine(mdnsConnected(o.peerId()), left, from);
        } catch (AssertionError e) {
          throw new AssertionError(n.nodeName() + " never reported '✓ mDNS connected to' " + o
              + " within " + timeout.toSeconds() + " s\n" + allDiagnostics(nodes), e);
        }
      }
    }
  }

  static void awaitMesh(List<RoomNode> nodes, Duration timeout) {
    awaitMesh(nodes, timeout, null);
  }

  /** Every node sends one line; every other node shows it exactly once (after QUIET extra time). */
  static void chatEveryoneToEveryone(List<RoomNode> nodes, String nonce) {
    Map<RoomNode, String> sent = new java.util.LinkedHashMap<>();
    for (RoomNode n : nodes) {
      String text = "hello from " + n.nodeName() + " " + nonce;
      n.send(text);
      sent.put(n, text);
    }
    for (RoomNode from : nodes) {
      for (RoomNode to : nodes) {
        if (to == from) continue;
        to.awaitLine(chatLine(from.nodeName(), sent.get(from)), MESSAGE);
      }
    }
    sleep(Duration.ofSeconds(2)); // duplicates would arrive right behind the first copy
    for (RoomNode from : nodes) {
      for (RoomNode to : nodes) {
        if (to == from) continue;
        assertEquals(1, to.count(chatLine(from.nodeName(), sent.get(from))),
            to.nodeName() + " must show " + from.nodeName() + "'s line exactly once\n" + to.diagnostics());
      }
      assertEquals(0, from.count(chatLine(from.nodeName(), sent.get(from))),
          from.nodeName() + " must not receive its own line\n" + from.diagnostics());
    }
  }

  static String allDiagnostics(List<? extends ChatNodeContainer> nodes) {
    return nodes.stream().map(ChatNodeContainer::diagnostics).collect(Collectors.joining("\n"));
  }

  static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** Stops (and removes) every container that was started, newest first; never throws. */
  static void stopAll(List<? extends GenericContainer<?>> nodes) {
    for (int i = nodes.size() - 1; i >= 0; i--) {
      try {
        nodes.get(i).stop();
      } catch (RuntimeException e) {
        System.err.println("[it] could not stop " + nodes.get(i).getContainerName() + ": " + e);
      }
    }
  }

  /** Takes the node off the LAN (as if its cable were pulled); {@link #reconnect} puts it back. */
  static void disconnect(com.github.dockerjava.api.DockerClient dc, lanchat.it.LanNetwork lan, ChatNodeContainer n) {
    dc.disconnectFromNetworkCmd().withNetworkId(lan.id()).withContainerId(n.getContainerId()).withForce(true).exec();
  }

  /** On the LAN with the given address and the node's name as alias (the interface gets a new name: eth1, eth2, ...). */
  static void reconnect(com.github.dockerjava.api.DockerClient dc, lanchat.it.LanNetwork lan, ChatNodeContainer n, String ip) {
    dc.connectToNetworkCmd().withNetworkId(lan.id()).withContainerId(n.getContainerId())
        .withContainerNetwork(new com.github.dockerjava.api.model.ContainerNetwork().withAliases(n.nodeName())
            .withIpamConfig(new com.github.dockerjava.api.model.ContainerNetwork.Ipam().withIpv4Address(ip)))
        .exec();
  }

  /** Back on its LAN with the same address. */
  static void reconnect(com.github.dockerjava.api.DockerClient dc, lanchat.it.LanNetwork lan, ChatNodeContainer n) {
    reconnect(dc, lan, n, n.ip());
  }

  static void log(String fmt, Object... args) {
    System.out.printf("[it-lan] " + fmt + "%n", args);
  }
}
