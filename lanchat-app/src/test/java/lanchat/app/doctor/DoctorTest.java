package lanchat.app.doctor;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.List;

import org.junit.jupiter.api.Test;

import lanchat.api.ui.DoctorReport;
import lanchat.api.ui.DoctorReport.Interface;
import lanchat.api.ui.DoctorReport.TcpCheck;

/**
 * The doctor's verdicts from findings (every case, no network). The mDNS probe and the TCP check (to a LAN address,
 * which a unit test must not use) run in namespaces: lanchat.app.netns.DoctorNetnsTest.
 */
class DoctorTest {
    @Test
    void roomNamesHeardArePrintedWithoutTerminalControls() {
        DoctorReport r = new DoctorReport(List.of(new Interface("eth0", List.of("192.0.2.1"), true, false, true, true,
                List.of("evil\u001b]0;owned\u0007", "ok"))), null, true, "fine");
        String rooms = r.lines().stream().filter(l -> l.contains("rooms heard")).findFirst().orElseThrow();
        assertFalse(rooms.chars().anyMatch(Character::isISOControl), rooms);
        assertTrue(rooms.endsWith("evil?]0;owned?, ok"), rooms);
    }

    static final Interface LO = new Interface("lo", List.of("127.0.0.1/8"), true, true, false, null, List.of());
    static final TcpCheck TCP_OK = new TcpCheck(4001, "127.0.0.1", true, null);

    static Interface eth(String name, Boolean cameBack, String... rooms) {
        return new Interface(name, List.of("192.168.1.5/24"), true, false, true, cameBack, List.of(rooms));
    }

    @Test
    void healthyWhenOurQueryCameBack_namesTheRoomsHeard() {
        DoctorReport r = Doctor.verdict(List.of(LO, eth("eth0", true, "myroom")), TCP_OK, null);
        assertTrue(r.healthy());
        assertTrue(r.verdict().startsWith("discovery looks healthy: multicast works on eth0."), r.verdict());
        assertTrue(r.verdict().contains("Rooms heard on the LAN: myroom."), r.verdict());
    }

    @Test
    void healthyButNobodyHeard_mentionsClientIsolation() {
        DoctorReport r = Doctor.verdict(List.of(eth("wlan0", true)), TCP_OK, null);
        assertTrue(r.healthy());
        assertTrue(r.verdict().contains("client isolation"), r.verdict());
    }

    @Test
    void blockedEverywhere_namesTheInterfacesAndTheFirewall() {
        DoctorReport r = Doctor.verdict(List.of(LO, eth("wlan0", false), eth("eth1", false)), TCP_OK, null);
        assertFalse(r.healthy());
        assertTrue(r.verdict().startsWith("multicast is blocked on wlan0, eth1: "), r.verdict());
        assertTrue(r.verdict().contains("firewall") && r.verdict().contains("--peer"), r.verdict());
        assertTrue(r.lines().contains("  own mDNS query came back: NO"), r.lines().toString());
    }

    @Test
    void blockedOnOneOfTwo_isStillHealthyAndSaysWhere() {
        DoctorReport r = Doctor.verdict(List.of(eth("eth0", true), eth("docker0", false)), TCP_OK, null);
        assertTrue(r.healthy());
        assertTrue(r.verdict().contains("(blocked on docker0)"), r.verdict());
    }

    @Test
    void onlyLoopback_saysConnectToTheLan() {
        DoctorReport r = Doctor.verdict(List.of(LO), TCP_OK, null);
        assertFalse(r.healthy());
        assertTrue(r.verdict().startsWith("no network interface that can carry multicast is up"), r.verdict());
    }

    @Test
    void tcpPortUnreachable_isUnhealthyAndNamesThePort() {
        DoctorReport r = Doctor.verdict(List.of(eth("eth0", true)), new TcpCheck(4001, "127.0.0.1", false, "Connection refused"), null);
        assertFalse(r.healthy());
        assertTrue(r.verdict().contains("allow incoming TCP on port 4001"), r.verdict());
    }

