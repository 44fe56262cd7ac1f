package org.voicestudio.engines.djl.vocoder;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.voicestudio.inference.audio.Mel;
import org.voicestudio.inference.loading.ModelFolder;
import org.voicestudio.inference.tensor.Tensor;
import org.voicestudio.inference.testing.Golden;
import org.voicestudio.inference.testing.TinyModelConfig;
import org.voicestudio.inference.vocoder.CausalHift;
import org.voicestudio.inference.vocoder.VocoderNoise;

import static org.junit.jupiter.api.Assertions.*;

/** DjlVocoder against CausalHiFTGenerator.inference on the cv3-tiny fixture (hift_a..d_*). */
class DjlVocoderTest {
    // Measured on CPU: F0 5e-14 relative, source 3e-8, conv_post 3.1e-6, waveform 9e-7 abs.
    /** F0 in float64 with float64-fused weights: only summation order differs from torch (relative). */
    private static final double F0_REL_TOL = 1e-9;
    /** Source from the float32-rounded F0: the exact phase path (a wrong F0 ulp would give ~1e-3). */
    private static final double SOURCE_TOL = 2e-7;
    /** Source STFT: float64 16-point DFT rounded once vs torch's float32 FFT. */
    private static final double STFT_TOL = 1e-6;
    /** conv_post rows (log-magnitudes ~N(-1, 1), phases): float32 convolutions in another summation order. */
    private static final double CONV_POST_TOL = 2e-5;
    /** fp32 waveform, values up to ~0.34. */
    private static final double WAVE_TOL = 1e-5;

    private static ModelFolder folder;
    private static DjlVocoder vocoder;

    @BeforeAll
    static void load() {
        folder = TinyModelConfig.open();
        vocoder = new DjlVocoder(folder, VocoderNoise.of(Golden.tensor("hift_sine_noise"), Golden.tensor("hift_rand_ini")));
    }

    @AfterAll
    static void close() {
        vocoder.close();
        folder.close();
    }

    private static Mel goldenMel(String name) {
        Tensor t = Golden.tensor(name);
        return new Mel((int) t.dim(1), (int) t.dim(2), t.toFloats());
    }

    private static void assertClose(float[] expected, float[] actual, double tol, String what) {
        assertEquals(expected.length, actual.length, what + " length");
        double max = 0;
        int at = -1;
        for (int i = 0; i < expected.length; i++) {
            double d = Math.abs(expected[i] - actual[i]);
            if (!(d <= max)) { max = d; at = i; }
        }
        assertTrue(max <= tol, what + ": max abs difference " + max + " at " + at + " (tolerance " + tol + ")");
    }

    private static void assertF0(String name, double[] actual) {
        double[] expected = Golden.tensor(name).toDoubles();
        assertEquals(expected.length, actual.length, name + " length");
        double max = 0;
        for (int i = 0; i < expected.length; i++) max = Math.max(max, Math.abs(expected[i] - actual[i]) / Math.max(1e-3, Math.abs(expected[i])));
        assertTrue(max <= F0_REL_TOL, name + ": max relative difference " + max + " (tolerance " + F0_REL_TOL + ")");
    }

    @Test
    void finalCallOnTheFlowMelMatchesEveryOfficialIntermediate() {
        CausalHift.Trace t = vocoder.trace(goldenMel("flow_ns_mel"), true);
        assertF0("hift_a_f0", t.f0());
        assertClose(Golden.tensor("hift_a_source").toFloats(), t.source(), SOURCE_TOL, "hift_a_source");
        assertClose(Golden.tensor("hift_a_stft").toFloats(), t.sourceStft(), STFT_TOL, "hift_a_stft");
        assertClose(Golden.tensor("hift_a_conv_post").toFloats(), t.convPost(), CONV_POST_TOL, "hift_a_conv_post");
        assertClose(Golden.tensor("hift_a_wave").toFloats(), t.audio(), WAVE_TOL, "hift_a_wave");
    }

    @Test
    void finalCallOnARandomMelMatchesOfficial() {
        CausalHift.Trace t = vocoder.trace(goldenMel("hift_rand_mel"), true);
        assertF0("hift_b_f0", t.f0());
        assertClose(Golden.tensor("hift_b_source").toFloats(), t.source(), SOURCE_TOL, "hift_b_source");
        assertClose(Golden.tensor("hift_b_wave").toFloats(), t.audio(), WAVE_TOL, "hift_b_wave");
    }

    @Test
    void nonFinalCallHoldsBackEightFramesLikeOfficial() {
        CausalHift.Trace c = vocoder.trace(goldenMel("flow_ns_mel"), false);
        assertF0("hift_c_f0", c.f0());
        assertClose(Golden.tensor("hift_c_source").toFloats(), c.source(), SOURCE_TOL, "hift_c_source");
        assertClose(Golden.tensor("hift_c_wave").toFloats(), c.audio(), WAVE_TOL, "hift_c_wave");
        assertEquals((100 - 8) * 480, c.audio().length);

        CausalHift.Trace d = vocoder.trace(goldenMel("hift_rand_mel"), false);
        assertF0("hift_d_f0", d.f0());
        assertClose(Golden.tensor("hift_d_wave").toFloats(), d.audio(), WAVE_TOL, "hift_d_wave");
    }

    @Test
    void streamingCallsReproduceTheOfficialToken2wavVocoderOutputs() {
        // token2wav re-runs HiFT on all mel so far: non-final on 76 frames, then final on 100
        assertClose(Golden.tensor("e2e_st1_hift_out").toFloats(), vocoder.inference(goldenMel("e2e_st1_hift_in"), false), WAVE_TOL, "e2e_st1_hift_out");
        assertClose(Golden.tensor("e2e_st2_hift_out").toFloats(), vocoder.inference(goldenMel("e2e_st2_hift_in"), true), WAVE_TOL, "e2e_st2_hift_out");
    }

    @Test
    void wrongChannelCountIsAClearError() {
        var e = assertThrows(IllegalArgumentException.class, () -> vocoder.inference(new Mel(81, 10, new float[810]), true));
        assertTrue(e.getMessage().contains("80 mel channels"), e.getMessage());
    }

    @Test
    void tooFewFramesForANonFinalCallIsAClearError() {
        var e = assertThrows(IllegalArgumentException.class, () -> vocoder.inference(new Mel(80, 7, new float[560]), false));
        assertTrue(e.getMessage().contains("at least 8 mel frames"), e.getMessage());
    }

    @Test
    void seededNoiseStillReproducesEarlierSamplesWhenTheMelGrows() {
        try (DjlVocoder own = new DjlVocoder(folder)) {
            Mel mel = goldenMel("flow_ns_mel").slice(0, 24);
            float[] part = own.inference(mel.slice(0, 16), false);   // (16 - 8) * 480 samples
            float[] full = own.inference(mel, true);
            assertEquals(8 * 480, part.length);
            for (int i = 0; i < part.length; i++) assertEquals(full[i], part[i], WAVE_TOL, "sample " + i);
        }
    }
}
