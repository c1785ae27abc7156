package lanchat.app.netns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import lanchat.discovery.mdns.Netns;

/**
 * {@code lanchat --doctor} (issue 18) in two namespaces joined by a veth pair (see {@link Netns}; root only, skipped
 * elsewhere unless {@code -Dit.requireNetns=true}): with multicast working it hears its own query come back and the
 * room a real node in the other namespace joins, over IPv4 and IPv6, and exits 0; with an iptables rule in its
 * namespace dropping 224.0.0.251 it exits 1 and the verdict names the blocked interface; with an ip6tables rule
 * dropping ff02::fb it exits 0 (IPv4 carries discovery) and the verdict names the blocked IPv6 path. /doctor in a
 * running node also lists the rooms its discovery heard in the last minute. mDNS stays inside the namespaces (each
 * test makes its own pair and deletes it, firewall rules with it).
 */
@Timeout(120)
class DoctorNetnsTest {
    static final String ROOM = "lc-doctor-" + Long.toHexString(System.nanoTime() & 0xFFFFFF);
    Netns net;

    @BeforeEach
    void up() throws Exception {
        Netns.assumeAvailable();
        net = new Netns().up();
    }

    @AfterEach
    void down() {
        if (net != null) net.close();
    }

    /** {@code lanchat --doctor} in namespace A: its stdout lines as they come, and its exit code. */
    final class DoctorRun {
        final List<String> lines = new CopyOnWriteArrayList<>();
        final Process process;

        DoctorRun() throws Exception {
            List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", net.nsA));
            cmd.addAll(Netns.java("lanchat.app.Main", List.of("-Dslf4j.provider=lanchat.app.log.ConsoleLogProvider"), "--doctor"));
            process = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            Thread t = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String l; (l = r.readLine()) != null; ) lines.add(l);
                } catch (java.io.IOException ignored) {
                    // ended
                }
            }, "doctor-out");
            t.setDaemon(true);
            t.start();
        }

        void awaitLine(String prefix) throws InterruptedException {
            for (int i = 0; i < 2000 && lines.stream().noneMatch(l -> l.startsWith(prefix)); i++) Thread.sleep(10);
            assertTrue(lines.stream().anyMatch(l -> l.startsWith(prefix)), "no line starting '" + prefix + "':\n" + String.join("\n", lines));
        }

        int exitCode() throws InterruptedException {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("--doctor did not finish:\n" + String.join("\n", lines));
            }
            Thread.sleep(100); // the reader thread takes the last lines
            return process.exitValue();
        }

        String output() {
            return String.join("\n", lines);
        }
    }

    @Test
    void multicastWorking_ownQueryComesBack_roomIsHeard_exit0() throws Exception {
        DoctorRun doctor = new DoctorRun();
        doctor.awaitLine("Checking the network");
        // a real node joins a room in B while the doctor listens: its query and announcement name the room
        Netns.Child node = net.start(net.nsB, "room-node", Netns.java("lanchat.app.Main", List.of("-Dslf4j.provider=lanchat.app.log.ConsoleLogProvider"),
                "--rendezvous", ROOM, "-port", "0"));
        int code = doctor.exitCode();
        String out = doctor.output();
        System.out.println(out);
        assertEquals(0, code, "healthy multicast must exit 0:\n" + out + "\nnode:\n" + node.tail());
        assertTrue(out.contains("own mDNS query came back: yes"), out);
        assertTrue(out.contains("own mDNS query came back over IPv6 (ff02::fb): yes"), out);
        assertTrue(out.contains("rooms heard: " + ROOM), "the room joined in the other namespace was not heard:\n" + out + "\nnode:\n" + node.tail());
        assertTrue(out.contains("verdict: discovery looks healthy"), out);
        assertTrue(out.matches("(?s).*TCP port \\d+ reachable from 127\\.0\\.0\\.1.*"), out);
    }

    /** The name of the namespace's veth as the report lists it (its lines start with the interface). */
    private static String vethOf(String out) {
        return out.lines().filter(l -> l.startsWith("lcm")).map(l -> l.substring(0, l.indexOf(':'))).findFirst().orElseThrow(() -> new AssertionError(out));
    }

    @Test
    void multicastDroppedByIptables_verdictNamesIt_exit1() throws Exception {
        Netns.must("ip", "netns", "exec", net.nsA, "iptables", "-A", "OUTPUT", "-d", "224.0.0.251", "-j", "DROP");
        DoctorRun doctor = new DoctorRun();
        int code = doctor.exitCode();
        String out = doctor.output();
        System.out.println(out);
        assertEquals(1, code, "blocked multicast must exit 1:\n" + out);
        assertTrue(out.contains("own mDNS query came back: NO"), out);
        assertTrue(out.contains("own mDNS query came back over IPv6 (ff02::fb): yes"), "only IPv4 is dropped:\n" + out);
        String veth = vethOf(out);
        assertTrue(out.contains("verdict: multicast is blocked on " + veth + ": "), out);
        assertTrue(out.contains("firewall"), out);
    }

    @Test
    void ipv6MulticastDroppedByIp6tables_verdictNamesIt_ipv4StillCarriesDiscovery_exit0() throws Exception {
        Netns.must("ip", "netns", "exec", net.nsA, "ip6tables", "-A", "OUTPUT", "-d", "ff02::fb", "-j", "DROP");
        DoctorRun doctor = new DoctorRun();
        int code = doctor.exitCode();
        String out = doctor.output();
        System.out.println(out);
        assertEquals(0, code, "IPv4 multicast works, so peers are found:\n" + out);
        assertTrue(out.contains("own mDNS query came back: yes"), out);
        assertTrue(out.contains("own mDNS query came back over IPv6 (ff02::fb): NO"), out);
        String veth = vethOf(out);
        assertTrue(out.contains("verdict: discovery works over IPv4: multicast works on " + veth + ", but IPv6 multicast is blocked on " + veth + ": "), out);
        assertTrue(out.contains("ip6tables") && out.contains("allow UDP port 5353 to and from ff02::fb"), out);
    }

    @Test
    void slashDoctorInARunningRoomNode_sharesUdp5353WithItsOwnMdns() throws Exception {
        Netns.Child node = net.start(net.nsA, "node", Netns.java("lanchat.app.Main", List.of("-Dslf4j.provider=lanchat.app.log.ConsoleLogProvider"),
                "--rendezvous", ROOM, "-port", "0"));
        node.must("Joined room '" + ROOM + "'.*", 30_000);
        // a member in the other namespace: its mDNS packets name the room, which the running node's record keeps
        Netns.Child member = net.start(net.nsB, "member", Netns.java("lanchat.app.Main", List.of("-Dslf4j.provider=lanchat.app.log.ConsoleLogProvider"),
                "--rendezvous", ROOM, "-port", "0"));
        node.must("✓ mDNS connected to .*", 30_000);
        node.send("/doctor");
        node.must("\\* {3}own mDNS query came back: yes", 30_000);
        node.must("\\* {3}own mDNS query came back over IPv6 \\(ff02::fb\\): yes", 30_000);
        node.must("\\* rooms this node heard in the last minute: .*" + ROOM + ".*", 30_000);
        node.must("\\* TCP port \\d+ reachable from 127\\.0\\.0\\.1 .*", 30_000);
        node.must("\\* verdict: discovery looks healthy: .*", 30_000);
        node.send("/quit");
        member.send("/quit");
    }
}