    @Test
    void probeThatCannotListen_isUnhealthyAndSaysWhy() {
        DoctorReport r = Doctor.verdict(List.of(), null, "cannot listen on UDP port 5353 (mDNS): Address in use");
        assertFalse(r.healthy());
        assertTrue(r.verdict().contains("UDP port 5353"), r.verdict());
    }

    @Test
    void tcpCheckWithOnlyLoopbackHasNothingToTry() {
        assertNull(Doctor.tcpCheck(InetAddress.getLoopbackAddress(), 4001, List.of(LO)).reachable());
    }

    static Interface dual(String name, boolean cameBack, Boolean cameBack6, String problem6, String... rooms) {
        return new Interface(name, List.of("192.168.1.5/24", "fe80::5/64"), true, false, true, cameBack, List.of(rooms), cameBack6, problem6);
    }

    @Test
    void ipv6BlockedWhileIpv4Works_stillFindsPeersButNamesTheBlockedFamily() {
        DoctorReport r = Doctor.verdict(List.of(LO, dual("eth0", true, false, null, "myroom")), TCP_OK, null);
        assertTrue(r.healthy(), "IPv4 carries discovery: " + r.verdict());
        assertTrue(r.verdict().startsWith("discovery works over IPv4: multicast works on eth0, but IPv6 multicast is blocked on eth0: "), r.verdict());
        assertTrue(r.verdict().contains("ff02::fb never came back") && r.verdict().contains("ip6tables"), r.verdict());
        assertTrue(r.lines().contains("  own mDNS query came back: yes"), r.lines().toString());
        assertTrue(r.lines().contains("  own mDNS query came back over IPv6 (ff02::fb): NO"), r.lines().toString());
    }

    @Test
    void bothFamiliesBlocked_theVerdictNamesBoth() {
        DoctorReport r = Doctor.verdict(List.of(dual("wlan0", false, false, null)), TCP_OK, null);
        assertFalse(r.healthy());
        assertTrue(r.verdict().startsWith("multicast is blocked on wlan0: "), r.verdict());
        assertTrue(r.verdict().endsWith("IPv6 multicast (ff02::fb) is blocked too on wlan0."), r.verdict());
    }

    @Test
    void anIpv6SocketThatCouldNotBeOpenedIsSaidPlainly() {
        String why = "could not open an IPv6 mDNS socket on eth0 (joining ff02::fb failed: Protocol family unavailable)";
        DoctorReport r = Doctor.verdict(List.of(dual("eth0", true, null, why)), TCP_OK, null);
        assertTrue(r.healthy());
        assertTrue(r.lines().contains("  own mDNS query came back over IPv6 (ff02::fb): " + why), r.lines().toString());
        assertTrue(r.verdict().startsWith("discovery looks healthy"), r.verdict());
    }

    @Test
    void namesTheRunningNodeHeardInTheLastMinuteCountAsRoomsHeard() {
        DoctorReport r = Doctor.verdict(List.of(eth("eth0", true)), TCP_OK, null, List.of("lobby", "lc-abc"));
        assertTrue(r.verdict().contains("Rooms heard on the LAN: lobby, lc-abc."), r.verdict());
        assertTrue(r.lines().contains("rooms this node heard in the last minute: lobby, lc-abc"), r.lines().toString());
        DoctorReport none = Doctor.verdict(List.of(eth("eth0", true)), TCP_OK, null, List.of());
        assertTrue(none.verdict().contains("No room was heard on the LAN in the last minute"), none.verdict());
        assertTrue(none.lines().contains("rooms this node heard in the last minute: none"), none.lines().toString());
        DoctorReport alone = Doctor.verdict(List.of(eth("eth0", true)), TCP_OK, null);
        assertTrue(alone.lines().stream().noneMatch(l -> l.startsWith("rooms this node heard")), "--doctor runs no node: " + alone.lines());
    }
}
