package org.voicestudio.engines.cuda.flow;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.voicestudio.engines.cuda.CudaContext;
import org.voicestudio.engines.cuda.CudaProbe;
import org.voicestudio.engines.cuda.CudaTesting;
import org.voicestudio.engines.cuda.Gemm;
import org.voicestudio.engines.cuda.flow.CudaFlowModel.Conditioner;
import org.voicestudio.engines.cuda.flow.CudaFlowModel.Solver;
import org.voicestudio.inference.audio.Mel;
import org.voicestudio.inference.flow.ConditionalFlowMatching;
import org.voicestudio.inference.loading.PtReader;
import org.voicestudio.inference.tensor.StateDict;
import org.voicestudio.inference.testing.Golden;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * GPU: the device-resident Euler/CFG solve ({@link CudaEulerSolver}, as a CUDA graph or op by op) against the
 * official golden mel and Euler states, and against the host loop it replaces (same DiT kernels, same float32
 * CFG/Euler arithmetic, so the two agree far inside the golden tolerance).
 */
class CudaEulerSolverTest {
    /** The golden README's fp32 gate for flow tensors (see CudaFlowModelTest.MEL_TOL). */
    private static final double MEL_TOL = 1e-4;
    /** bf16 GEMM operands, as CudaFlowModelTest.BF16_MEL_TOL argues. */
    private static final double BF16_MEL_TOL = 0.1;
    /**
     * Device solve vs host loop, both fp32 on the same GPU: identical kernels on identical inputs and the CFG/Euler
     * update rounded as in Java (no FMA contraction), so they should agree bit for bit; 2e-5 leaves room only for a
     * cuBLAS algorithm choice that differs between two buffers of one shape (~1e-6 per DiT call, 10 calls, values
     * up to ~6), still 5 x below the 1e-4 golden gate.
     */
    private static final double SAME_GPU_TOL = 2e-5;

    private static StateDict flow;

    @BeforeEach
    void needsGpu() { CudaTesting.assumeCudaDevice(); }

    @BeforeAll
    static void read() throws IOException {
        if (CudaProbe.probe().available()) flow = PtReader.readStateDict(Golden.tinyModel().resolve("flow.pt"));
    }

    @AfterAll
    static void close() {
        if (flow != null) flow.close();
    }

    private static CudaFlowModel model(CudaContext ctx, Gemm.Operands precision) {
        return CudaFlowModel.load(ctx, false, FlowFixtures.tinyFlow(), flow, FlowFixtures.goldenNoise(), precision);
    }

    private record Step(float t, float[] x, float[] out) {}

    private static List<Step> steps(CudaFlowModel model, Solver how, Conditioner where) {
        List<Step> seen = new ArrayList<>();
        Mel mel = model.inference(FlowFixtures.request(50, false, true), how, where, (step, t, x, out) -> {
            assertEquals(seen.size(), step, "step index");
            seen.add(new Step(t, x.clone(), out.clone()));
        });
        FlowFixtures.assertClose("flow_ns_mel " + how + ", " + where + " conditioning (observed)", Golden.tensor("flow_ns_mel").toFloats(), mel.data(), MEL_TOL);
        return seen;
    }

    @Test
    void deviceStepsMatchEveryOfficialEulerStateAndTheHostLoop() {
        float[] xSteps = Golden.tensor("flow_ns_x_steps").toFloats();   // [10, 80, 124]
        float[] ts = Golden.tensor("flow_ns_t").toFloats();
        int plane = 80 * 124;
        try (CudaContext ctx = CudaContext.open(0); CudaFlowModel model = model(ctx, Gemm.Operands.FP32)) {
            List<Step> device = steps(model, Solver.DEVICE, Conditioner.GPU);
            List<Step> deviceHostMu = steps(model, Solver.DEVICE, Conditioner.HOST);   // the host loop's exact inputs
            List<Step> host = steps(model, Solver.HOST, Conditioner.HOST);
            List<Step> graphObserved = steps(model, Solver.GRAPH, Conditioner.GPU);   // an observer makes GRAPH issue its ops step by step
            assertEquals(10, device.size());
            assertEquals(10, host.size());
            assertEquals(10, deviceHostMu.size());
            assertEquals(10, graphObserved.size());
            for (int s = 0; s < 10; s++) {
                assertEquals(ts[s], device.get(s).t(), 0f, "t at step " + s);
                FlowFixtures.assertClose("flow_ns_x_steps[" + s + "] device", Arrays.copyOfRange(xSteps, s * plane, (s + 1) * plane),
                        device.get(s).x(), MEL_TOL);
                FlowFixtures.assertClose("x before step " + s + ": device (host conditioning) vs host loop", host.get(s).x(), deviceHostMu.get(s).x(), SAME_GPU_TOL);
                FlowFixtures.assertClose("estimator output of step " + s + ": device (host conditioning) vs host loop", host.get(s).out(),
                        deviceHostMu.get(s).out(), SAME_GPU_TOL);
                FlowFixtures.assertClose("x before step " + s + ": graph (observed) vs device", device.get(s).x(), graphObserved.get(s).x(), 0);
            }
        }
    }

