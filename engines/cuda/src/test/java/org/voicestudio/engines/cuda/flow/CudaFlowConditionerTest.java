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
import org.voicestudio.inference.flow.ConditionalFlowMatching;
import org.voicestudio.inference.loading.PtReader;
import org.voicestudio.inference.tensor.StateDict;
import org.voicestudio.inference.testing.Golden;

import java.io.IOException;
import java.util.Arrays;

/**
 * GPU: the token embedding + pre-lookahead layer as cuBLAS GEMMs ({@link CudaFlowConditioner}) against the official
 * mu of the non-streaming call and of the first streaming chunk (right context of 3 real tokens), and the whole
 * flow with it against the official mels.
 */
class CudaFlowConditionerTest {
    /**
     * HostFlowConditionerTest's gate for h and mu: fp32 convs of 80 x 4 and 1024 x 3 taps (values up to ~3), only the
     * summation order differs from PyTorch's CPU conv.
     */
    private static final double MU_TOL = 1e-5;
    /** The golden README's fp32 gate for the flow mel (as CudaFlowModelTest.MEL_TOL). */
    private static final double MEL_TOL = 1e-4;

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

    @Test
    void gpuMuMatchesOfficialMuOfTheFinalAndTheFirstStreamingCall() {
        try (CudaContext ctx = CudaContext.open(0);
             CudaFlowModel model = CudaFlowModel.load(ctx, false, FlowFixtures.tinyFlow(), flow, FlowFixtures.goldenNoise(), Gemm.Operands.FP32)) {
            FlowFixtures.assertClose("flow_ns_mu (GPU conditioning)", Golden.tensor("flow_ns_mu").toFloats(),
                    model.gpuMu(FlowFixtures.request(50, false, true)), MU_TOL);
            float[] st1 = Golden.tensor("flow_st1_est_mu").toFloats();   // [2, 80, 100]: row 0 is mu
            FlowFixtures.assertClose("flow_st1_est_mu[0] (GPU conditioning)", Arrays.copyOf(st1, st1.length / 2),
                    model.gpuMu(FlowFixtures.request(41, true, false)), MU_TOL);
            // a shorter request after a longer one reuses the buffers
            FlowFixtures.assertClose("mu of 30 tokens: GPU vs host conditioning", model.condition(FlowFixtures.request(30, false, true)).mu(),
                    model.gpuMu(FlowFixtures.request(30, false, true)), MU_TOL);
        }
    }

    @Test
    void flowWithGpuConditioningMatchesOfficialMels() {
        try (CudaContext ctx = CudaContext.open(0);
             CudaFlowModel model = CudaFlowModel.load(ctx, false, FlowFixtures.tinyFlow(), flow, FlowFixtures.goldenNoise(), Gemm.Operands.FP32)) {
            for (Solver how : new Solver[] {Solver.GRAPH, Solver.DEVICE}) {
                FlowFixtures.assertClose("flow_ns_mel " + how + " + GPU conditioning", Golden.tensor("flow_ns_mel").toFloats(),
                        model.inference(FlowFixtures.request(50, false, true), how, Conditioner.GPU, ConditionalFlowMatching.StepObserver.NONE).data(), MEL_TOL);
                FlowFixtures.assertClose("flow_st1_mel " + how + " + GPU conditioning", Golden.tensor("flow_st1_mel").toFloats(),
                        model.inference(FlowFixtures.request(41, true, false), how, Conditioner.GPU, ConditionalFlowMatching.StepObserver.NONE).data(), MEL_TOL);
                FlowFixtures.assertClose("flow_ns_mel " + how + " + host conditioning", Golden.tensor("flow_ns_mel").toFloats(),
                        model.inference(FlowFixtures.request(50, false, true), how, Conditioner.HOST, ConditionalFlowMatching.StepObserver.NONE).data(), MEL_TOL);
            }
        }
    }
}
