package org.voicestudio.inference.audio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Max-abs-difference comparisons that name the worst position. */
final class AudioAssert {
    private AudioAssert() {}

    static void assertClose(float[] expected, float[] actual, double tol, String what) {
        assertSplitClose(expected, actual, Double.NEGATIVE_INFINITY, tol, tol, what);
    }

    /**
     * Log features: values at or above {@code floor} within {@code tol}; values below it (bins with
     * no signal, whose energy is the float32 rounding noise of PyTorch's FFT) within {@code noiseTol}.
     */
    static void assertSplitClose(float[] expected, float[] actual, double floor, double tol, double noiseTol, String what) {
        assertEquals(expected.length, actual.length, what + " length");
        double maxSignal = 0, maxNoise = 0;
        int atSignal = -1, atNoise = -1;
        for (int i = 0; i < expected.length; i++) {
            double d = Math.abs(expected[i] - actual[i]);
            if (expected[i] >= floor) {
                if (!(d <= maxSignal)) { maxSignal = d; atSignal = i; }
            } else if (!(d <= maxNoise)) { maxNoise = d; atNoise = i; }
        }
        assertTrue(maxSignal <= tol, what + ": max abs difference " + maxSignal + " at " + atSignal + " (tolerance " + tol + ")");
        assertTrue(maxNoise <= noiseTol, what + ": max abs difference below the noise floor " + floor + ": " + maxNoise + " at " + atNoise + " (tolerance " + noiseTol + ")");
    }
}
