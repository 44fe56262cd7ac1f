package org.voicestudio.inference.audio;

import org.jtransforms.fft.DoubleFFT_1D;

/**
 * {@code whisper.log_mel_spectrogram(audio_16k, n_mels=128)} (openai-whisper 20231117), the
 * input of the speech tokenizer (reference §2.4): STFT n_fft 400, hop 160, periodic Hann,
 * center=True with reflect padding 200, last frame dropped, power spectrum, Slaney filterbank
 * (librosa mel(sr=16000, n_fft=400, n_mels)), log10(max(x, 1e-10)), max(x, max(x) - 8),
 * (x + 4) / 4. Output (n_mels, N / 160).
 */
public final class WhisperLogMel {
    public static final int SAMPLE_RATE = 16000;
    private static final int N_FFT = 400;
    private static final int HOP_LENGTH = 160;

    private final int nMels;
    private final float[] filters;    // [nMels, 201]
    private final double[] window;

    public WhisperLogMel(int nMels) {
        this.nMels = nMels;
        this.filters = SlaneyMelFilterbank.create(SAMPLE_RATE, N_FFT, nMels, 0, null);
        this.window = new double[N_FFT];
        for (int n = 0; n < N_FFT; n++) window[n] = (float) (0.5 - 0.5 * Math.cos(2 * Math.PI * n / N_FFT));
    }

    /** The filterbank, row-major [nMels, 201] (= whisper's mel_filters.npz entry). */
    public float[] filters() { return filters.clone(); }

    /** @param wave mono samples in [-1, 1] at 16 kHz; returns (nMels, N / 160) */
    public Mel forward(float[] wave) {
        int pad = N_FFT / 2;
        if (wave.length <= pad) throw new IllegalArgumentException("whisper's reflect padding needs more than " + pad + " samples, got " + wave.length);
        int bins = N_FFT / 2 + 1;
        int frames = wave.length / HOP_LENGTH;                      // 1 + N / hop STFT frames, the last dropped
        float[] out = new float[nMels * frames];
        DoubleFFT_1D fft = new DoubleFFT_1D(N_FFT);
        double[] buf = new double[N_FFT];
        float[] power = new float[bins];
        float max = Float.NEGATIVE_INFINITY;
        for (int t = 0; t < frames; t++) {
            for (int n = 0; n < N_FFT; n++) buf[n] = window[n] * wave[MatchaMelSpectrogram.reflect(t * HOP_LENGTH + n - pad, wave.length)];
            fft.realForward(buf);
            for (int k = 0; k < bins; k++) {
                float re = (float) MatchaMelSpectrogram.re(buf, k, N_FFT), im = (float) MatchaMelSpectrogram.im(buf, k, N_FFT);
                float abs = (float) Math.hypot(re, im);
                power[k] = abs * abs;
            }
            for (int m = 0; m < nMels; m++) {
                double acc = 0;
                for (int k = 0; k < bins; k++) acc += (double) filters[m * bins + k] * power[k];
                float v = (float) Math.log10(Math.max((float) acc, 1e-10f));
                out[m * frames + t] = v;
                max = Math.max(max, v);
            }
        }
        float floor = max - 8.0f;
        for (int i = 0; i < out.length; i++) out[i] = (Math.max(out[i], floor) + 4.0f) / 4.0f;
        return new Mel(nMels, frames, out);
    }
}
