package org.voicestudio.app.ui.audio;

import org.jtransforms.fft.FloatFFT_1D;

/**
 * A log-magnitude short-time Fourier transform for display: Hann window, {@code nFft} points,
 * {@code hop} samples between frames, levels in dB relative to the loudest bin and floored at
 * {@link #FLOOR_DB}. Frame {@code f} covers samples {@code [f*hop, f*hop + nFft)}.
 *
 * @param db frame-major: {@code db[f * bins + k]} for bin k (k * sampleRate / nFft Hz)
 */
public record Spectrogram(int frames, int bins, int hop, int sampleRate, float[] db) {
    /** Quieter than this below the peak is drawn black: a range where speech detail is visible. */
    public static final float FLOOR_DB = -80f;

    public static Spectrogram of(float[] samples, int length, int sampleRate, int nFft, int hop) {
        if (Integer.bitCount(nFft) != 1) throw new IllegalArgumentException("nFft must be a power of two, got " + nFft);
        int bins = nFft / 2 + 1;
        int frames = length < nFft ? (length > 0 ? 1 : 0) : 1 + (length - nFft) / hop;
        float[] window = new float[nFft];
        for (int i = 0; i < nFft; i++) window[i] = (float) (0.5 - 0.5 * Math.cos(2 * Math.PI * i / nFft));
        FloatFFT_1D fft = new FloatFFT_1D(nFft);
        float[] buf = new float[nFft];
        float[] db = new float[frames * bins];
        float max = -Float.MAX_VALUE;
        for (int f = 0; f < frames; f++) {
            int off = f * hop;
            for (int i = 0; i < nFft; i++) buf[i] = off + i < length ? samples[off + i] * window[i] : 0f;
            fft.realForward(buf); // packed: [re0, reN/2, re1, im1, ...]
            for (int k = 0; k < bins; k++) {
                float re, im;
                if (k == 0) { re = buf[0]; im = 0; }
                else if (k == nFft / 2) { re = buf[1]; im = 0; }
                else { re = buf[2 * k]; im = buf[2 * k + 1]; }
                float v = (float) (10 * Math.log10(re * re + im * im + 1e-12));
                db[f * bins + k] = v;
                if (v > max) max = v;
            }
        }
        for (int i = 0; i < db.length; i++) db[i] = Math.max(FLOOR_DB, db[i] - max);
        return new Spectrogram(frames, bins, hop, sampleRate, db);
    }

    public double binHz(int k) { return k * (double) sampleRate / (2 * (bins - 1)); }

    public double frameSeconds(int f) { return f * (double) hop / sampleRate; }
}
