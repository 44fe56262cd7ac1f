package org.voicestudio.engines.tensorrt;

import org.junit.jupiter.api.Test;
import org.voicestudio.inference.audio.Mel;
import org.voicestudio.inference.flow.FlowConditioning;
import org.voicestudio.inference.flow.FlowModel.FlowRequest;
import org.voicestudio.inference.loading.ModelFolder;
import org.voicestudio.inference.tensor.Tensor;
import org.voicestudio.inference.testing.Golden;

import java.io.IOException;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.*;

class FlowConditionerTest {
    /** fp32 sums over 192 / 64x80x4 / 64x3 terms in another order than PyTorch's kernels. */
    private static final double CONDITIONING_REL_TOL = 1e-5;

    private static int[] ints(String name) { return Golden.tensor(name).toInts(); }

    private static FlowRequest request(int tokens, boolean streaming, boolean last) {
        Tensor feat = Golden.tensor("flow_prompt_feat");   // [1, 24, 80] time-major
        return new FlowRequest(Arrays.copyOf(ints("flow_token"), tokens), ints("flow_prompt_token"),
                Mel.fromTimeMajor(feat.toFloats(), (int) feat.dim(1), (int) feat.dim(2)), Golden.tensor("flow_embedding").toFloats(), streaming, last);
    }

    private static void assertClose(String what, float[] expected, float[] actual, double tol) {
        assertEquals(expected.length, actual.length, what);
        double maxRef = 0, maxDiff = 0;
        for (int i = 0; i < expected.length; i++) {
            maxRef = Math.max(maxRef, Math.abs(expected[i]));
            maxDiff = Math.max(maxDiff, Math.abs(expected[i] - (double) actual[i]));
        }
        assertTrue(maxDiff / maxRef <= tol, what + ": max |diff| " + maxDiff + " of max |ref| " + maxRef);
    }

    @Test
    void nonStreamingConditioningMatchesOfficialTensors() throws IOException {
        try (ModelFolder folder = ModelFolder.open(Golden.tinyModel())) {
            FlowConditioning c = new FlowConditioner(folder.flowWeights(), folder.config().flow()).condition(request(50, false, true));
            assertClose("flow_ns_spks", Golden.tensor("flow_ns_spks").toFloats(), c.spks(), CONDITIONING_REL_TOL);
            assertArrayEquals(Golden.tensor("flow_ns_token_emb").toFloats(), c.tokenEmbedding(), 0f);
            assertClose("flow_ns_h", Golden.tensor("flow_ns_h").toFloats(), c.h(), CONDITIONING_REL_TOL);
            assertClose("flow_ns_mu", Golden.tensor("flow_ns_mu").toFloats(), c.mu(), CONDITIONING_REL_TOL);
            assertArrayEquals(Golden.tensor("flow_ns_cond").toFloats(), c.cond(), 0f);
        }
    }

    @Test
    void streamingChunkConditioningMatchesTheEstimatorInputOfTheFirstChunk() throws IOException {
        try (ModelFolder folder = ModelFolder.open(Golden.tinyModel())) {
            // flow_st1: 41 tokens, not final: the last 3 are right context only -> T = 2 (12 + 38) = 100
            FlowConditioning c = new FlowConditioner(folder.flowWeights(), folder.config().flow()).condition(request(41, true, false));
            assertEquals(100, c.layout().frames());
            float[] mu2 = Golden.tensor("flow_st1_est_mu").toFloats();   // [2, 80, 100], row 0 conditional
            assertClose("flow_st1_est_mu[0]", Arrays.copyOf(mu2, 80 * 100), c.mu(), CONDITIONING_REL_TOL);
        }
    }

    @Test
    void tokenOutsideTheVocabularyIsAClearError() throws IOException {
        try (ModelFolder folder = ModelFolder.open(Golden.tinyModel())) {
            FlowConditioner fc = new FlowConditioner(folder.flowWeights(), folder.config().flow());
            FlowRequest r = request(50, false, true);
            r.tokens()[5] = 7000;
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> fc.condition(r));
            assertTrue(e.getMessage().contains("7000"), e.getMessage());
        }
    }
}
