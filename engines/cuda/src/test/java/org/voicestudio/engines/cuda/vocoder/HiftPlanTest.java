package org.voicestudio.engines.cuda.vocoder;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.voicestudio.inference.config.ModelConfig.HiftConfig;
import org.voicestudio.inference.loading.ModelFolder;
import org.voicestudio.inference.loading.PtReader;
import org.voicestudio.inference.tensor.StateDict;
import org.voicestudio.inference.testing.Golden;
import org.voicestudio.inference.testing.TinyModelConfig;
import org.voicestudio.inference.vocoder.CausalHift;
import org.voicestudio.inference.vocoder.VocoderNoise;

import java.io.IOException;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.voicestudio.engines.cuda.vocoder.HostF0PredictorTest.goldenMel;

/**
 * The GPU decoder's plan (geometry, weight offsets, buffer hand-offs, the conv index arithmetic of hift.cu)
 * run on the CPU through {@link HostHiftOps} inside the real {@link CausalHift}, against the official tensors.
 */
class HiftPlanTest {
    /** conv_post rows (log-magnitudes ~N(-1, 1), phases): float32 FMAs in another summation order than torch (DJL: 3.1e-6). */
    private static final double CONV_POST_TOL = 2e-5;
    /** fp32 waveform, values up to ~0.34 (DJL: 9e-7). */
    private static final double WAVE_TOL = 1e-5;

    private static ModelFolder folder;
    private static CausalHift hift;
    private static HiftPlan plan;

    @BeforeAll
    static void load() throws IOException {
        folder = TinyModelConfig.open();
        HiftConfig config = folder.config().hift();
        StateDict fused = folder.hiftWeights();
        plan = new HiftPlan(config, HiftPlan.Weights.of(fused));
        try (StateDict raw = PtReader.readStateDict(folder.file("hift.pt"))) {
            hift = new CausalHift(config, new HostF0Predictor(raw, config.inChannels(), config.f0CondChannels()), HostHiftOps.decoder(plan),
                    fused.get("m_source.l_linear.weight", 1, config.nbHarmonics() + 1).toFloats(),
                    fused.get("m_source.l_linear.bias", 1).toFloats()[0],
                    VocoderNoise.of(Golden.tensor("hift_sine_noise"), Golden.tensor("hift_rand_ini")));
        }
    }

    @AfterAll
    static void close() {
        hift.close();
        folder.close();
    }

    static void assertClose(float[] expected, float[] actual, double tol, String what) {
        assertEquals(expected.length, actual.length, what + " length");
        double max = 0;
        int at = -1;
        for (int i = 0; i < expected.length; i++) {
            double d = Math.abs(expected[i] - actual[i]);
            if (!(d <= max)) { max = d; at = i; }
        }
        System.out.printf("%s: max abs difference %.3g at %d%n", what, max, at);
        assertTrue(max <= tol, what + ": max abs difference " + max + " at " + at + " (tolerance " + tol + ")");
    }

    @Test
    void finalCallMatchesOfficialConvPostAndWave() {
        CausalHift.Trace t = hift.trace(goldenMel("flow_ns_mel"), true);
        assertClose(Golden.tensor("hift_a_conv_post").toFloats(), t.convPost(), CONV_POST_TOL, "hift_a_conv_post (host plan)");
        assertClose(Golden.tensor("hift_a_wave").toFloats(), t.audio(), WAVE_TOL, "hift_a_wave (host plan)");
    }

    @Test
    void nonFinalCallUsesConvPreLookAheadLikeOfficial() {
        assertClose(Golden.tensor("hift_c_wave").toFloats(), hift.inference(goldenMel("flow_ns_mel"), false), WAVE_TOL, "hift_c_wave (host plan)");
    }

    @Test
    void weightsArePackedOnceAndTooShortInputIsAClearError() {
        // every decoder weight exactly once (nothing skipped, nothing packed twice), plus the Snake inverses
        long decoderWeights = folder.hiftWeights().keys().stream().filter(k -> !k.startsWith("f0_predictor.") && !k.startsWith("m_source."))
                .mapToLong(k -> folder.hiftWeights().get(k).numel()).sum();
        assertEquals(decoderWeights + snakeInverses(), plan.packedWeights().length);
        var e = assertThrows(IllegalArgumentException.class, () -> plan.decodedFrames(4, false));
        assertTrue(e.getMessage().contains("keeps the last 4 as conv_pre look-ahead"), e.getMessage());
    }

    @Test
    void fullGeometryPlanSizesItsWorkspaceForTheLastStage() {
        java.util.Map<String, int[]> seen = new java.util.HashMap<>();
        HiftPlan full = new HiftPlan(VocoderBench.FULL, (key, shape) -> {
            seen.put(key, shape);
            int n = 1;
            for (int d : shape) n *= d;
            return new float[n];
        });
        // 10 s = 500 mel frames: the last stage holds 64 channels x (120 * 500 + 1) frames, the largest activation
        assertEquals(64L * (120 * 500 + 1), full.workFloats(500));
        assertEquals(List.of(512, 80, 5), java.util.Arrays.stream(seen.get("conv_pre.weight")).boxed().toList());
        assertEquals(List.of(256, 18, 30), java.util.Arrays.stream(seen.get("source_downs.0.weight")).boxed().toList());
        assertEquals(List.of(128, 18, 6), java.util.Arrays.stream(seen.get("source_downs.1.weight")).boxed().toList());
        assertEquals(List.of(64, 18, 1), java.util.Arrays.stream(seen.get("source_downs.2.weight")).boxed().toList());
        assertEquals(List.of(18, 64, 7), java.util.Arrays.stream(seen.get("conv_post.weight")).boxed().toList());
    }

    /** Every Snake alpha is packed twice (alpha and 1 / (alpha + 1e-9)). */
    private static long snakeInverses() {
        return folder.hiftWeights().keys().stream().filter(k -> k.endsWith(".alpha")).mapToLong(k -> folder.hiftWeights().get(k).numel()).sum();
    }
}
