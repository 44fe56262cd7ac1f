package org.voicestudio.engines.djl.flow;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.voicestudio.inference.audio.Mel;
import org.voicestudio.inference.flow.FlowConditioning;
import org.voicestudio.inference.flow.FlowModel.FlowRequest;
import org.voicestudio.inference.flow.FlowNoise;
import org.voicestudio.inference.loading.ModelFolder;
import org.voicestudio.inference.tensor.Tensor;
import org.voicestudio.inference.testing.Golden;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class DjlFlowModelTest {
    /** Embedding lookup, one linear, two small convs: fp32 rounding only. */
    private static final double CONDITIONING_REL_TOL = 1e-6;
    /** 10 Euler steps of 2 DiT calls each; README: 1e-5 absolute expected, values up to ~6. */
    private static final double MEL_REL_TOL = 1e-5;

    private static ModelFolder folder;
    private static DjlFlowModel model;
    private static Mel firstChunk;

    @BeforeAll
    static void load() throws Exception {
        folder = ModelFolder.open(Golden.tinyModel());   // cosyvoice3.yaml through the config reader
        model = new DjlFlowModel(folder, FlowNoise.of(Golden.tensor("flow_rand_noise"), "golden flow_rand_noise"));
    }

    @AfterAll
    static void close() {
        model.close();
        folder.close();
    }

    private static int[] ints(String name) { return Golden.tensor(name).toInts(); }

    private static FlowRequest request(int tokens, boolean streaming, boolean last) {
        Tensor feat = Golden.tensor("flow_prompt_feat");   // [1, 24, 80] time-major
        return new FlowRequest(Arrays.copyOf(ints("flow_token"), tokens), ints("flow_prompt_token"),
                Mel.fromTimeMajor(feat.toFloats(), (int) feat.dim(1), (int) feat.dim(2)),
                Golden.tensor("flow_embedding").toFloats(), streaming, last);
    }

    @Test
    void conditioningMatchesEveryOfficialIntermediate() {
        FlowConditioning c = model.condition(request(50, false, true));
        Close.assertClose("flow_ns_spks", Golden.tensor("flow_ns_spks").toFloats(), c.spks(), CONDITIONING_REL_TOL);
        Close.assertClose("flow_ns_token_emb", Golden.tensor("flow_ns_token_emb").toFloats(), c.tokenEmbedding(), 0);
        Close.assertClose("flow_ns_h", Golden.tensor("flow_ns_h").toFloats(), c.h(), CONDITIONING_REL_TOL);
        Close.assertClose("flow_ns_mu", Golden.tensor("flow_ns_mu").toFloats(), c.mu(), CONDITIONING_REL_TOL);
        assertArrayEquals(Golden.tensor("flow_ns_cond").toFloats(), c.cond(), 0f);
        assertArrayEquals(Golden.tensor("flow_ns_mask").toFloats(), c.mask(), 0f);
    }

    @Test
    void nonStreamingFinalCallMatchesOfficialMelAndEveryEulerState() {
        float[] xSteps = Golden.tensor("flow_ns_x_steps").toFloats();   // [10, 80, 124]
        float[] ts = Golden.tensor("flow_ns_t").toFloats();
        int plane = 80 * 124;
        int[] seen = {0};
        long start = System.nanoTime();
        Mel mel = model.inference(request(50, false, true), (step, t, x, out) -> {
            assertEquals(ts[step], t, 0f, "t at step " + step);
            Close.assertClose("flow_ns_x_steps[" + step + "]", Arrays.copyOfRange(xSteps, step * plane, (step + 1) * plane), x, MEL_REL_TOL);
            seen[0]++;
        });
        System.out.printf("flow_ns_mel inference (12 prompt + 50 tokens, 10 steps): %.1f ms%n", (System.nanoTime() - start) / 1e6);
        assertEquals(10, seen[0]);
        assertEquals(100, mel.frames());
        Close.assertClose("flow_ns_mel", Golden.tensor("flow_ns_mel").toFloats(), mel.data(), MEL_REL_TOL);
    }

    /** The first call of the streaming scheduler: 41 tokens, block-causal attention, not final (computed once, used twice). */
    private static synchronized Mel firstChunk() {
        if (firstChunk == null) firstChunk = model.inference(request(41, true, false));
        return firstChunk;
    }

    @Test
    void streamingFirstChunkMatchesOfficialMel() {
        Mel mel = firstChunk();
        assertEquals(76, mel.frames());
        Close.assertClose("flow_st1_mel", Golden.tensor("flow_st1_mel").toFloats(), mel.data(), MEL_REL_TOL);
    }

    /**
     * The property the streaming scheduler relies on (flow.py's own self-check): with the block-causal mask,
     * fixed noise and causal convolutions, a non-final chunk reproduces the frames a longer streaming call
     * computes for the same positions.
     */
    @Test
    void streamingChunkReproducesTheLongerStreamingCallOnItsFrames() {
        Mel chunk = firstChunk();                                   // 38 kept tokens + 3 of right context
        Mel whole = model.inference(request(50, true, true));      // same prefix, all 50 tokens
        Close.assertClose("first 76 frames", chunk.data(), whole.slice(0, chunk.frames()).data(), MEL_REL_TOL);
    }

    /**
     * Without an exported noise tensor in the folder the model draws its own seeded noise, which follows
     * torch's CPU randn to within one float32 ulp; the official mel must still come out.
     */
    @Test
    void ownSeededNoiseReproducesOfficialMelWithoutAnExportedTensor() {
        try (DjlFlowModel own = new DjlFlowModel(folder)) {
            assertEquals(FlowNoise.OFFICIAL_FRAMES, own.noise().length());
            Close.assertClose("flow_ns_mel (seeded noise)", Golden.tensor("flow_ns_mel").toFloats(), own.inference(request(50, false, true)).data(), MEL_REL_TOL);
        }
    }

    @Test
    void promptMelOfTheWrongLengthIsRejected() {
        FlowRequest ok = request(50, false, true);
        FlowRequest bad = new FlowRequest(ok.tokens(), ok.promptTokens(), ok.promptFeat().slice(0, 20), ok.embedding(), false, true);
        var e = assertThrows(IllegalArgumentException.class, () -> model.inference(bad));
        assertEquals("prompt mel has 20 frames but 12 prompt tokens need exactly 24 (token_mel_ratio 2 frames per token)", e.getMessage());
    }

    @Test
    void requestLongerThanTheNoiseIsRejected() {
        FlowRequest ok = request(50, false, true);
        int[] tokens = Arrays.copyOf(ok.tokens(), 51);   // T = 2 * (12 + 51) = 126 > the 124 injected frames
        var e = assertThrows(IllegalArgumentException.class,
                () -> model.inference(new FlowRequest(tokens, ok.promptTokens(), ok.promptFeat(), ok.embedding(), false, true)));
        assertEquals("flow needs 126 noise frames (prompt + target mel) but golden flow_rand_noise has 124 (2 s at 50 frames/s); shorten the text or the prompt",
                e.getMessage());
    }

    @Test
    void emptyTokensAreRejected() {
        FlowRequest ok = request(50, false, true);
        var e = assertThrows(IllegalArgumentException.class,
                () -> model.inference(new FlowRequest(new int[0], ok.promptTokens(), ok.promptFeat(), ok.embedding(), false, true)));
        assertEquals("flow request has no speech tokens to synthesize", e.getMessage());
    }
}
