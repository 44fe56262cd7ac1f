package org.voicestudio.app.cli;

import org.junit.jupiter.api.Test;
import org.voicestudio.app.cli.parity.Comparison;
import org.voicestudio.app.cli.parity.Tolerance;
import org.voicestudio.inference.tensor.Tensor;

import static org.junit.jupiter.api.Assertions.*;

class ComparisonTest {
    private static final Tensor REF = Tensor.ofFloats(new float[] {0.5f, -2f, 1f, 0f}, 1, 2, 2);

    @Test
    void maxErrorsAreAbsoluteAndRelativeToThePeak() {
        Comparison c = Comparison.of("x", new float[] {0.5f, -2.5f, 1.25f, 0f}, new long[] {2, 2}, REF, Tolerance.relative(0.3));
        assertEquals(0.5, c.maxAbs());
        assertEquals(0.25, c.maxRel());      // 0.5 / peak 2
        assertTrue(c.ok());
        assertFalse(Comparison.of("x", new float[] {0.5f, -2.5f, 1.25f, 0f}, new long[] {2, 2}, REF, Tolerance.absolute(0.4)).ok());
    }

    @Test
    void flooredToleranceIsLooserBelowTheNoiseFloor() {
        // reference -2 sits below the floor -1: its error 0.5 is judged against 0.6, the others against 0.3
        Comparison c = Comparison.of("x", new float[] {0.75f, -2.5f, 1.25f, 0f}, new long[] {2, 2}, REF, Tolerance.floored(-1, 0.3, 0.6));
        assertEquals(0.25, c.maxAbove());
        assertEquals(0.5, c.maxBelow());
        assertTrue(c.ok());
        assertFalse(Comparison.of("x", new float[] {0.75f, -2.5f, 1.25f, 0f}, new long[] {2, 2}, REF, Tolerance.floored(-1, 0.2, 0.6)).ok());
    }

    @Test
    void shapeMismatchAndNanFail() {
        Comparison wrongShape = Comparison.of("x", new float[] {0.5f, -2f, 1f, 0f}, new long[] {4}, REF, Tolerance.absolute(1));
        assertFalse(wrongShape.ok());
        assertTrue(wrongShape.line().contains("FAIL"), wrongShape.line());
        assertFalse(Comparison.of("x", new float[] {Float.NaN, -2f, 1f, 0f}, new long[] {2, 2}, REF, Tolerance.absolute(1)).ok());
    }
}
