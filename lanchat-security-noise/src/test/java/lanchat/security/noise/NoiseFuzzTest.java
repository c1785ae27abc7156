package lanchat.security.noise;

import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

import lanchat.api.Identity;

/**
 * Garbage and mutated messages at every handshake stage and in the transport phase: the only acceptable outcomes
 * are success or {@link NoiseException}. Fixed seed, bounded count, so failures reproduce.
 */
class NoiseFuzzTest {
    private static final int INPUTS = 2000;
    private final Identity alice = Identity.generate();
    private final Identity bob = Identity.generate();

    @Test
    void handshakeReadersOnlyThrowNoiseException() throws NoiseException {
        Random rnd = new Random(0x5EED);
        FixedPeers peers = new FixedPeers();
        for (int n = 0; n < INPUTS; n++) {
            int stage = n % 3;
            byte[] valid = peers.transcript[stage];
            byte[] input = rnd.nextBoolean() ? garbage(rnd) : mutate(valid, rnd);
            NoiseHandshake reader = peers.readerAt(stage);
            try {
                reader.readMessage(input);
            } catch (NoiseException expected) {
                assertThrows(IllegalStateException.class, () -> reader.readMessage(valid));
            }
        }
    }

    @Test
    void transportReceiverOnlyThrowsNoiseException() throws NoiseException {
        Random rnd = new Random(0xC1F);
        NoiseResult[] res = NoiseHandshakeTest.run(NoiseHandshake.initiator(alice, null, List.of()), NoiseHandshake.responder(bob, List.of()));
        CipherState receiver = res[1].receiver();
        for (int n = 0; n < INPUTS; n++) {
            byte[] valid = res[0].sender().encrypt(garbage(rnd, 200));
            byte[] input = rnd.nextBoolean() ? garbage(rnd) : mutate(valid, rnd);
            try {
                receiver.decrypt(input);
            } catch (NoiseException expected) {
                receiver.decrypt(valid); // a rejected message does not desynchronise the receiver
            }
        }
    }

    private static byte[] garbage(Random rnd) {
        return garbage(rnd, switch (rnd.nextInt(10)) {
            case 0 -> 0;
            case 1 -> 32 + rnd.nextInt(3) - 1;
            case 2 -> NoiseHandshake.MAX_MESSAGE + rnd.nextInt(3) - 1;
            default -> rnd.nextInt(400);
        });
    }

    private static byte[] garbage(Random rnd, int length) {
        byte[] b = new byte[length];
        rnd.nextBytes(b);
        return b;
    }

    /** A valid message with a few bytes flipped, cut short, or extended. */
    private static byte[] mutate(byte[] valid, Random rnd) {
        switch (rnd.nextInt(3)) {
            case 0 -> {
                byte[] m = valid.clone();
                for (int k = 1 + rnd.nextInt(3); k > 0; k--) m[rnd.nextInt(m.length)] ^= (byte) (1 + rnd.nextInt(255));
                return m;
            }
            case 1 -> {
                return Arrays.copyOf(valid, rnd.nextInt(valid.length));
            }
            default -> {
                byte[] m = Arrays.copyOf(valid, valid.length + 1 + rnd.nextInt(64));
                for (int i = valid.length; i < m.length; i++) m[i] = (byte) rnd.nextInt();
                return m;
            }
        }
    }
}
