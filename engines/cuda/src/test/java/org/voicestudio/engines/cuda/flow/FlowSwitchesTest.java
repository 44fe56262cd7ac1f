package org.voicestudio.engines.cuda.flow;

import org.junit.jupiter.api.Test;
import org.voicestudio.engines.cuda.flow.CudaDitEstimator.Bf16Kernels;
import org.voicestudio.engines.cuda.flow.CudaFlowModel.Conditioner;
import org.voicestudio.engines.cuda.flow.CudaFlowModel.Solver;
import org.voicestudio.inference.testing.Golden;

import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * CPU: what the device solver bakes into its graph from the host (the time grid), and the system properties
 * that switch the CUDA flow back to its previous paths.
 */
class FlowSwitchesTest {

    @Test
    void deviceStepTimesAreTheOfficialTimesAndTheHostLoopsSteps() {
        float[][] times = CudaEulerSolver.stepTimes(10, "cosine");
        assertArrayEquals(Golden.tensor("flow_ns_t").toFloats(), times[0], 0f, "t of each Euler step vs golden flow_ns_t");
        // the host loop's recurrence: t_{k+1} = t_k + dt_k, the last step ends at t_span[10] = 1
        for (int k = 0; k + 1 < times[0].length; k++) assertEquals(times[0][k] + times[1][k], times[0][k + 1], 0f, "t after step " + k);
        float[] span = org.voicestudio.inference.flow.ConditionalFlowMatching.timeSpan(10, true);
        assertEquals(span[10] - times[0][9], times[1][9], 0f, "last dt");
    }

    @Test
    void defaultsAreTheNewPathAndEachSwitchSelectsTheOldOne() {
        assertEquals(Solver.GRAPH, with(CudaFlowModel.SOLVER_PROPERTY, null, Solver::fromSystemProperty));
        assertEquals(Solver.HOST, with(CudaFlowModel.SOLVER_PROPERTY, "host", Solver::fromSystemProperty));
        assertEquals(Solver.DEVICE, with(CudaFlowModel.SOLVER_PROPERTY, " Device ", Solver::fromSystemProperty));
        assertEquals(Conditioner.GPU, with(CudaFlowModel.CONDITIONER_PROPERTY, null, Conditioner::fromSystemProperty));
        assertEquals(Conditioner.HOST, with(CudaFlowModel.CONDITIONER_PROPERTY, "host", Conditioner::fromSystemProperty));
        assertEquals(Bf16Kernels.MMA, with(CudaDitEstimator.BF16_KERNELS_PROPERTY, null, Bf16Kernels::fromSystemProperty));
        assertEquals(Bf16Kernels.FP32, with(CudaDitEstimator.BF16_KERNELS_PROPERTY, "fp32", Bf16Kernels::fromSystemProperty));
        var e = assertThrows(IllegalArgumentException.class, () -> with(CudaFlowModel.SOLVER_PROPERTY, "cpu", Solver::fromSystemProperty));
        assertTrue(e.getMessage().contains("voicestudio.cuda.flow.solver=cpu") && e.getMessage().contains("graph, device or host"), e.getMessage());
    }

    /** {@code read} with the system property {@code key} set to {@code value} (null: unset), restored afterwards. */
    private static <T> T with(String key, String value, Supplier<T> read) {
        String before = System.getProperty(key);
        try {
            if (value == null) System.clearProperty(key);
            else System.setProperty(key, value);
            return read.get();
        } finally {
            if (before == null) System.clearProperty(key);
            else System.setProperty(key, before);
        }
    }
}