    @Test
    void graphReplaysMatchOfficialMelsAndTheHostLoopAcrossShapesAndMaskKinds() {
        float[] nsMel = Golden.tensor("flow_ns_mel").toFloats();
        float[] st1Mel = Golden.tensor("flow_st1_mel").toFloats();
        try (CudaContext ctx = CudaContext.open(0); CudaFlowModel model = model(ctx, Gemm.Operands.FP32)) {
            // a shape's first solve runs op by op, the second captures the graph and launches it, the third replays it
            float[] first = model.inference(FlowFixtures.request(50, false, true), Solver.GRAPH, ConditionalFlowMatching.StepObserver.NONE).data();
            FlowFixtures.assertClose("flow_ns_mel GRAPH (first solve, op by op)", nsMel, first, MEL_TOL);
            assertEquals(0, model.capturedGraphs(), "graphs after one solve of a shape");
            float[] captured = model.inference(FlowFixtures.request(50, false, true), Solver.GRAPH, ConditionalFlowMatching.StepObserver.NONE).data();
            assertEquals(1, model.capturedGraphs(), "graphs after the second solve of a shape");
            FlowFixtures.assertClose("flow_ns_mel GRAPH capture vs op by op", first, captured, 0);
            float[] replay = model.inference(FlowFixtures.request(50, false, true), Solver.GRAPH, ConditionalFlowMatching.StepObserver.NONE).data();
            FlowFixtures.assertClose("flow_ns_mel GRAPH replay vs op by op", first, replay, 0);
            FlowFixtures.assertClose("flow_st1_mel GRAPH", st1Mel,
                    model.inference(FlowFixtures.request(41, true, false), Solver.GRAPH, ConditionalFlowMatching.StepObserver.NONE).data(), MEL_TOL);
            FlowFixtures.assertClose("flow_st1_mel DEVICE", st1Mel,
                    model.inference(FlowFixtures.request(41, true, false), Solver.DEVICE, ConditionalFlowMatching.StepObserver.NONE).data(), MEL_TOL);
            // more shapes than the cache keeps (evictions), streaming and not, each against the host loop
            int[] tokens = {30, 35, 40, 45, 50, 33, 30};
            for (int i = 0; i < tokens.length; i++) {
                boolean streaming = i % 2 == 1;
                var request = FlowFixtures.request(tokens[i], streaming, !streaming);
                float[] host = model.inference(request, Solver.HOST, ConditionalFlowMatching.StepObserver.NONE).data();
                for (int call = 0; call < 2; call++) {   // op by op, then captured as a graph
                    float[] graph = model.inference(request, Solver.GRAPH, Conditioner.HOST, ConditionalFlowMatching.StepObserver.NONE).data();
                    FlowFixtures.assertClose(tokens[i] + " tokens, streaming " + streaming + ", solve " + call + ": graph path vs host loop",
                            host, graph, SAME_GPU_TOL);
                }
                assertTrue(model.capturedGraphs() <= CudaEulerSolver.SHAPES, "graphs kept: " + model.capturedGraphs());
            }
            for (int call = 0; call < 2; call++) {   // evicted by now: op by op, then captured again
                FlowFixtures.assertClose("flow_ns_mel GRAPH after evictions, solve " + call, nsMel,
                        model.inference(FlowFixtures.request(50, false, true), Solver.GRAPH, ConditionalFlowMatching.StepObserver.NONE).data(), MEL_TOL);
            }
        }
    }

    @Test
    void bf16GraphStaysWithinItsToleranceOfOfficialMels() {
        try (CudaContext ctx = CudaContext.open(0); CudaFlowModel model = model(ctx, Gemm.Operands.BF16)) {
            for (int call = 0; call < 2; call++) {   // op by op, then captured as a graph
                FlowFixtures.assertClose("flow_ns_mel BF16 GRAPH, solve " + call, Golden.tensor("flow_ns_mel").toFloats(),
                        model.inference(FlowFixtures.request(50, false, true), Solver.GRAPH, ConditionalFlowMatching.StepObserver.NONE).data(), BF16_MEL_TOL);
                FlowFixtures.assertClose("flow_st1_mel BF16 GRAPH, solve " + call, Golden.tensor("flow_st1_mel").toFloats(),
                        model.inference(FlowFixtures.request(41, true, false), Solver.GRAPH, ConditionalFlowMatching.StepObserver.NONE).data(), BF16_MEL_TOL);
            }
            assertEquals(2, model.capturedGraphs(), "one graph per (T, streaming)");
        }
    }

    @Test
    void requestLongerThanTheFixedNoiseIsRejectedWithItsLength() {
        try (CudaContext ctx = CudaContext.open(0); CudaFlowModel model = model(ctx, Gemm.Operands.FP32)) {
            // the golden noise slice has 124 frames; 60 tokens + 12 prompt tokens need 144
            var e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> model.inference(FlowFixtures.request(60, false, true), Solver.GRAPH, ConditionalFlowMatching.StepObserver.NONE));
            org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("124"), e.getMessage());
        }
    }
}
