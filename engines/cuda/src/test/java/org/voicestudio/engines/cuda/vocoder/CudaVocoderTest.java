package org.voicestudio.engines.cuda.vocoder;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.voicestudio.engines.cuda.CudaContext;
import org.voicestudio.engines.cuda.CudaEngine;
import org.voicestudio.engines.cuda.CudaProbe;
import org.voicestudio.engines.cuda.CudaTesting;
import org.voicestudio.inference.audio.Mel;
import org.voicestudio.inference.loading.ModelFolder;
import org.voicestudio.inference.testing.Golden;
import org.voicestudio.inference.testing.TinyModelConfig;
import org.voicestudio.inference.vocoder.CausalHift;
import org.voicestudio.inference.vocoder.Vocoder;
import org.voicestudio.inference.vocoder.VocoderNoise;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.voicestudio.engines.cuda.vocoder.HostF0PredictorTest.goldenMel;

/**
 * GPU parity of {@code CausalHiFTGenerator.inference} against the official CPU tensors of cv3-tiny, with the golden
 * {@code hift_sine_noise}/{@code hift_rand_ini} injected as {@code DjlVocoderTest} does: the all-GPU path
 * ({@link CudaVocoder.Glue#GPU}: float64 F0, source, STFTs on the device; GEMM convolutions) in every test, the
 * previous path ({@link CudaVocoder.Glue#HOST}: host F0 and {@link CausalHift} glue around the GPU decoder with the
 * direct conv kernel) and the GPU glue with direct convs in the last ones.
 */
class CudaVocoderTest {
    /** conv_post rows (log-magnitudes ~N(-1, 1), phases): fp32 FMAs in another summation order than torch's CPU convs (DJL: 3.1e-6). */
    private static final double CONV_POST_TOL = 2e-5;
    /** fp32 waveform, values up to ~0.34 (DJL: 9e-7). */
    private static final double WAVE_TOL = 1e-5;
    /** float64 F0 (DGEMM), relative with a 1e-3 Hz floor: summation order only. */
    private static final double F0_REL_TOL = 1e-9;
    /** Source: the host glue's float32 steps bit for bit; sin/tanh in float64 rounded to float32, ~1 ulp of values <= 1 (VocoderGlueTest: 2e-7). */
    private static final double SOURCE_TOL = 2e-7;
    /** 16-point DFT in float64 rounded once vs PyTorch's float32 FFT (VocoderGlueTest: 1e-6). */
    private static final double STFT_TOL = 1e-6;

    private static ModelFolder folder;
    private static CudaContext ctx;
    private static CudaVocoder vocoder;
    private static CudaVocoder hostGlue;

    @BeforeEach
    void needsGpu() { CudaTesting.assumeCudaDevice(); }

    @BeforeAll
    static void load() {
        if (!CudaProbe.probe().available()) return;
        folder = TinyModelConfig.open();
        ctx = CudaContext.open(0);
        vocoder = CudaVocoder.load(ctx, false, folder, goldenNoise(), CudaVocoder.Glue.GPU, CudaHiftDecoder.Convs.GEMM);
        hostGlue = CudaVocoder.load(ctx, false, folder, goldenNoise(), CudaVocoder.Glue.HOST, CudaHiftDecoder.Convs.DIRECT);
    }

    private static VocoderNoise goldenNoise() { return VocoderNoise.of(Golden.tensor("hift_sine_noise"), Golden.tensor("hift_rand_ini")); }

    @AfterAll
    static void close() {
        if (vocoder != null) vocoder.close();
        if (hostGlue != null) hostGlue.close();
        if (ctx != null) ctx.close();
        if (folder != null) folder.close();
    }

