package org.voicestudio.engines.cuda.llm;

import java.util.random.RandomGenerator;

/**
 * The uniform source of the on-GPU sampler ({@code sampling.cu}) on the host: Philox4x32-10 (Salmon
 * et al., SC 2011) keyed by a 64-bit seed, draw {@code n} = the first two output words of counter
 * {@code (n, 0, 0, 0)} as one 64-bit value. Handed to the Java {@code RasSampler}, it reproduces the
 * GPU sampler's draws for a seed, so a GPU-sampled utterance can be checked on the host.
 */
public final class PhiloxRandom implements RandomGenerator {
    private final int key0, key1;
    private long counter;

    public PhiloxRandom(long seed) {
        this.key0 = (int) seed;
        this.key1 = (int) (seed >>> 32);
    }

    /** Philox4x32-10 of {@code counter} (4 words) under {@code key} (2 words); returns the 4 output words. */
    static int[] block(int[] counter, int k0, int k1) {
        int c0 = counter[0], c1 = counter[1], c2 = counter[2], c3 = counter[3];
        for (int r = 0; r < 10; r++) {
            if (r > 0) {
                k0 += 0x9E3779B9;
                k1 += 0xBB67AE85;
            }
            long p0 = 0xD2511F53L * Integer.toUnsignedLong(c0);
            long p1 = 0xCD9E8D57L * Integer.toUnsignedLong(c2);
            int n0 = (int) (p1 >>> 32) ^ c1 ^ k0;
            int n2 = (int) (p0 >>> 32) ^ c3 ^ k1;
            c0 = n0;
            c1 = (int) p1;
            c2 = n2;
            c3 = (int) p0;
        }
        return new int[] {c0, c1, c2, c3};
    }

    @Override
    public long nextLong() {
        if (counter == 0x1_0000_0000L) throw new IllegalStateException("Philox stream exhausted (the GPU counter is 32 bits)");
        int[] out = block(new int[] {(int) counter++, 0, 0, 0}, key0, key1);
        return (long) out[0] << 32 | Integer.toUnsignedLong(out[1]);
    }

    /** {@code (nextLong() >>> 11) * 2^-53}, exactly what {@code draw_uniform} in sampling.cu computes. */
    @Override
    public double nextDouble() {
        return (nextLong() >>> 11) * 0x1.0p-53;
    }
}
