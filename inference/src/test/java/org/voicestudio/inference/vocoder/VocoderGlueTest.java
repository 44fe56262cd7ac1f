package org.voicestudio.inference.vocoder;

import org.junit.jupiter.api.Test;
import org.voicestudio.inference.tensor.StateDict;
import org.voicestudio.inference.loading.ModelFolder;
import org.voicestudio.inference.testing.Golden;
import org.voicestudio.inference.testing.TinyModelConfig;

import static org.junit.jupiter.api.Assertions.*;

/** The engine-independent HiFT parts against the official intermediates of the golden mel (hift_a_*). */
class VocoderGlueTest {
    // Measured: sine bank 1.5e-8, source 3e-8, STFT 1.2e-7, wave 9e-8. The phase path is exact
    // (same float32 F0, same cumsum rounding); a wrong phase step would show up as ~1e-3.
    /** sin() of the exact float32 phase, float64-rounded here vs SLEEF float32 in torch: ~1 ulp of 0.1. */
    private static final double SINE_WAVES_TOL = 1e-7;
    /** tanh(l_linear) of the above; l_linear's 9-term sum may be accumulated in another order by sgemm. */
    private static final double SOURCE_TOL = 2e-7;
    /** 16-point DFT in float64 rounded once vs PyTorch's float32 FFT on values up to ~1. */
    private static final double STFT_TOL = 1e-6;
    /** iSTFT in float64 vs PyTorch's float32 irfft + overlap-add, waveform values up to ~0.34. */
    private static final double WAVE_TOL = 5e-7;

    static float[] golden(String name) { return Golden.tensor(name).toFloats(); }

    static HarmonicSource goldenSource() {
        try (ModelFolder folder = TinyModelConfig.open()) {
            StateDict w = folder.hiftWeights();
            float[] linW = w.get("m_source.l_linear.weight", 1, 9).toFloats();
            float linB = w.get("m_source.l_linear.bias", 1).toFloats()[0];
            return new HarmonicSource(TinyModelConfig.config().hift(), linW, linB,
                    VocoderNoise.of(Golden.tensor("hift_sine_noise"), Golden.tensor("hift_rand_ini")));
        }
    }

    static float[] f0AsFloat(String name) {
        double[] f0 = Golden.tensor(name).toDoubles();
        float[] f = new float[f0.length];
        for (int i = 0; i < f.length; i++) f[i] = (float) f0[i];
        return f;
    }

    static void assertClose(float[] expected, float[] actual, double tol, String what) {
        assertEquals(expected.length, actual.length, what + " length");
        double max = 0;
        int at = -1;
        for (int i = 0; i < expected.length; i++) {
            double d = Math.abs(expected[i] - actual[i]);
            if (!(d <= max)) { max = d; at = i; }
        }
        assertTrue(max <= tol, what + ": max abs difference " + max + " at " + at + " (tolerance " + tol + ")");
    }

    @Test
    void periodicHannMatchesTheOfficialWindow() {
        assertArrayEquals(golden("hift_stft_window"), Stft16.periodicHann(16), 0f);
    }

    @Test
    void sineBankMatchesOfficialSineGen2OnTheGoldenF0() {
        assertClose(golden("hift_a_sine_waves"), goldenSource().sineWaves(f0AsFloat("hift_a_f0")), SINE_WAVES_TOL, "hift_a_sine_waves");
    }

    @Test
    void sourceMatchesOfficialOnTheGoldenF0() {
        HarmonicSource source = goldenSource();
        assertClose(golden("hift_a_source"), source.forward(f0AsFloat("hift_a_f0")), SOURCE_TOL, "hift_a_source");
        assertClose(golden("hift_b_source"), source.forward(f0AsFloat("hift_b_f0")), SOURCE_TOL, "hift_b_source");
        assertClose(golden("hift_c_source"), source.forward(f0AsFloat("hift_c_f0")), SOURCE_TOL, "hift_c_source");
    }

    @Test
    void randIniHasNoEffectBecauseTheDownsamplingNeverReadsSampleZero() {
        float[] f0 = f0AsFloat("hift_a_f0");
        HarmonicSource withIni = goldenSource();
        float[] noIni = new float[9];
        HarmonicSource without = new HarmonicSource(TinyModelConfig.config().hift(), new float[9], 0f,
                VocoderNoise.of(Golden.tensor("hift_sine_noise"), org.voicestudio.inference.tensor.Tensor.ofFloats(noIni, 1, 9)));
        assertArrayEquals(withIni.framePhase(f0), without.framePhase(f0), 0f);
    }

    @Test
    void sourceStftMatchesOfficial() {
        float[] source = golden("hift_a_source");
        Stft16 stft = new Stft16(16, 4);
        assertEquals(12001, stft.frames(source.length));
        assertClose(golden("hift_a_stft"), stft.forward(source), STFT_TOL, "hift_a_stft");
    }

    @Test
    void inverseStftOfOfficialConvPostGivesTheOfficialWaveform() {
        float[] audio = new InverseStft16(16, 4).forward(golden("hift_a_conv_post"), 12001);
        for (int i = 0; i < audio.length; i++) audio[i] = Math.clamp(audio[i], -0.99f, 0.99f);
        assertClose(golden("hift_a_wave"), audio, WAVE_TOL, "hift_a_wave");
    }

    @Test
    void seededNoiseIsUniformDeterministicAndRandomAccess() {
        VocoderNoise a = VocoderNoise.seeded(7, 9), b = VocoderNoise.seeded(7, 9), c = VocoderNoise.seeded(8, 9);
        double sum = 0;
        int n = 90_000;
        for (int i = 0; i < n; i++) {
            float v = a.sineNoise(i / 9, i % 9);
            assertTrue(v >= 0f && v < 1f, "uniform [0, 1)");
            sum += v;
        }
        assertEquals(0.5, sum / n, 0.01, "mean of uniform noise");
        assertEquals(a.sineNoise(123_456_789L, 4), b.sineNoise(123_456_789L, 4));
        assertNotEquals(a.sineNoise(5, 4), c.sineNoise(5, 4));
        assertEquals(0f, a.randIni()[0], "the fundamental has no initial phase");
    }

    @Test
    void exportedNoiseInTheModelFolderIsPreferredOverSeededNoise(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        var sine = org.voicestudio.inference.tensor.Tensor.ofFloats(golden("hift_sine_noise"), 1, 48000, 9);
        var ini = org.voicestudio.inference.tensor.Tensor.ofFloats(golden("hift_rand_ini"), 1, 9);
        org.voicestudio.inference.tensor.SafeTensors.write(dir.resolve(VocoderNoise.FILE_NAME),
                java.util.Map.of("sine_waves", sine, "rand_ini", ini), java.util.Map.of());
        try (VocoderNoise loaded = VocoderNoise.forModelFolder(dir, 1, 9)) {
            assertInstanceOf(VocoderNoise.Mapped.class, loaded);
            assertEquals(48000, loaded.length());
            assertEquals(golden("hift_sine_noise")[47999 * 9 + 8], loaded.sineNoise(47999, 8));
            assertArrayEquals(golden("hift_rand_ini"), loaded.randIni());
        }
        try (VocoderNoise seeded = VocoderNoise.forModelFolder(dir.resolve("elsewhere"), 1, 9)) {
            assertInstanceOf(VocoderNoise.Seeded.class, seeded);
        }
    }

    @Test
    void tooShortFixedNoiseIsAClearError() {
        HarmonicSource source = goldenSource();
        var e = assertThrows(IllegalArgumentException.class, () -> source.forward(new float[101]));
        assertTrue(e.getMessage().contains("48000"), e.getMessage());
    }
}
