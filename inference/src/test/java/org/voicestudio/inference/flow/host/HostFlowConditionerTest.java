package org.voicestudio.inference.flow.host;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.voicestudio.inference.flow.FlowConditioning;
import org.voicestudio.inference.flow.FlowModel.FlowRequest;
import org.voicestudio.inference.loading.PtReader;
import org.voicestudio.inference.tensor.StateDict;
import org.voicestudio.inference.testing.Golden;

import java.io.IOException;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The CUDA flow's host-side conditioning against the official intermediates; runs everywhere (no GPU involved). */
class HostFlowConditionerTest {
    /**
     * One 80 x 192 affine, two convs of 320 and 3 x 64 terms: float32 summed in another order than
     * PyTorch's CPU kernels, so a few ulps of values up to ~4 (golden README: 1e-5 absolute expected for mu).
     */
    private static final double CONDITIONING_TOL = 1e-5;

    private static HostFlowConditioner conditioner;

    @BeforeAll
    static void load() throws IOException {
        try (StateDict flow = PtReader.readStateDict(Golden.tinyModel().resolve("flow.pt"))) {
            conditioner = new HostFlowConditioner(org.voicestudio.inference.testing.TinyModelConfig.config().flow(), new HostWeights.Checkpoint(flow));
        }
    }

    @Test
    void conditioningMatchesEveryOfficialIntermediate() {
        FlowConditioning c = conditioner.condition(request(50, false, true));
        assertClose("flow_ns_spks", Golden.tensor("flow_ns_spks").toFloats(), c.spks(), CONDITIONING_TOL);
        assertArrayEquals(Golden.tensor("flow_ns_token_emb").toFloats(), c.tokenEmbedding(), 0f, "a row lookup is exact");
        assertClose("flow_ns_h", Golden.tensor("flow_ns_h").toFloats(), c.h(), CONDITIONING_TOL);
        assertClose("flow_ns_mu", Golden.tensor("flow_ns_mu").toFloats(), c.mu(), CONDITIONING_TOL);
        assertArrayEquals(Golden.tensor("flow_ns_cond").toFloats(), c.cond(), 0f);
        assertArrayEquals(Golden.tensor("flow_ns_mask").toFloats(), c.mask(), 0f);
    }

    /**
     * A non-final call (the first streaming chunk: 12 + 41 tokens) encodes 50 tokens and uses tokens 50..52 as
     * right context instead of zeros. Those are the very tokens the final 62-token call sees at the same
     * positions, and conv2 is causal, so h must equal the official final call's h on its first 50 rows.
     */
    @Test
    void nonFinalCallUsesTheNextTokensAsRightContext() {
        FlowConditioning c = conditioner.condition(request(41, true, false));
        assertEquals(100, c.layout().frames());
        float[] official = Arrays.copyOf(Golden.tensor("flow_ns_h").toFloats(), 50 * 80);
        assertClose("flow_ns_h[:50] from the 41-token non-final call", official, c.h(), CONDITIONING_TOL);
    }

    @Test
    void finalCallPadsTheLastTokensWithZerosNotTheirSuccessors() {
        FlowConditioning shortFinal = conditioner.condition(request(41, false, true));   // 53 tokens, zero padded
        float[] official = Golden.tensor("flow_ns_h").toFloats();                                   // 62 tokens
        // rows up to 49 see only real tokens in both calls; row 52 sees zeros here, tokens 53..55 there
        assertClose("rows 0..49", Arrays.copyOf(official, 50 * 80), Arrays.copyOf(shortFinal.h(), 50 * 80), CONDITIONING_TOL);
        double rowDiff = 0;
        for (int c = 0; c < 80; c++) rowDiff = Math.max(rowDiff, Math.abs(official[52 * 80 + c] - shortFinal.h()[52 * 80 + c]));
        org.junit.jupiter.api.Assertions.assertTrue(rowDiff > 1e-3, "row 52 must differ (zero right context), max diff " + rowDiff);
    }

    @Test
    void promptMelOfTheWrongLengthIsRejected() {
        FlowRequest ok = request(50, false, true);
        FlowRequest bad = new FlowRequest(ok.tokens(), ok.promptTokens(), ok.promptFeat().slice(0, 20), ok.embedding(), false, true);
        var e = assertThrows(IllegalArgumentException.class, () -> conditioner.condition(bad));
        assertEquals("prompt mel has 20 frames but 12 prompt tokens need exactly 24 (token_mel_ratio 2 frames per token)", e.getMessage());
    }

    @Test
    void speakerEmbeddingOfTheWrongSizeIsRejected() {
        FlowRequest ok = request(50, false, true);
        FlowRequest bad = new FlowRequest(ok.tokens(), ok.promptTokens(), ok.promptFeat(), new float[80], false, true);
        var e = assertThrows(IllegalArgumentException.class, () -> conditioner.condition(bad));
        assertEquals("speaker embedding needs 192 values, got 80", e.getMessage());
    }

    private static FlowRequest request(int tokens, boolean streaming, boolean last) {
        org.voicestudio.inference.tensor.Tensor feat = Golden.tensor("flow_prompt_feat");   // [1, 24, 80] time-major
        return new FlowRequest(Arrays.copyOf(Golden.tensor("flow_token").toInts(), tokens), Golden.tensor("flow_prompt_token").toInts(),
                org.voicestudio.inference.audio.Mel.fromTimeMajor(feat.toFloats(), (int) feat.dim(1), (int) feat.dim(2)),
                Golden.tensor("flow_embedding").toFloats(), streaming, last);
    }

    /** Asserts max |diff| within {@code absTol}; NaN counts as infinitely wrong. */
    private static void assertClose(String what, float[] expected, float[] actual, double absTol) {
        assertEquals(expected.length, actual.length, what + ": length");
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            double d = Math.abs(expected[i] - (double) actual[i]);
            worst = Double.isNaN(d) ? Double.POSITIVE_INFINITY : Math.max(worst, d);
        }
        org.junit.jupiter.api.Assertions.assertTrue(worst <= absTol, what + ": max |diff| " + worst + " > " + absTol);
    }
}
