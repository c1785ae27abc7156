package lanchat.api;

import static lanchat.api.internal.Bytes.concat;
import static lanchat.api.SpecVectors.hex;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;

import lanchat.api.Multiaddr.Component;
import lanchat.api.Multiaddr.Protocol;
import lanchat.api.crypto.PeerPublicKey;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class MultiaddrTest {
    private static final String QM = "QmcgpsyWgH8Y8ajJz1Cu72KnS5uo2Aa2LpzU7kinSupNKC";
    private static final String QM_HEX = "221220d52ebb89d85b02a284948203a62ff28389c57c9f42beec4ec20db76a68911c0b"; // length-prefixed
    private static final String ED = SpecVectors.ED25519_PEER_ID;

    // ---- binary vectors ----

    /**
     * The first block is from the multiaddr implementations' shared test tables (go/rust/js-multiaddr); the rest are
     * assembled from the protocol table (code varint, then the value, length-prefixed when variable).
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "/ip4/127.0.0.1/udp/1234,                              047f000001910204d2",
        "/ip4/127.0.0.1/tcp/4321,                              047f0000010610e1",
        "/ip4/127.0.0.1/udp/1234/ip4/127.0.0.1/tcp/4321,       047f000001910204d2047f0000010610e1",
        "/ip4/127.0.0.1/udp/0,                                 047f00000191020000",
        "/ip4/1.2.3.4,                                         0401020304",
        "/ip4/0.0.0.0,                                         0400000000",
        "/ip6/2001:8a0:7ac5:4201:3ac9:86ff:fe31:7095,          29200108a07ac542013ac986fffe317095",
        "/ip6/2001:db8::ff00:42:8329,                          2920010db8000000000000ff0000428329",
        "/ip6/::1,                                             2900000000000000000000000000000001",
        "/udp/0,                                               91020000",
        "/tcp/0,                                               060000",
        "/tcp/1234,                                            0604d2",
        "/p2p/" + QM + ",                                      a503" + QM_HEX,
        "/p2p/" + QM + "/tcp/1234,                             a503" + QM_HEX + "0604d2",
        "/ip4/127.0.0.1/p2p/" + QM + "/tcp/1234,               047f000001a503" + QM_HEX + "0604d2",
        // from the protocol table
        "/ip6/::,                                              2900000000000000000000000000000000",
        "/ip6/fe80::1/tcp/65535,                               29 fe80 0000 0000 0000 0000 0000 0000 0001 06 ffff",
        "/ip6/::ffff:192.168.1.5/tcp/80,                       2900000000000000000000ffffc0a80105060050",
        "/dns/localhost/tcp/80,                                35096c6f63616c686f7374060050",
        "/dns4/example.com/tcp/443/wss,                        360b6578616d706c652e636f6d0601bbde03",
        "/dns6/example.com/udp/443/quic-v1,                    370b6578616d706c652e636f6d9102 01bbcd03",
        "/dnsaddr/bootstrap.libp2p.io,                         3813626f6f7473747261702e6c69627032702e696f",
        "/ip4/1.2.3.4/tcp/80/ws,                               0401020304060050dd03",
        "/ip4/1.2.3.4/udp/4001/quic,                           040102030491020fa1cc03",
        "/ip4/1.2.3.4/udp/4001/quic-v1/webtransport,           040102030491020fa1cd03d103",
        "/ip4/1.2.3.4/tcp/1/tls/noise,                         0401020304060001c003c603",
        "/ip4/1.2.3.4/udp/1/webrtc-direct,                     04010203049102000198 02",
        "/p2p-circuit/webrtc,                                  a2029902",
        "/ip6zone/eth0/ip6/fe80::1,                            2a0465746830 29fe800000000000000000000000000001",
    })
    void textAndBinaryFormsMatchTheVectors(String text, String hexBytes) {
        byte[] bytes = hex(hexBytes.replace(" ", ""));
        Multiaddr fromText = Multiaddr.parse(text);
        assertArrayEquals(bytes, fromText.toBytes(), () -> hex(fromText.toBytes()));
        Multiaddr fromBytes = Multiaddr.fromBytes(bytes);
        assertEquals(fromText, fromBytes);
        assertEquals(text, fromBytes.toString());
        assertEquals(fromText.hashCode(), fromBytes.hashCode());
    }

    @Test
    void ipfsIsAnAliasOfP2p() {
        Multiaddr ipfs = Multiaddr.parse("/ip4/127.0.0.1/tcp/1234/ipfs/" + QM);
        assertEquals(Multiaddr.parse("/ip4/127.0.0.1/tcp/1234/p2p/" + QM), ipfs);
        assertEquals("/ip4/127.0.0.1/tcp/1234/p2p/" + QM, ipfs.toString());
        assertEquals("047f0000010604d2a503" + QM_HEX, hex(ipfs.toBytes()));
    }

    @Test
    void p2pAcceptsEd25519AndCidFormsAndPrintsBase58() {
        PeerId id = PeerId.parse(ED);
        assertEquals(Multiaddr.parse("/p2p/" + ED), Multiaddr.parse("/p2p/" + id.toCidString()));
        assertEquals("/ip4/10.0.0.1/tcp/9000/p2p/" + ED, Multiaddr.parse("/ip4/10.0.0.1/tcp/9000/p2p/" + id.toCidString()).toString());
    }

    /** Text that parses but is printed in canonical form (RFC 5952 for IPv6; no redundant zeros; no trailing slash). */
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "/ip6/0:0:0:0:0:0:0:1,               /ip6/::1",
        "/ip6/0000:0000::0001,               /ip6/::1",
        "/ip6/FE80::1,                       /ip6/fe80::1",
        "/ip6/fe80:0:0:0:0:0:0:1,            /ip6/fe80::1",
        "/ip6/2001:db8:0:0:1:0:0:1,          /ip6/2001:db8::1:0:0:1",    // first of two equal runs
        "/ip6/2001:0:0:1:0:0:0:1,            /ip6/2001:0:0:1::1",        // the longest run
        "/ip6/2001:db8:0:1:1:1:1:1,          /ip6/2001:db8:0:1:1:1:1:1", // a single zero group is not compressed
        "/ip6/1::,                           /ip6/1::",
        "/ip6/::FFFF:10.0.0.1,               /ip6/::ffff:10.0.0.1",      // IPv4-mapped keeps its 16-byte form
        "/ip6/::ffff:a00:1,                  /ip6/::ffff:10.0.0.1",
        "/ip6/::1.2.3.4,                     /ip6/::102:304",            // IPv4-compatible is plain IPv6
        "/ip4/1.2.3.4/tcp/80/,               /ip4/1.2.3.4/tcp/80",
        "/tcp/0080,                          /tcp/80",                   // ports: leading zeros are harmless and accepted
    })
    void textIsCanonicalisedAndStaysParseable(String input, String canonical) {
        Multiaddr ma = Multiaddr.parse(input);
        assertEquals(canonical, ma.toString());
        assertEquals(ma, Multiaddr.parse(ma.toString()));
        assertEquals(ma, Multiaddr.fromBytes(ma.toBytes()));
    }

    @Test
    void ipv4MappedIp6StaysIp6() {
        Multiaddr ma = Multiaddr.parse("/ip6/::ffff:127.0.0.1/tcp/1");
        Component c = ma.components().get(0);
        assertEquals(Protocol.IP6, c.protocol());
        assertEquals("00000000000000000000ffff7f000001", hex(c.value()));
        assertTrue(ma.has(Protocol.IP6));
        assertFalse(ma.has(Protocol.IP4));
    }

    @ParameterizedTest
    @EnumSource(value = Protocol.class, names = {"P2P_CIRCUIT", "TLS", "NOISE", "QUIC", "QUIC_V1", "WEBTRANSPORT", "WS", "WSS", "WEBRTC_DIRECT", "WEBRTC"})
    void valueLessProtocolsRoundTrip(Protocol p) {
        Multiaddr ma = Multiaddr.parse("/ip4/1.2.3.4/udp/1/" + p.text());
        assertEquals("/ip4/1.2.3.4/udp/1/" + p.text(), ma.toString());
        assertEquals(ma, Multiaddr.fromBytes(ma.toBytes()));
        assertEquals("", ma.components().get(2).valueText());
        assertEquals(0, ma.components().get(2).value().length);
    }

    // ---- text rejections ----

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {" ", "\t"})
    void blankTextIsRejected(String text) {
        assertEquals("multiaddr is empty", assertThrows(IllegalArgumentException.class, () -> Multiaddr.parse(text)).getMessage());
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', value = {
        "ip4/1.2.3.4/tcp/80          | must start with '/'",
        "/                           | has no components",
        "/foo/1                      | unknown multiaddr protocol 'foo'",
        "/ip4/1.2.3.4/tcp/80/http    | unknown multiaddr protocol 'http'",
        "/IP4/1.2.3.4                | unknown multiaddr protocol 'IP4'",
        "//ip4/1.2.3.4               | unknown multiaddr protocol ''",
        "/ws/x                       | unknown multiaddr protocol 'x'",
        "/ip4                        | /ip4 needs a value",
        "/ip4/                       | /ip4 needs a value",
        "/ip4/1.2.3.4/tcp            | /tcp needs a value",
        "/ip4//tcp/80                | /ip4 needs a value",
        "/p2p                        | /p2p needs a value",
        "/tcp/65536                  | bad /tcp value '65536': port must be a number 0-65535",
        "/tcp/-1                     | bad /tcp value '-1': port must be a number 0-65535",
        "/tcp/abc                    | bad /tcp value 'abc': port must be a number 0-65535",
        "/udp/123456                 | bad /udp value '123456': port must be a number 0-65535",
        "/tcp/+80                    | bad /tcp value '+80'",
        "/tcp/8 0                    | bad /tcp value '8 0'",
        "/tcp/٨٠                     | bad /tcp value '٨٠'", // Arabic-Indic digits are not ASCII digits
        "/ip4/1.2.3                  | bad /ip4 value '1.2.3': IPv4 address needs 4 dot-separated numbers",
        "/ip4/1.2.3.4.5              | bad /ip4 value '1.2.3.4.5': IPv4 address needs 4 dot-separated numbers",
        "/ip4/1.2.3.                 | bad /ip4 value '1.2.3.'",
        "/ip4/256.1.1.1              | bad /ip4 value '256.1.1.1': IPv4 octet '256' is not a number 0-255",
        "/ip4/1.2.3.-4               | IPv4 octet '-4'",
        "/ip4/a.b.c.d                | IPv4 octet 'a'",
        "/ip4/localhost              | bad /ip4 value 'localhost'",
        "/ip4/01.2.3.4               | bad /ip4 value '01.2.3.4': IPv4 octet '01' is not a number 0-255 without leading zeros",
        "/ip4/10.0.0.010             | IPv4 octet '010'",
        "/ip4/1.2.3.0000             | IPv4 octet '0000'",
        "/ip6/localhost              | bad /ip6 value 'localhost': not an IPv6 address",
        "/ip6/example.com            | bad /ip6 value 'example.com': not an IPv6 address",
        "/ip6/1.2.3.4                | bad /ip6 value '1.2.3.4': not an IPv6 address",
        "/ip6/:::                    | bad /ip6 value ':::': not an IPv6 address",
        "/ip6/1:2:3:4:5:6:7:8:9      | bad /ip6 value '1:2:3:4:5:6:7:8:9': not an IPv6 address",
        "/ip6/12345::1               | bad /ip6 value '12345::1': not an IPv6 address",
        "/ip6/1::2::3                | bad /ip6 value '1::2::3': not an IPv6 address",
        "/ip6/fe80::1%eth0           | bad /ip6 value 'fe80::1%eth0': not an IPv6 address",
        "/ip6/[::1]                  | bad /ip6 value '[::1]': not an IPv6 address",
        "/ip6/.a:b                   | bad /ip6 value '.a:b': not an IPv6 address",
        "/ip6/a.b:c                  | bad /ip6 value 'a.b:c': not an IPv6 address",
        "/dns/exa mple.com           | bad /dns value 'exa mple.com': /dns value must be printable UTF-8 without '/'",
        "/dns4/tab\there             | bad /dns4 value",
        "/p2p/notapeerid             | bad /p2p value 'notapeerid': invalid peer id 'notapeerid'",
        "/p2p/QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5 | bad /p2p value",
    })
    void malformedTextIsRejectedNamingTheBadPart(String text, String fragment) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Multiaddr.parse(text));
        assertTrue(e.getMessage().contains(fragment), () -> "'" + e.getMessage() + "' should contain '" + fragment + "'");
        assertTrue(e.getMessage().contains(text), () -> "'" + e.getMessage() + "' should quote the input");
    }

    @Test
    void textValuesMustBeWellFormedUnicode() {
        // String.getBytes would silently turn the lone surrogate into '?' and yield /dns/a?b
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Multiaddr.parse("/dns/a\uD800b"));
        assertTrue(e.getMessage().contains("bad /dns value"), e.getMessage());
        Multiaddr unicode = Multiaddr.parse("/dns/bücher.example");
        assertEquals("/dns/bücher.example", unicode.toString());
        assertEquals(unicode, Multiaddr.fromBytes(unicode.toBytes()));
    }

    @Test
    void ip6ValuesAreNeverResolvedAsHostNames() {
        // JDK 17 asks the SecurityManager before every name lookup (checkConnect(host, -1)); this guard fails any lookup.
        DnsGuard.run(() -> {
            for (String v : new String[] {".a:b", ".:", "a.b:c", "localhost", "example.com", "ip6-localhost", "fe80::1%lo", "::1", "::ffff:1.2.3.4"}) {
                try {
                    Multiaddr.parse("/ip6/" + v);
                } catch (IllegalArgumentException rejected) {
                    // fine: only a lookup is a failure
                }
            }
        });
    }

    @Test
    void dnsGuardCatchesALookup() {
        // proves the guard above can fail: an unbracketed name goes to the resolver
        assertThrows(SecurityException.class, () -> DnsGuard.run(() -> {
            try {
                InetAddress.getByName("lanchat-dns-guard-canary.invalid");
            } catch (java.net.UnknownHostException e) {
                fail("the lookup should have been stopped before resolving");
            }
        }));
    }

    // ---- binary rejections ----

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', value = {
        "''                         | binary multiaddr is empty",
        "047f0000                   | binary multiaddr truncated in /ip4 value",
        "0604                       | binary multiaddr truncated in /tcp value",
        "29000000                   | binary multiaddr truncated in /ip6 value",
        "3505616263                 | binary multiaddr truncated in /dns value",
        "a503221220d52e             | binary multiaddr truncated in /p2p value",
        "35                         | truncated varint",
        "91                         | truncated varint",
        "7f                         | unknown multiaddr protocol code 127",
        "0401020304ff01             | unknown multiaddr protocol code 255",
        "00                         | unknown multiaddr protocol code 0",
        "8400                       | varint is not minimally encoded",
        "350380ff00                 | /dns value must be printable UTF-8 without '/'",
        "3503612f62                 | /dns value must be printable UTF-8 without '/'",
        "3603612062                 | /dns4 value must be printable UTF-8 without '/'",
        "3500                       | /dns value is empty",
        "a50300                     | /p2p value is empty",
        "a503021220                 | multihash length 32 does not match its 0 digest bytes",
        "ffffffffffffffffff01       | varint longer than 9 bytes",
        "35ffffffffffffffff7f       | varint too large",
    })
    void malformedBinaryIsRejected(String hexBytes, String fragment) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Multiaddr.fromBytes(hex(hexBytes)));
        assertTrue(e.getMessage().contains(fragment), () -> "'" + e.getMessage() + "' should contain '" + fragment + "'");
    }

    @Test
    void binaryLongerThanTheLimitIsRejectedBeforeParsing() {
        byte[] big = new byte[Multiaddr.MAX_BYTES + 1];
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Multiaddr.fromBytes(big));
        assertEquals("binary multiaddr of 1025 bytes exceeds 1024", e.getMessage());
    }

    @Test
    void nothingLargerThanTheBinaryLimitCanBeBuilt() {
        // otherwise parse() would accept what fromBytes() refuses: a text address that cannot cross the wire
        String name = "a".repeat(Multiaddr.MAX_BYTES);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Multiaddr.parse("/dns/" + name));
        assertTrue(e.getMessage().contains("exceeds " + Multiaddr.MAX_BYTES), e.getMessage());

        String fits = "a".repeat(Multiaddr.MAX_BYTES - 3); // 1 code byte + 2 length bytes
        Multiaddr ma = Multiaddr.parse("/dns/" + fits);
        assertEquals(Multiaddr.MAX_BYTES, ma.toBytes().length);
        assertEquals(ma, Multiaddr.fromBytes(ma.toBytes()));
    }

    // ---- components ----

    @Test
    void componentsValidateTheirValues() {
        assertThrows(IllegalArgumentException.class, () -> new Component(null, new byte[0]));
        assertThrows(IllegalArgumentException.class, () -> new Component(Protocol.IP4, new byte[3]));
        assertThrows(IllegalArgumentException.class, () -> new Component(Protocol.IP6, new byte[4]));
        assertThrows(IllegalArgumentException.class, () -> new Component(Protocol.TCP, new byte[1]));
        assertThrows(IllegalArgumentException.class, () -> new Component(Protocol.WS, new byte[1]));
        assertThrows(IllegalArgumentException.class, () -> new Component(Protocol.DNS, "a/b".getBytes(StandardCharsets.UTF_8)));
        assertThrows(IllegalArgumentException.class, () -> new Component(Protocol.DNS, null));
        assertThrows(IllegalArgumentException.class, () -> new Component(Protocol.P2P, new byte[] {1, 2}));
        assertEquals(0, new Component(Protocol.WS, null).value().length);
    }

    @Test
    void componentValuesAreDefensiveCopies() {
        byte[] v = {127, 0, 0, 1};
        Component c = new Component(Protocol.IP4, v);
        v[0] = 10;
        c.value()[1] = 9;
        assertEquals("127.0.0.1", c.valueText());
        assertEquals("/ip4/127.0.0.1", c.toString());
    }

    @Test
    void emptyComponentListIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> new Multiaddr(List.of()));
        assertThrows(IllegalArgumentException.class, () -> new Multiaddr(null));
    }

    @Test
    void componentListIsImmutable() {
        List<Component> list = new ArrayList<>(Multiaddr.parse("/ip4/1.2.3.4/tcp/1").components());
        Multiaddr ma = new Multiaddr(list);
        list.clear();
        assertEquals(2, ma.components().size());
        assertThrows(UnsupportedOperationException.class, () -> ma.components().clear());
    }

    // ---- peer id helpers ----

    @Test
    void peerIdIsTheTrailingP2pComponent() {
        assertEquals(Optional.of(PeerId.parse(ED)), Multiaddr.parse("/ip4/1.2.3.4/tcp/1/p2p/" + ED).peerId());
        assertEquals(Optional.empty(), Multiaddr.parse("/ip4/1.2.3.4/tcp/1").peerId());
        // a /p2p that is not last (e.g. a relay) is not this address's peer
        assertEquals(Optional.empty(), Multiaddr.parse("/ip4/1.2.3.4/tcp/1/p2p/" + QM + "/p2p-circuit").peerId());
    }

    @Test
    void withPeerIdAddsOrReplacesTheTrailingPeer() {
        PeerId a = PeerId.parse(ED), b = PeerId.parse(QM);
        Multiaddr bare = Multiaddr.parse("/ip4/1.2.3.4/tcp/1");
        assertEquals("/ip4/1.2.3.4/tcp/1/p2p/" + ED, bare.withPeerId(a).toString());
        assertEquals("/ip4/1.2.3.4/tcp/1/p2p/" + QM, bare.withPeerId(a).withPeerId(b).toString());
        assertEquals(bare.withPeerId(a), bare.withPeerId(a).withPeerId(a));
    }

    @Test
    void withPeerIdReplacesALonePeerComponent() {
        Multiaddr only = Multiaddr.parse("/p2p/" + ED);
        assertEquals("/p2p/" + QM, only.withPeerId(PeerId.parse(QM)).toString());
    }

    @Test
    void withoutPeerIdDropsOnlyATrailingPeer() {
        Multiaddr bare = Multiaddr.parse("/ip4/1.2.3.4/tcp/1");
        assertEquals(bare, Multiaddr.parse("/ip4/1.2.3.4/tcp/1/p2p/" + ED).withoutPeerId());
        assertSame(bare, bare.withoutPeerId());
        Multiaddr only = Multiaddr.parse("/p2p/" + ED);
        assertSame(only, only.withoutPeerId(), "a multiaddr cannot be empty, so a lone /p2p stays");
    }

    // ---- TCP helpers ----

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "/ip4/1.2.3.4/tcp/1,                         true",
        "/ip6/::1/tcp/1,                             true",
        "/dns/example.com/tcp/1,                     true",
        "/dns4/example.com/tcp/1,                    true",
        "/dns6/example.com/tcp/1,                    true",
        "/ip4/1.2.3.4/tcp/1/p2p/" + ED + ",          true",
        "/dnsaddr/example.com/tcp/1,                 false",
        "/dnsaddr/example.com,                       false",
        "/ip4/1.2.3.4/udp/1,                         false",
        "/ip4/1.2.3.4/udp/1/quic-v1,                 false",
        "/ip4/1.2.3.4/tcp/1/ws,                      false",
        "/ip4/1.2.3.4/tcp/1/tls/ws,                  false",
        "/ip4/1.2.3.4,                               false",
        "/tcp/1,                                     false",
        "/tcp/1/ip4/1.2.3.4,                         false",
        "/p2p/" + ED + ",                            false",
        "/ip4/1.2.3.4/tcp/1/p2p/" + QM + "/p2p-circuit, false",
        "/ip6zone/eth0/ip6/fe80::1/tcp/1,            false",
    })
    void isPlainTcp(String text, boolean expected) {
        Multiaddr ma = Multiaddr.parse(text);
        assertEquals(expected, ma.isPlainTcp());
        if (!expected) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, ma::toTcpSocketAddress);
            assertEquals("not a TCP multiaddr: " + ma, e.getMessage());
        }
    }

    @Test
    void toTcpSocketAddressOfIpAddressesIsResolvedWithoutLookup() throws Exception {
        InetSocketAddress v4 = Multiaddr.parse("/ip4/192.168.1.5/tcp/9000/p2p/" + ED).toTcpSocketAddress();
        assertFalse(v4.isUnresolved());
        assertEquals(InetAddress.getByAddress(new byte[] {(byte) 192, (byte) 168, 1, 5}), v4.getAddress());
        assertEquals(9000, v4.getPort());

        InetSocketAddress v6 = Multiaddr.parse("/ip6/fe80::1/tcp/65535").toTcpSocketAddress();
        assertInstanceOf(Inet6Address.class, v6.getAddress());
        assertEquals(65535, v6.getPort());
        assertArrayEquals(hex("fe800000000000000000000000000001"), v6.getAddress().getAddress());
    }

    @Test
    void toTcpSocketAddressLeavesHostNamesUnresolved() {
        DnsGuard.run(() -> {
            InetSocketAddress a = Multiaddr.parse("/dns4/printer.local/tcp/631").toTcpSocketAddress();
            assertTrue(a.isUnresolved());
            assertEquals("printer.local", a.getHostString());
            assertEquals(631, a.getPort());
        });
    }

    @Test
    void tcpFromSocketAddresses() throws Exception {
        Multiaddr v4 = Multiaddr.tcp(new InetSocketAddress(InetAddress.getByAddress(new byte[] {10, 0, 0, 7}), 4001));
        assertEquals("/ip4/10.0.0.7/tcp/4001", v4.toString());

        Multiaddr v6 = Multiaddr.tcp(new InetSocketAddress(InetAddress.getByAddress(hex("20010db8000000000000000000000001")), 0));
        assertEquals("/ip6/2001:db8::1/tcp/0", v6.toString());

        Multiaddr name = Multiaddr.tcp(InetSocketAddress.createUnresolved("peer.local", 65535));
        assertEquals("/dns/peer.local/tcp/65535", name.toString());

        for (Multiaddr ma : List.of(v4, v6, name)) {
            assertTrue(ma.isPlainTcp());
            assertEquals(ma, Multiaddr.tcp(ma.toTcpSocketAddress()));
        }
        assertInstanceOf(Inet4Address.class, v4.toTcpSocketAddress().getAddress());
    }

    @Test
    void equalityIsByValue() {
        assertEquals(Multiaddr.parse("/ip4/1.2.3.4/tcp/1"), Multiaddr.parse("/ip4/1.2.3.4/tcp/1/"));
        assertNotEquals(Multiaddr.parse("/ip4/1.2.3.4/tcp/1"), Multiaddr.parse("/ip4/1.2.3.4/udp/1"));
        assertNotEquals(Multiaddr.parse("/ip4/1.2.3.4/tcp/1"), Multiaddr.parse("/ip4/1.2.3.4/tcp/2"));
    }

    // ---- bounded randomized checks ----

    private static final String[] HOSTS = {"example.com", "a", "bücher.example", "x-y.z", "_srv.local", "%41"};

    private static Component randomComponent(Random rnd) {
        Protocol p = Protocol.values()[rnd.nextInt(Protocol.values().length)];
        return switch (p) {
            case IP4 -> new Component(p, randomBytes(rnd, 4));
            case IP6 -> {
                byte[] v = randomBytes(rnd, 16);
                int shape = rnd.nextInt(4);
                if (shape == 0) { // IPv4-mapped
                    java.util.Arrays.fill(v, 0, 10, (byte) 0);
                    v[10] = v[11] = (byte) 0xFF;
                } else if (shape == 1) { // runs of zero groups
                    int from = rnd.nextInt(8), to = from + rnd.nextInt(8 - from + 1);
                    java.util.Arrays.fill(v, 2 * from, 2 * to, (byte) 0);
                }
                yield new Component(p, v);
            }
            case TCP, UDP -> new Component(p, randomBytes(rnd, 2));
            case P2P -> {
                byte[] digest = randomBytes(rnd, 32);
                yield new Component(p, rnd.nextBoolean()
                        ? concat(new byte[] {0x12, 0x20}, digest)
                        : PeerId.fromPublicKey(PeerPublicKey.ed25519(digest)).toBytes());
            }
            case DNS, DNS4, DNS6, DNSADDR, IP6ZONE -> new Component(p, HOSTS[rnd.nextInt(HOSTS.length)].getBytes(StandardCharsets.UTF_8));
            default -> new Component(p, null);
        };
    }

    private static byte[] randomBytes(Random rnd, int n) {
        byte[] b = new byte[n];
        rnd.nextBytes(b);
        return b;
    }

    private static Multiaddr randomMultiaddr(Random rnd) {
        List<Component> c = new ArrayList<>();
        for (int n = 1 + rnd.nextInt(5); n > 0; n--) c.add(randomComponent(rnd));
        return new Multiaddr(c);
    }

    @Test
    void randomValidMultiaddrsRoundTripThroughTextAndBinary() {
        Random rnd = new Random(1);
        for (int i = 0; i < 3000; i++) {
            Multiaddr ma = randomMultiaddr(rnd);
            String text = ma.toString();
            assertEquals(ma, Multiaddr.parse(text), text);
            assertEquals(text, Multiaddr.parse(text).toString());
            assertEquals(ma, Multiaddr.fromBytes(ma.toBytes()), text);
        }
    }

    @Test
    void randomBytesAreEitherAMultiaddrOrAnIllegalArgument() {
        Random rnd = new Random(2);
        int accepted = 0;
        for (int i = 0; i < 4000; i++) {
            byte[] bytes = i % 2 == 0 ? randomBytes(rnd, rnd.nextInt(40)) : PeerIdTest.mutate(randomMultiaddr(rnd).toBytes(), rnd);
            try {
                Multiaddr ma = Multiaddr.fromBytes(bytes);
                accepted++;
                assertArrayEquals(bytes, ma.toBytes());
                assertEquals(ma, Multiaddr.parse(ma.toString()));
            } catch (IllegalArgumentException expected) {
                // fine
            } catch (RuntimeException e) {
                fail("Multiaddr.fromBytes(" + hex(bytes) + ") threw " + e, e);
            }
        }
        assertTrue(accepted > 100, "mutated addresses should often stay valid: " + accepted);
    }

    @Test
    void randomTextIsEitherAMultiaddrOrAnIllegalArgument() {
        Random rnd = new Random(3);
        String[] tokens = {"/", "/", "/", "ip4", "ip6", "tcp", "udp", "dns", "dns4", "dnsaddr", "p2p", "ipfs", "ws", "quic-v1", "ip6zone",
            "1.2.3.4", "::1", ":", ".", "..", "::ffff:", "0", "65535", "65536", "-1", "01", "fe80", "x", " ", "%", "\uD800", "é", ED, QM, "Qm", "b"};
        for (int i = 0; i < 4000; i++) {
            StringBuilder sb = new StringBuilder(rnd.nextInt(8) == 0 ? "" : "/");
            for (int n = rnd.nextInt(10); n > 0; n--) sb.append(tokens[rnd.nextInt(tokens.length)]);
            String text = sb.toString();
            try {
                Multiaddr ma = Multiaddr.parse(text);
                assertEquals(ma, Multiaddr.parse(ma.toString()), text);
                assertEquals(ma, Multiaddr.fromBytes(ma.toBytes()), text);
            } catch (IllegalArgumentException expected) {
                // fine
            } catch (RuntimeException e) {
                fail("Multiaddr.parse(\"" + text + "\") threw " + e, e);
            }
        }
    }
}
