package org.voicestudio.app.cli.parity;

import org.voicestudio.engines.djl.vocoder.DjlVocoder;
import org.voicestudio.inference.audio.Mel;
import org.voicestudio.inference.config.ModelConfig.HiftConfig;
import org.voicestudio.inference.loading.ModelFolder;
import org.voicestudio.inference.tensor.StateDict;
import org.voicestudio.inference.vocoder.HarmonicSource;
import org.voicestudio.inference.vocoder.CausalHift;
import org.voicestudio.inference.vocoder.VocoderNoise;

import java.util.List;

/**
 * {@code hift_*}: the vocoder on the flow's mel ({@code a}: final, {@code c}: non-final) and on the
 * random mel ({@code b}: final, {@code d}: non-final), with F0, source, source STFT, conv_post and
 * waveform where the fixture has them. Runs the DJL vocoder with the fixture's fixed noise
 * ({@code hift_sine_noise}, {@code hift_rand_ini}).
 */
public final class VocoderParity implements ParityGroup {
    /** F0 is computed in float64 as upstream: only rounding differences remain. */
    static final Tolerance F0 = Tolerance.relative(1e-6);
    /** Source and waveform with the exact float32 phase path: 1e-4 absolute (golden README). */
    static final Tolerance AUDIO = Tolerance.absolute(1e-4);
    /** STFT and conv_post values reach tens; compare relative to their peak. */
    static final Tolerance SPECTRAL = Tolerance.relative(1e-4);
    /** The analysis window is a closed formula. */
    static final Tolerance WINDOW = Tolerance.absolute(1e-7);

    @Override public String name() { return "HiFT (djl)"; }

    @Override public List<String> prefixes() { return List.of("hift_"); }

    @Override
    public void run(ModelFolder model, GoldenFixture g) {
        VocoderNoise noise = VocoderNoise.of(g.tensor("hift_sine_noise"), g.tensor("hift_rand_ini"));
        try (DjlVocoder vocoder = new DjlVocoder(model, noise)) {
            if (g.has("flow_ns_mel")) {
                Mel flowMel = g.mel("flow_ns_mel");
                CausalHift.Trace a = vocoder.trace(flowMel, true);
                check(g, "hift_a_", a);
                sineWaves(model, g, "hift_a_sine_waves", a.f0());
                check(g, "hift_c_", vocoder.trace(flowMel, false));
            }
            if (g.has("hift_rand_mel")) {
                Mel rand = g.mel("hift_rand_mel");
                check(g, "hift_b_", vocoder.trace(rand, true));
                check(g, "hift_d_", vocoder.trace(rand, false));
            }
        }
    }

    /** SineGen2's harmonic bank (the input of l_linear) for the trace's F0, as the vocoder's source computes it. */
    private static void sineWaves(ModelFolder model, GoldenFixture g, String name, double[] f0) {
        if (!g.has(name)) return;
        HiftConfig cfg = model.config().hift();
        StateDict w = model.hiftWeights();
        int harmonics = cfg.nbHarmonics() + 1;
        try (VocoderNoise noise = VocoderNoise.of(g.tensor("hift_sine_noise"), g.tensor("hift_rand_ini"))) {
            HarmonicSource source = new HarmonicSource(cfg, w.get("m_source.l_linear.weight", 1, harmonics).toFloats(),
                    w.get("m_source.l_linear.bias", 1).toFloats()[0], noise);
            float[] f0f = new float[f0.length];                  // f0.to(float32), as upstream
            for (int i = 0; i < f0.length; i++) f0f[i] = (float) f0[i];
            float[] sines = source.sineWaves(f0f);               // [L, 9]
            g.compare(name, sines, AUDIO, 1, sines.length / harmonics, harmonics);
        }
    }

    private static void check(GoldenFixture g, String prefix, CausalHift.Trace t) {
        g.compare(prefix + "f0", t.f0(), F0, 1, t.f0().length);
        g.compare(prefix + "source", t.source(), AUDIO, 1, 1, t.source().length);
        int channels = t.sourceStft().length / t.stftFrames();
        g.compare(prefix + "stft", t.sourceStft(), SPECTRAL, 1, channels, t.stftFrames());
        g.compare(prefix + "conv_post", t.convPost(), SPECTRAL, 1, channels, t.stftFrames());
        g.compareWave(prefix + "wave", t.audio(), AUDIO);
    }
}
