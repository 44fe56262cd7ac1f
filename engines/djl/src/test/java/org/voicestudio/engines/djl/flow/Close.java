package org.voicestudio.engines.djl.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Comparison against a reference tensor: max |diff| relative to max |reference|. */
final class Close {
    private Close() {}

    /** @return the relative error, after asserting it is within {@code relTol} */
    static double assertClose(String what, float[] expected, float[] actual, double relTol) {
        assertEquals(expected.length, actual.length, what + ": length");
        double maxRef = 0, maxDiff = 0;
        for (int i = 0; i < expected.length; i++) {
            maxRef = Math.max(maxRef, Math.abs(expected[i]));
            maxDiff = Math.max(maxDiff, Math.abs(expected[i] - (double) actual[i]));
        }
        double rel = maxDiff / Math.max(maxRef, Double.MIN_NORMAL);
        assertTrue(rel <= relTol, what + ": max |diff| " + maxDiff + " = " + rel + " of max |ref| " + maxRef + " (tolerance " + relTol + ")");
        return rel;
    }
}