    private static void assertClose(float[] expected, float[] actual, double tol, String what) {
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
    void finalCallOnTheFlowMelMatchesOfficialConvPostAndWave() {
        CausalHift.Trace t = vocoder.trace(goldenMel("flow_ns_mel"), true);
        assertClose(Golden.tensor("hift_a_conv_post").toFloats(), t.convPost(), CONV_POST_TOL, "hift_a_conv_post");
        assertClose(Golden.tensor("hift_a_wave").toFloats(), t.audio(), WAVE_TOL, "hift_a_wave");
    }

    @Test
    void finalCallOnARandomMelMatchesOfficial() {
        assertClose(Golden.tensor("hift_b_wave").toFloats(), vocoder.inference(goldenMel("hift_rand_mel"), true), WAVE_TOL, "hift_b_wave");
    }

    @Test
    void nonFinalCallHoldsBackEightFramesLikeOfficial() {
        float[] c = vocoder.inference(goldenMel("flow_ns_mel"), false);
        assertEquals((100 - 8) * 480, c.length);
        assertClose(Golden.tensor("hift_c_wave").toFloats(), c, WAVE_TOL, "hift_c_wave");
        assertClose(Golden.tensor("hift_d_wave").toFloats(), vocoder.inference(goldenMel("hift_rand_mel"), false), WAVE_TOL, "hift_d_wave");
    }

    @Test
    void streamingCallsReproduceTheOfficialToken2wavVocoderOutputs() {
        // token2wav re-runs HiFT on all mel so far: non-final on 76 frames, then final on 100 (the workspace is reused, then grown)
        assertClose(Golden.tensor("e2e_st1_hift_out").toFloats(), vocoder.inference(goldenMel("e2e_st1_hift_in"), false), WAVE_TOL, "e2e_st1_hift_out");
        assertClose(Golden.tensor("e2e_st2_hift_out").toFloats(), vocoder.inference(goldenMel("e2e_st2_hift_in"), true), WAVE_TOL, "e2e_st2_hift_out");
    }

    @Test
    void gpuGlueIntermediatesMatchOfficialF0SourceAndStft() {
        CausalHift.Trace t = vocoder.trace(goldenMel("flow_ns_mel"), true);
        double[] f0 = Golden.tensor("hift_a_f0").toDoubles();
        assertEquals(f0.length, t.f0().length, "hift_a_f0 length");
        double rel = 0;
        for (int i = 0; i < f0.length; i++) rel = Math.max(rel, Math.abs(f0[i] - t.f0()[i]) / Math.max(1e-3, Math.abs(f0[i])));
        System.out.printf("hift_a_f0 (GPU glue): max relative difference %.3g%n", rel);
        assertTrue(rel <= F0_REL_TOL, "hift_a_f0: max relative difference " + rel + " (tolerance " + F0_REL_TOL + ")");
        assertClose(Golden.tensor("hift_a_source").toFloats(), t.source(), SOURCE_TOL, "hift_a_source");
        assertClose(Golden.tensor("hift_a_stft").toFloats(), t.sourceStft(), STFT_TOL, "hift_a_stft");
        CausalHift.Trace c = vocoder.trace(goldenMel("flow_ns_mel"), false);
        assertClose(Golden.tensor("hift_c_source").toFloats(), c.source(), SOURCE_TOL, "hift_c_source");
        assertEquals(120 * (100 - 3) + 1 - 480, c.stftFrames(), "non-final source STFT frames (trimmed by 480)");
    }

    @Test
    void hostGluePathStillMatchesOfficial() {
        assertEquals(CudaVocoder.Glue.HOST, hostGlue.glue());
        CausalHift.Trace t = hostGlue.trace(goldenMel("flow_ns_mel"), true);
        assertClose(Golden.tensor("hift_a_conv_post").toFloats(), t.convPost(), CONV_POST_TOL, "hift_a_conv_post (host glue)");
        assertClose(Golden.tensor("hift_a_wave").toFloats(), t.audio(), WAVE_TOL, "hift_a_wave (host glue)");
        assertClose(Golden.tensor("hift_c_wave").toFloats(), hostGlue.inference(goldenMel("flow_ns_mel"), false), WAVE_TOL, "hift_c_wave (host glue)");
        assertClose(Golden.tensor("e2e_st1_hift_out").toFloats(), hostGlue.inference(goldenMel("e2e_st1_hift_in"), false), WAVE_TOL, "e2e_st1_hift_out (host glue)");
    }

    @Test
    void gpuGlueWithDirectConvsMatchesOfficial() {
        try (CudaVocoder direct = CudaVocoder.load(ctx, false, folder, goldenNoise(), CudaVocoder.Glue.GPU, CudaHiftDecoder.Convs.DIRECT)) {
            CausalHift.Trace t = direct.trace(goldenMel("flow_ns_mel"), true);
            assertClose(Golden.tensor("hift_a_conv_post").toFloats(), t.convPost(), CONV_POST_TOL, "hift_a_conv_post (GPU glue, direct convs)");
            assertClose(Golden.tensor("hift_a_wave").toFloats(), t.audio(), WAVE_TOL, "hift_a_wave (GPU glue, direct convs)");
            assertClose(Golden.tensor("hift_d_wave").toFloats(), direct.inference(goldenMel("hift_rand_mel"), false), WAVE_TOL, "hift_d_wave (GPU glue, direct convs)");
        }
    }

    /** An all-GPU vocoder with GEMM convs and the given replay, over the tiny model and the golden noise. */
    private static CudaCausalHift gpuHift(CudaCausalHift.Replay replay) throws java.io.IOException {
        var config = folder.config().hift();
        var fused = folder.hiftWeights();
        try (var raw = org.voicestudio.inference.loading.PtReader.readStateDict(folder.file("hift.pt"))) {
            var host = new HostF0Predictor(raw, config.inChannels(), config.f0CondChannels());
            return new CudaCausalHift(ctx, config, new CudaF0Predictor(ctx, host), new CudaHiftDecoder(ctx, config, fused, CudaHiftDecoder.Convs.GEMM),
                    fused.get("m_source.l_linear.weight", 1, config.nbHarmonics() + 1).toFloats(), fused.get("m_source.l_linear.bias", 1).toFloats()[0],
                    goldenNoise(), replay);
        }
    }

    @Test
    void replayedCallShapesStayCorrectWhenTheWorkspaceGrowsBetweenThem() throws Exception {
        for (CudaCausalHift.Replay replay : CudaCausalHift.Replay.values()) {
            try (CudaCausalHift h = gpuHift(replay)) {
                for (int round = 0; round < 2; round++) {   // 40 frames, then 100 (the buffers grow), then both again (replayed)
                    String tag = " (" + replay + ", round " + round + ")";
                    assertClose(Golden.tensor("hift_b_wave").toFloats(), h.inference(goldenMel("hift_rand_mel"), true), WAVE_TOL, "hift_b_wave" + tag);
                    assertClose(Golden.tensor("hift_a_wave").toFloats(), h.inference(goldenMel("flow_ns_mel"), true), WAVE_TOL, "hift_a_wave" + tag);
                    assertClose(Golden.tensor("hift_c_wave").toFloats(), h.inference(goldenMel("flow_ns_mel"), false), WAVE_TOL, "hift_c_wave" + tag);
                }
                if (replay == CudaCausalHift.Replay.GRAPH) System.out.println("graph capture: " + (h.graphFailure() == null ? "ok" : h.graphFailure()));
                assertEquals(null, h.graphFailure(), "CUDA graph capture of the vocoder failed (the ops were replayed instead)");
            }
        }
    }

    @Test
    void fixedNoiseShorterThanTheCallIsAClearError() {
        // the golden noise covers 48000 samples = 100 frames
        var e = assertThrows(IllegalArgumentException.class, () -> vocoder.inference(new Mel(80, 101, new float[80 * 101]), true));
        assertTrue(e.getMessage().contains("fixed vocoder noise covers 48000 samples"), e.getMessage());
    }

    @Test
    void wrongChannelCountIsAClearError() {
        var e = assertThrows(IllegalArgumentException.class, () -> vocoder.inference(new Mel(81, 10, new float[810]), true));
        assertTrue(e.getMessage().contains("80 mel channels"), e.getMessage());
    }

    @Test
    void engineLoadsTheVocoderFromAModelFolder() {
        try (Vocoder v = new CudaEngine().loadVocoder(folder)) {
            float[] audio = v.inference(goldenMel("flow_ns_mel").slice(0, 20), true);
            assertEquals(20 * 480, audio.length);
            for (float s : audio) assertTrue(Math.abs(s) <= 0.99f && Float.isFinite(s), "sample " + s);
        }
    }
}
