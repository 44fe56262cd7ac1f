package org.voicestudio.inference.flow;

import org.junit.jupiter.api.Test;
import org.voicestudio.inference.testing.Golden;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ConditionalFlowMatchingTest {
    private static final int MEL = 80, T = 124, STEPS = 10;

    @Test
    void cosineTimeGridAccumulatedLikeTheSolverEqualsTheReferenceBitForBit() {
        float[] span = ConditionalFlowMatching.timeSpan(STEPS, true);
        float[] expected = Golden.tensor("flow_ns_t").toFloats();
        float t = span[0], dt = span[1] - span[0];
        for (int k = 0; k < STEPS; k++) {
            assertEquals(expected[k], t, 0f, "t at step " + k);
            t = t + dt;
            if (k + 2 <= STEPS) dt = span[k + 2] - t;
        }
        assertEquals(1f, span[STEPS], 0f);
    }

    /**
     * With the reference estimator outputs replayed, the solver's arithmetic (CFG mix, Euler update, time
     * accumulation, CFG batch layout) must reproduce every reference state exactly: all float32, same order.
     */
    @Test
    void replayedEstimatorOutputsReproduceEveryEulerStateExactly() {
        float[] outs = Golden.tensor("flow_ns_est_out_steps").toFloats();        // [10, 2, 80, T]
        float[] xSteps = Golden.tensor("flow_ns_x_steps").toFloats();            // [10, 80, T]
        float[] mu = Golden.tensor("flow_ns_mu").toFloats();
        float[] cond = Golden.tensor("flow_ns_cond").toFloats();
        float[] spks = Golden.tensor("flow_ns_spks").toFloats();
        float[] ts = Golden.tensor("flow_ns_t").toFloats();
        int plane = MEL * T;
        int[] call = {0};
        FlowEstimator replay = in -> {
            int k = call[0]++;
            // the CFG batch exactly as solve_euler forms it
            for (int i = 0; i < plane; i++) {
                assertEquals(in.x()[i], in.x()[plane + i], 0f);
                assertEquals(mu[i], in.mu()[i], 0f);
                assertEquals(0f, in.mu()[plane + i], 0f);
                assertEquals(cond[i], in.cond()[i], 0f);
                assertEquals(0f, in.cond()[plane + i], 0f);
            }
            for (int c = 0; c < MEL; c++) {
                assertEquals(spks[c], in.spks()[c], 0f);
                assertEquals(0f, in.spks()[MEL + c], 0f);
            }
            assertEquals(ts[k], in.t()[0], 0f);
            assertEquals(ts[k], in.t()[1], 0f);
            float[] o = new float[2 * plane];
            System.arraycopy(outs, k * 2 * plane, o, 0, 2 * plane);
            return o;
        };
        var solver = new ConditionalFlowMatching(replay, MEL, STEPS, 0.7, "cosine");
        float[][] seen = new float[STEPS][];
        float[] x = solver.solve(T, Golden.tensor("flow_rand_noise").toFloats(), mu, FlowConditioning.fullMask(T), spks, cond, false,
                (step, t, xk, out) -> seen[step] = xk);
        for (int k = 0; k < STEPS; k++) {
            float[] expected = new float[plane];
            System.arraycopy(xSteps, k * plane, expected, 0, plane);
            assertArrayEquals(expected, seen[k], 0f, "x entering step " + k);
        }
        assertArrayEquals(Golden.tensor("flow_ns_x_final").toFloats(), x, 0f);
        assertEquals(STEPS, call[0]);
    }

    @Test
    void wrongInputSizesAreRejectedWithTheirName() {
        var solver = new ConditionalFlowMatching(in -> new float[0], MEL, STEPS, 0.7, "cosine");
        var e = assertThrows(IllegalArgumentException.class,
                () -> solver.solve(4, new float[MEL * 4], new float[MEL * 3], new float[4], new float[MEL], new float[MEL * 4], false, ConditionalFlowMatching.StepObserver.NONE));
        assertEquals("solver input 'mu' needs 320 values, got 240", e.getMessage());
    }
}
