package org.voicestudio.engines.cuda.llm;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** CPU: the host twin of the GPU sampler's uniform source is Philox4x32-10 (Random123 known answers). */
class PhiloxRandomTest {

    /** Random123's kat_vectors, the three {@code philox4x32 10} lines: counter, key, expected output. */
    @Test
    void philox4x32x10MatchesTheRandom123KnownAnswers() {
        assertArrayEquals(new int[] {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8},
                PhiloxRandom.block(new int[] {0, 0, 0, 0}, 0, 0));
        assertArrayEquals(new int[] {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd},
                PhiloxRandom.block(new int[] {-1, -1, -1, -1}, -1, -1));
        assertArrayEquals(new int[] {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1},
                PhiloxRandom.block(new int[] {0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}, 0xa4093822, 0x299f31d0));
    }

    @Test
    void drawNIsTheFirstTwoWordsOfCounterNUnderTheSeed() {
        long seed = 0x0123_4567_89ab_cdefL;
        PhiloxRandom r = new PhiloxRandom(seed);
        for (int n = 0; n < 5; n++) {
            int[] w = PhiloxRandom.block(new int[] {n, 0, 0, 0}, (int) seed, (int) (seed >>> 32));
            long expected = (long) w[0] << 32 | Integer.toUnsignedLong(w[1]);
            assertEquals(expected, r.nextLong(), "draw " + n);
        }
    }

    @Test
    void uniformsAreIn01AndReproducibleForASeed() {
        PhiloxRandom a = new PhiloxRandom(42), b = new PhiloxRandom(42), c = new PhiloxRandom(43);
        int differs = 0;
        double sum = 0;
        int n = 10_000;
        for (int i = 0; i < n; i++) {
            double u = a.nextDouble();
            assertTrue(u >= 0 && u < 1, "uniform " + u);
            assertEquals(u, b.nextDouble());
            if (u != c.nextDouble()) differs++;
            sum += u;
        }
        assertTrue(differs > n - 5, "another seed gives another stream");
        // mean of 10^4 uniforms: standard error 0.0029; 0.02 is ~7 standard errors
        assertEquals(0.5, sum / n, 0.02);
    }
}
