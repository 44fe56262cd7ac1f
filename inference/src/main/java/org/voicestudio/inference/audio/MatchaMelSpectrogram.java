package org.voicestudio.inference.audio;

import org.jtransforms.fft.DoubleFFT_1D;
import org.voicestudio.inference.config.ModelConfig.MelConfig;

/**
 * Matcha-TTS {@code mel_spectrogram} with the model's {@code feat_extractor} parameters
 * (reference §2.6; CosyVoice3: n_fft 1920, hop 480, win 1920, 80 mels, fmin 0, fmax None,
 * center False): reflect padding of (n_fft - hop) / 2 on both sides, periodic Hann STFT,
 * magnitude sqrt(re² + im² + 1e-9), Slaney mel filterbank, ln(max(x, 1e-5)).
 * floor(N / hop) frames; {@link Mel#toTimeMajor()} gives the (T, 80) layout of prompt_speech_feat.
 */
public final class MatchaMelSpectrogram {
    private static final float MAGNITUDE_EPS = 1e-9f;
    private static final float LOG_FLOOR = 1e-5f;

    private final MelConfig config;
    private final float[] melBasis;   // [numMels, nFft / 2 + 1]
    private final double[] window;    // win_size periodic Hann, centred in n_fft

    public MatchaMelSpectrogram(MelConfig config) {
        if (config.center()) throw new IllegalArgumentException("CosyVoice's feat_extractor uses center=False; center=True is not supported");
        this.config = config;
        this.melBasis = SlaneyMelFilterbank.create(config.samplingRate(), config.nFft(), config.numMels(), config.fmin(), config.fmax());
        this.window = new double[config.nFft()];
        int offset = (config.nFft() - config.winSize()) / 2;     // torch.stft pads a shorter window on both sides
        for (int n = 0; n < config.winSize(); n++) window[offset + n] = (float) (0.5 - 0.5 * Math.cos(2 * Math.PI * n / config.winSize()));
    }

    /** The filterbank, row-major [numMels, nFft / 2 + 1] (= librosa.filters.mel). */
    public float[] melBasis() { return melBasis.clone(); }

    /** @param wave mono samples in [-1, 1] at {@code samplingRate} */
    public Mel forward(float[] wave) {
        int nFft = config.nFft(), hop = config.hopSize(), bins = nFft / 2 + 1, mels = config.numMels();
        int pad = (nFft - hop) / 2;
        if (wave.length <= pad) throw new IllegalArgumentException("reflect padding of " + pad + " needs more than " + pad + " samples, got " + wave.length);
        int padded = wave.length + 2 * pad;
        int frames = padded < nFft ? 0 : 1 + (padded - nFft) / hop;
        float[] out = new float[mels * frames];
        DoubleFFT_1D fft = new DoubleFFT_1D(nFft);
        double[] buf = new double[nFft];
        float[] magnitude = new float[bins];
        for (int t = 0; t < frames; t++) {
            for (int n = 0; n < nFft; n++) buf[n] = window[n] * wave[reflect(t * hop + n - pad, wave.length)];
            fft.realForward(buf);
            for (int k = 0; k < bins; k++) {
                float re = (float) re(buf, k, nFft), im = (float) im(buf, k, nFft);
                magnitude[k] = (float) Math.sqrt(re * re + im * im + MAGNITUDE_EPS);
            }
            for (int m = 0; m < mels; m++) {
                double acc = 0;
                for (int k = 0; k < bins; k++) acc += (double) melBasis[m * bins + k] * magnitude[k];
                out[m * frames + t] = (float) Math.log(Math.max((float) acc, LOG_FLOOR));
            }
        }
        return new Mel(mels, frames, out);
    }

    /** Real part of bin k from JTransforms' packed realForward layout (n even). */
    static double re(double[] a, int k, int n) { return k == 0 ? a[0] : k == n / 2 ? a[1] : a[2 * k]; }

    static double im(double[] a, int k, int n) { return k == 0 || k == n / 2 ? 0 : a[2 * k + 1]; }

    static int reflect(int i, int n) {
        if (i < 0) return -i;
        if (i >= n) return 2 * (n - 1) - i;
        return i;
    }
}
