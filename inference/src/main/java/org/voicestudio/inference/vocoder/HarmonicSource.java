package org.voicestudio.inference.vocoder;

import org.voicestudio.inference.config.ModelConfig.HiftConfig;

/**
 * The neural-source-filter excitation of the causal HiFT ({@code SineGen2} +
 * {@code SourceModuleHnNSF}, reference §5): per-frame F0 (Hz) to a source signal of
 * {@code samplesPerFrame} samples per frame.
 *
 * <p>Everything is float32 in the order PyTorch evaluates it, because the phase is a cumulative
 * sum of up to ~1e5 radians: one float32 ulp of phase moves the sine by ~1e-3. The 9 → 1
 * {@code l_linear} mix is 9 multiply-adds per sample, so it is computed here rather than handed to
 * an engine; its weights come from the checkpoint ({@code m_source.l_linear.*}).
 */
public final class HarmonicSource {
    private final int harmonics;          // nb_harmonics + 1 = 9
    private final int upsampleScale;      // prod(upsample_rates) * hop_len = 480
    private final float samplingRate;     // sampling_rate: 24000
    private final float sineAmp;          // nsf_alpha: 0.1
    private final float noiseStd;         // nsf_sigma: 0.003
    private final float voicedThreshold;  // nsf_voiced_threshold: 10
    private final float[] linearWeight;   // m_source.l_linear.weight [1, 9]
    private final float linearBias;       // m_source.l_linear.bias [1]
    private final VocoderNoise noise;

    public HarmonicSource(HiftConfig config, float[] linearWeight, float linearBias, VocoderNoise noise) {
        this.harmonics = config.nbHarmonics() + 1;
        this.upsampleScale = config.samplesPerFrame();
        this.samplingRate = config.samplingRate();
        this.sineAmp = (float) config.nsfAlpha();
        this.noiseStd = (float) config.nsfSigma();
        this.voicedThreshold = (float) config.nsfVoicedThreshold();
        if (linearWeight.length != harmonics) {
            throw new IllegalArgumentException("m_source.l_linear.weight needs " + harmonics + " values (nb_harmonics + 1), got " + linearWeight.length);
        }
        if (noise.harmonics() != harmonics) {
            throw new IllegalArgumentException("vocoder noise has " + noise.harmonics() + " harmonics, the model needs " + harmonics);
        }
        this.linearWeight = linearWeight.clone();
        this.linearBias = linearBias;
        this.noise = noise;
    }

    public int samplesPerFrame() { return upsampleScale; }

    /** Source excitation s: tanh(l_linear(sine_waves)), [frames * 480], without materialising the [L, 9] sine bank. */
    public float[] forward(float[] f0) {
        checkNoiseCovers(f0.length);
        float[] phase = framePhase(f0);                      // [frames, 9], radians * 480
        float[] source = new float[f0.length * upsampleScale];
        float[] sines = new float[harmonics];
        for (int t = 0; t < f0.length; t++) {
            frameSines(phase, t, sines);
            float uv = uv(f0[t]), noiseAmp = noiseAmp(f0[t]);
            for (int j = 0; j < upsampleScale; j++) {
                long s = (long) t * upsampleScale + j;
                float acc = 0f;
                for (int k = 0; k < harmonics; k++) acc += sineWave(sines[k], uv, noiseAmp, s, k) * linearWeight[k];
                source[(int) s] = (float) Math.tanh(acc + linearBias);
            }
        }
        return source;
    }

    /**
     * SineGen2's output {@code sine * uv + noise_amp * sine_waves_noise}, sample-major [L, 9]
     * (L = frames * 480): the input of l_linear.
     */
    public float[] sineWaves(float[] f0) {
        checkNoiseCovers(f0.length);
        float[] phase = framePhase(f0);
        float[] out = new float[f0.length * upsampleScale * harmonics];
        float[] sines = new float[harmonics];
        for (int t = 0; t < f0.length; t++) {
            frameSines(phase, t, sines);
            float uv = uv(f0[t]), noiseAmp = noiseAmp(f0[t]);
            for (int j = 0; j < upsampleScale; j++) {
                long s = (long) t * upsampleScale + j;
                for (int k = 0; k < harmonics; k++) out[(int) (s * harmonics + k)] = sineWave(sines[k], uv, noiseAmp, s, k);
            }
        }
        return out;
    }

    private void checkNoiseCovers(int frames) {
        long length = (long) frames * upsampleScale;
        if (length > noise.length()) {
            throw new IllegalArgumentException("the fixed vocoder noise covers " + noise.length() + " samples; "
                    + frames + " frames need " + length);
        }
    }

    /** sin(phase) * sine_amp per harmonic of frame t: nearest up-sampling keeps it constant over the frame. */
    private void frameSines(float[] phase, int t, float[] out) {
        for (int k = 0; k < harmonics; k++) out[k] = (float) Math.sin(phase[t * harmonics + k]) * sineAmp;
    }

    /** uv = f0 > nsf_voiced_threshold. */
    private float uv(float f0) { return f0 > voicedThreshold ? 1f : 0f; }

    /** uv * noise_std + (1 - uv) * sine_amp / 3, evaluated as PyTorch does for uv in {0, 1}. */
    private float noiseAmp(float f0) { return f0 > voicedThreshold ? noiseStd : (1f * sineAmp) / 3f; }

    private float sineWave(float sine, float uv, float noiseAmp, long sample, int k) {
        return sine * uv + noiseAmp * noise.sineNoise(sample, k);
    }

    /**
     * {@code _f02sine} up to the sine: rad = (k * f0 / sr) mod 1 per sample, rand_ini added to
     * sample 0, linear down-sampling by 1/480 (align_corners=False: output i reads samples
     * 480i + 239 and 480i + 240 with weight 1/2), float32 cumulative sum (PyTorch's CPU cumsum
     * accumulates in float64 and rounds each partial sum), times 2π, times 480 for the nearest
     * up-sampling. Returns [frames, 9].
     */
    float[] framePhase(float[] f0) {
        int frames = f0.length;
        int length = frames * upsampleScale;
        float[] randIni = noise.randIni();
        float[] phase = new float[frames * harmonics];
        float pi = (float) Math.PI;                    // np.pi as a float32 operand
        for (int k = 0; k < harmonics; k++) {
            float harmonic = k + 1;
            double acc = 0;
            for (int i = 0; i < frames; i++) {
                // torch.nn.functional.interpolate(mode="linear", scale_factor=1/480): source index (i + 0.5) * 480 - 0.5
                float src = (i + 0.5f) * upsampleScale - 0.5f;
                int i0 = Math.max(0, (int) Math.floor(src));
                int i1 = Math.min(i0 + 1, length - 1);
                float lambda1 = Math.max(0f, src - i0);
                float lambda0 = 1f - lambda1;
                float rad = lambda0 * rad(f0, harmonic, i0, k, randIni) + lambda1 * rad(f0, harmonic, i1, k, randIni);
                acc += rad;
                float cumsum = (float) acc;
                phase[i * harmonics + k] = cumsum * 2f * pi * upsampleScale;
            }
        }
        return phase;
    }

    /** rad_values at one up-sampled sample: ((f0 * k) / sr) % 1, plus rand_ini at sample 0. */
    private float rad(float[] f0, float harmonic, int sample, int k, float[] randIni) {
        float fn = f0[sample / upsampleScale] * harmonic;
        float r = fn / samplingRate;
        r = r - (float) Math.floor(r);
        return sample == 0 ? r + randIni[k] : r;
    }
}
