package lanchat.security.noise;

import java.util.List;

import lanchat.api.Identity;

/** Keys for tests of code built on the handshake (the Netty handlers), and the test hooks they need. */
public final class TestKeys {
    private TestKeys() {}

    /** The two results of a handshake between fresh identities, driven directly: {initiator's, responder's}. */
    public static NoiseResult[] pair() {
        Identity alice = Identity.generate(), bob = Identity.generate();
        try {
            return NoiseHandshakeTest.run(NoiseHandshake.initiator(alice, bob.peerId(), List.of()), NoiseHandshake.responder(bob, List.of()));
        } catch (NoiseException e) {
            throw new AssertionError(e);
        }
    }

    /** Uses up {@code c}'s nonces: its next message fails, as the 2^64th would. */
    public static void exhaust(CipherState c) {
        c.setNonce(-1L);
    }
}
