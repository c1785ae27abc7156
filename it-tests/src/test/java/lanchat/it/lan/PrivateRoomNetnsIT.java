package lanchat.it.lan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import lanchat.it.process.AppNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Private rooms on a LAN (issue 15): runs {@code scripts/private-room-netns-test.sh} (see its header) on a private
 * copy of {@code mods/}: five nodes in network namespaces of their own on one bridge, three with the room's
 * passphrase, one with another, one with none; exactly the three connect and chat, the others keep running, and a
 * tcpdump capture of the run holds neither the room name, the passphrase, the chat text nor any clear-text libp2p
 * negotiation. Needs root, iproute2 and tcpdump: without them it fails when {@code -Dit.requireNetns=true}
 * (scripts/test-all.sh) and is skipped otherwise.
 */
@Timeout(300)
class PrivateRoomNetnsIT {
    @Test
    void onlyMembersConnectAndNothingOfTheRoomIsOnTheWire() throws Exception {
        runScript("private-room-netns-test.sh", List.of("ip", "tcpdump"));
    }

    /**
     * Review of issue 15: a go-libp2p peer with the room's swarm key and, as its rendezvous, the mDNS name LAN Chat
     * derives from the key and the room (printed in its start-up lines) finds LAN Chat by mDNS alone, in namespaces of
     * its own, and they chat both ways ({@code scripts/private-room-go-mdns-netns-test.sh}). Needs the go peer
     * ({@code interop/build.sh}) as well: without it this fails when {@code -Dit.requireNetns=true} or
     * {@code -Dit.requireInterop=true}, and is skipped otherwise.
     */
    @Test
    void aGoPeerFindsThePrivateRoomByItsKeyedMdnsName() throws Exception {
        Path goPeer = Path.of(System.getProperty("it.interop", "../interop")).resolve("go-peer/go-peer").toAbsolutePath().normalize();
        String why = Files.isExecutable(goPeer) ? null : goPeer + " is not built (interop/build.sh)";
        if (why != null && (Boolean.getBoolean("it.requireNetns") || Boolean.getBoolean("it.requireInterop"))) fail("cannot run: " + why);
        assumeTrue(why == null, "cannot run: " + why + " (skipping; -Dit.requireInterop=true turns this into a failure)");
        runScript("private-room-go-mdns-netns-test.sh", List.of("ip"), goPeer.toString());
    }

    /** Runs {@code scripts/NAME MODS ARGS…} on a private copy of mods/, needing root and {@code tools}; passes on its OK line. */
    private static void runScript(String name, List<String> tools, String... args) throws Exception {
        Path script = Path.of(System.getProperty("it.scripts", "../scripts")).resolve(name).toAbsolutePath().normalize();
        String missing = missing(script, tools);
        if (Boolean.getBoolean("it.requireNetns")) {
            if (missing != null) fail("[it.requireNetns=true] cannot run " + script + ": " + missing);
        } else {
            assumeTrue(missing == null, "cannot run " + script + ": " + missing + " (skipping; -Dit.requireNetns=true turns this into a failure)");
        }
        Path mods = AppNode.snapshotMods("lanchat-it-pnet-netns-mods-");
        try {
            List<String> cmd = new ArrayList<>(List.of("bash", script.toString(), mods.toString()));
            cmd.addAll(List.of(args));
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
            pb.environment().put("JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString());
            Process p = pb.start();
            p.getOutputStream().close();
            boolean exited = p.waitFor(240, TimeUnit.SECONDS);
            if (!exited) p.destroy(); // the script's EXIT trap removes its namespaces and processes
            if (!exited && !p.waitFor(10, TimeUnit.SECONDS)) p.destroyForcibly();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(exited, "the script did not finish in 240 s:\n" + out);
            assertEquals(0, p.exitValue(), out);
            String ok = name.replace(".sh", "") + ": OK";
            assertTrue(out.contains(ok), out);
        } finally {
            AppNode.deleteTree(mods);
        }
    }

    private static String missing(Path script, List<String> tools) throws IOException, InterruptedException {
        if (!Files.isRegularFile(script)) return script + " is missing";
        Process id = new ProcessBuilder("id", "-u").start();
        if (!id.waitFor(5, TimeUnit.SECONDS) || !new String(id.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).strip().equals("0")) {
            return "not root (network namespaces)";
        }
        for (String tool : tools) {
            Process which = new ProcessBuilder("sh", "-c", "command -v " + tool).start();
            if (!which.waitFor(5, TimeUnit.SECONDS) || which.exitValue() != 0) return tool + " is not installed";
        }
        return null;
    }
}
