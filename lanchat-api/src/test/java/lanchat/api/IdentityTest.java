package lanchat.api;

import static lanchat.api.internal.Bytes.concat;
import static lanchat.api.SpecVectors.base58;
import static lanchat.api.SpecVectors.hex;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import lanchat.api.crypto.KeyType;
import lanchat.api.crypto.PeerPublicKey;
import lanchat.api.internal.ProtoWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class IdentityTest {
    @TempDir
    Path dir;

    private static byte[] privateKeyProtobuf(int type, byte[] data) {
        return new ProtoWriter().varint(1, type).bytes(2, data).toByteArray();
    }

    // ---- interop with go-libp2p's key format ----

    @Test
    void handBuiltGoLibp2pPrivateKeyDecodesToTheRfc8032KeyAndItsPeerId() {
        byte[] seed = hex(SpecVectors.RFC8032_SECRET), pub = hex(SpecVectors.RFC8032_PUBLIC);
        // message PrivateKey { Type = 1 (Ed25519); Data = seed ‖ public key } written byte by byte
        byte[] protobuf = concat(new byte[] {0x08, 0x01, 0x12, 0x40}, seed, pub);

        Identity id = Identity.decode(protobuf);

        assertEquals(KeyType.ED25519, id.publicKey().type());
        assertArrayEquals(pub, id.publicKey().data());
        byte[] publicProtobuf = concat(new byte[] {0x08, 0x01, 0x12, 0x20}, pub);
        byte[] identityMultihash = concat(new byte[] {0x00, (byte) publicProtobuf.length}, publicProtobuf);
        assertEquals(base58(identityMultihash), id.peerId().toString());
        assertEquals("12D3KooWQK1wnefoLrcVHbbnf5tLzbopUd3K3bFAoJpA7YJgL5pV", id.peerId().toString());
        assertArrayEquals(protobuf, id.encode(), "encodes back to exactly the go-libp2p bytes");
    }

    @Test
    void specPrivateKeyVectorYieldsTheSpecPublicKey() {
        Identity id = Identity.decode(hex(SpecVectors.ED25519_PRIVATE));
        assertEquals(SpecVectors.ED25519_PUBLIC, hex(id.publicKey().encode()));
        assertEquals(SpecVectors.ED25519_PEER_ID, id.peerId().toString());
        assertEquals(SpecVectors.ED25519_PRIVATE, hex(id.encode()));
    }

    @Test
    void rfc8032SignatureIsReproduced() {
        Identity id = Identity.fromSeed(hex(SpecVectors.RFC8032_SECRET));
        assertEquals(SpecVectors.RFC8032_PUBLIC, hex(id.publicKey().data()));
        assertEquals(SpecVectors.RFC8032_SIGNATURE, hex(id.sign(new byte[0])));
    }

    // ---- generate / seed / encode ----

    @Test
    void generateEncodeDecodeKeepsThePeerId() {
        Identity id = Identity.generate();
        byte[] encoded = id.encode();
        assertEquals(68, encoded.length);
        assertEquals("08011240", hex(Arrays.copyOf(encoded, 4)));
        assertArrayEquals(id.publicKey().data(), Arrays.copyOfRange(encoded, 36, 68), "Data ends with the public key");

        Identity back = Identity.decode(encoded);
        assertEquals(id.peerId(), back.peerId());
        assertEquals(id.publicKey(), back.publicKey());
        assertArrayEquals(encoded, back.encode());
        assertEquals(PeerId.fromPublicKey(id.publicKey()), id.peerId());
        assertTrue(id.peerId().toString().startsWith("12D3KooW"));
    }

    @Test
    void generateGivesDistinctIdentities() {
        assertNotEquals(Identity.generate().peerId(), Identity.generate().peerId());
    }

    @Test
    void fromSeedIsDeterministic() {
        byte[] seed = new byte[32];
        Arrays.fill(seed, (byte) 7);
        Identity a = Identity.fromSeed(seed), b = Identity.fromSeed(seed.clone());
        assertEquals(a.peerId(), b.peerId());
        assertArrayEquals(a.encode(), b.encode());
        assertArrayEquals(seed, Arrays.copyOfRange(a.encode(), 4, 36), "Data starts with the seed");
        assertArrayEquals(a.sign(new byte[] {1}), b.sign(new byte[] {1}), "Ed25519 signatures are deterministic");

        seed[0] ^= 1;
        assertNotEquals(a.peerId(), Identity.fromSeed(seed).peerId());
    }

    @Test
    void seedMustBe32Bytes() {
        assertEquals("Ed25519 seed must be 32 bytes, got 31", assertThrows(IllegalArgumentException.class, () -> Identity.fromSeed(new byte[31])).getMessage());
        assertThrows(IllegalArgumentException.class, () -> Identity.fromSeed(new byte[64]));
    }

    @Test
    void seedOnlyDataIsAccepted() {
        // 32-byte Data (seed without the public half) is accepted too and means the same key
        byte[] seed = hex(SpecVectors.RFC8032_SECRET);
        assertEquals(Identity.fromSeed(seed).peerId(), Identity.decode(privateKeyProtobuf(1, seed)).peerId());
    }

    @Test
    void toStringShowsThePeerIdButNotTheKey() {
        Identity id = Identity.fromSeed(hex(SpecVectors.RFC8032_SECRET));
        assertEquals("Identity[" + id.peerId() + "]", id.toString());
        assertFalse(id.toString().contains(SpecVectors.RFC8032_SECRET));
    }

    // ---- sign / verify ----

    @Test
    void signaturesVerifyWithThePeerPublicKey() {
        Identity id = Identity.generate();
        byte[] msg = "hello lan".getBytes(StandardCharsets.UTF_8);
        byte[] sig = id.sign(msg);
        assertEquals(64, sig.length);
        assertTrue(id.publicKey().verify(msg, sig));
        // the key recovered from the peer id verifies too: that is what a remote peer does
        assertTrue(id.peerId().publicKey().orElseThrow().verify(msg, sig));

        assertFalse(id.publicKey().verify("hello lam".getBytes(StandardCharsets.UTF_8), sig));
        byte[] tampered = sig.clone();
        tampered[10] ^= 1;
        assertFalse(id.publicKey().verify(msg, tampered));
        assertFalse(Identity.generate().publicKey().verify(msg, sig));
    }

    // ---- key files ----

    @Test
    void saveThenLoadRoundTrips() throws IOException {
        Identity id = Identity.generate();
        Path file = dir.resolve("sub/dir/identity.key");
        id.save(file);
        assertArrayEquals(id.encode(), Files.readAllBytes(file));
        Identity loaded = Identity.load(file);
        assertEquals(id.peerId(), loaded.peerId());
        assertArrayEquals(id.sign(new byte[] {1, 2, 3}), loaded.sign(new byte[] {1, 2, 3}));
        assertEquals(List.of(file.getFileName()), listNames(file.getParent()), "no temporary file is left behind");
    }

    @Test
    void loadOrCreateCreatesAnOwnerOnlyFileAndThenReloadsIt() throws IOException {
        assumeTrue(dir.getFileSystem().supportedFileAttributeViews().contains("posix"));
        Path file = dir.resolve("identity.key");

        Identity created = Identity.loadOrCreate(file);
        assertTrue(Files.isRegularFile(file));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertEquals(created.peerId(), Identity.load(file).peerId());

        Identity reloaded = Identity.loadOrCreate(file);
        assertEquals(created.peerId(), reloaded.peerId());
        assertEquals(List.of(file.getFileName()), listNames(dir));
    }

    @Test
    void saveNeverOverwritesAnExistingKeyFile() throws IOException {
        Path file = dir.resolve("identity.key");
        Identity first = Identity.generate();
        first.save(file);
        byte[] before = Files.readAllBytes(file);

        FileAlreadyExistsException e = assertThrows(FileAlreadyExistsException.class, () -> Identity.generate().save(file));
        assertEquals(file.toString(), e.getFile());
        assertArrayEquals(before, Files.readAllBytes(file), "the existing key must survive");
        assertEquals(first.peerId(), Identity.load(file).peerId());
        assertEquals(List.of(file.getFileName()), listNames(dir), "no temporary file is left behind");
    }

    @Test
    void concurrentLoadOrCreateAgreesOnOneIdentity() throws Exception {
        Path file = dir.resolve("identity.key");
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            Callable<PeerId> task = () -> Identity.loadOrCreate(file).peerId();
            List<Future<PeerId>> results = pool.invokeAll(List.of(task, task, task, task));
            PeerId onDisk = Identity.load(file).peerId();
            for (Future<PeerId> r : results) assertEquals(onDisk, r.get(), "every caller must use the identity that is on disk");
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void loadingAMissingFileSaysSo() {
        Path file = dir.resolve("nope.key");
        IOException e = assertThrows(IOException.class, () -> Identity.load(file));
        assertEquals("identity file " + file + " does not exist", e.getMessage());
    }

    @Test
    void loadingGarbageSaysItIsNotAKey() throws IOException {
        assertLoadFails("garbage", "hello, I am not a key\n".getBytes(StandardCharsets.UTF_8), "is not a libp2p Ed25519 private key");
        assertLoadFails("empty", new byte[0], "is not a libp2p Ed25519 private key: private key lacks Type");
        assertLoadFails("no data", new ProtoWriter().varint(1, 1).toByteArray(), "private key lacks Data");
        assertLoadFails("group", new byte[] {0x0b, 0x0c}, "unsupported protobuf wire type 3");
    }

    @Test
    void loadingAnRsaKeyNamesTheType() throws IOException {
        assertLoadFails("rsa", privateKeyProtobuf(0, new byte[64]), "only Ed25519 identities are supported, found RSA");
        assertLoadFails("secp256k1", privateKeyProtobuf(2, new byte[32]), "found SECP256K1");
        assertLoadFails("unknown type", privateKeyProtobuf(9, new byte[64]), "unknown key type 9");
    }

    @Test
    void loadingATruncatedKeySaysWhatIsWrong() throws IOException {
        byte[] full = Identity.generate().encode();
        assertLoadFails("truncated", Arrays.copyOf(full, full.length - 1), "protobuf field 2 length 64 exceeds message");
        assertLoadFails("cut in the tag", Arrays.copyOf(full, 1), "truncated varint");
        assertLoadFails("wrong data length", privateKeyProtobuf(1, new byte[48]), "must be 64 bytes (seed + public key), got 48");
    }

    @Test
    void loadingAKeyWhosePublicHalfDoesNotMatchItsSeedFails() throws IOException {
        byte[] data = concat(hex(SpecVectors.RFC8032_SECRET), hex(SpecVectors.RFC8032_PUBLIC));
        data[63] ^= 1;
        assertLoadFails("mismatch", privateKeyProtobuf(1, data), "public half does not match the seed");
    }

    @Test
    void loadingAnOversizedFileIsRefusedBeforeReadingIt() throws IOException {
        byte[] big = concat(Identity.generate().encode(), new byte[5000]);
        Path file = dir.resolve("big.key");
        Files.write(file, big);
        IOException e = assertThrows(IOException.class, () -> Identity.load(file));
        assertEquals("identity file " + file + " is too large to be a key", e.getMessage());
    }

    @Test
    @Timeout(10)
    void loadingADeviceThatNeverEndsStopsAtTheLimit() {
        Path zeros = Path.of("/dev/zero"); // its size reads as 0, its content never ends
        IOException e = assertThrows(IOException.class, () -> Identity.load(zeros));
        assertEquals("identity file " + zeros + " is too large to be a key", e.getMessage());
    }

    @Test
    void loadingASocketSaysItIsNotReadable() throws IOException {
        // exists and passes Files.isReadable, but no one can open it for reading (ENXIO), root included
        Path socket = dir.resolve("identity.key");
        try (ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            s.bind(UnixDomainSocketAddress.of(socket));
        }
        IOException e = assertThrows(IOException.class, () -> Identity.loadOrCreate(socket));
        assertTrue(e.getMessage().startsWith("identity file " + socket + " is not readable: "), e.getMessage());
        assertTrue(Files.exists(socket) && !Files.isRegularFile(socket), "the socket was replaced by a key file");
    }

    @Test
    void loadOrCreateReportsAnUnusableExistingFileInsteadOfReplacingIt() throws IOException {
        Path file = dir.resolve("identity.key");
        Files.write(file, new byte[] {1, 2, 3});
        assertThrows(IOException.class, () -> Identity.loadOrCreate(file));
        assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(file));
    }

    private void assertLoadFails(String name, byte[] contents, String fragment) throws IOException {
        Path file = dir.resolve(name.replace(' ', '-') + ".key");
        Files.write(file, contents);
        IOException e = assertThrows(IOException.class, () -> Identity.load(file), name);
        assertTrue(e.getMessage().startsWith("identity file " + file + " "), e.getMessage());
        assertTrue(e.getMessage().contains(fragment), () -> name + ": '" + e.getMessage() + "' should contain '" + fragment + "'");
    }

    private static List<Path> listNames(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(Path::getFileName).toList();
        }
    }

    @Test
    void decodeAcceptsTheSameKeyWithUnknownFieldsSkipped() {
        Identity id = Identity.generate();
        byte[] withExtra = concat(new ProtoWriter().varint(7, 1).toByteArray(), id.encode(), new ProtoWriter().bytes(9, new byte[3]).toByteArray());
        assertEquals(id.peerId(), Identity.decode(withExtra).peerId());
        assertEquals(PeerPublicKey.ed25519(id.publicKey().data()), Identity.decode(withExtra).publicKey());
    }
}
