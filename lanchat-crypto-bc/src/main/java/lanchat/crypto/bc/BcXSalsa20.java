package lanchat.crypto.bc;

import lanchat.api.crypto.spi.XSalsa20;
import org.bouncycastle.crypto.engines.XSalsa20Engine;
import org.bouncycastle.crypto.params.KeyParameter;
import org.bouncycastle.crypto.params.ParametersWithIV;

/** XSalsa20 from BouncyCastle's {@link XSalsa20Engine} (HSalsa20, then Salsa20/20, counter from 0). */
public final class BcXSalsa20 implements XSalsa20 {
    @Override
    public Keystream keystream(byte[] key, byte[] nonce) {
        if (key.length != 32) throw new IllegalArgumentException("XSalsa20 takes a 32-byte key, not " + key.length);
        if (nonce.length != 24) throw new IllegalArgumentException("XSalsa20 takes a 24-byte nonce, not " + nonce.length);
        XSalsa20Engine engine = new XSalsa20Engine();
        engine.init(true, new ParametersWithIV(new KeyParameter(key), nonce)); // the engine copies the key
        return (data, offset, length) -> engine.processBytes(data, offset, length, data, offset);
    }
}
