package org.voicestudio.app.ui.audio;

import org.jtransforms.fft.FloatFFT_1D;

import java.util.Arrays;

/**
 * A log-power short-time Fourier transform for display: Hann window, {@code nFft} points,
 * {@code hop} samples between frames, levels in dB. Frame {@code f} covers samples
 * {@code [f*hop, f*hop + nFft)}, so frames never change once the audio under them exists and a
 * streaming take is analysed by {@link #extend extending} the previous result.
 *
 * @param db    frame-major: {@code db[f * bins + k]} for bin k (k * sampleRate / nFft Hz)
 * @param maxDb the loudest bin so far (display normalises to it)
 */
public record Spectrogram(int frames, int bins, int nFft, int hop, int sampleRate, float[] db, float maxDb) {
    /** Quieter than this below the peak is drawn black: a range where speech detail is visible. */
    public static final float FLOOR_DB = -80f;

    public static Spectrogram of(float[] samples, int length, int sampleRate, int nFft, int hop) {
        if (Integer.bitCount(nFft) != 1) throw new IllegalArgumentException("nFft must be a power of two, got " + nFft);
        return new Spectrogram(0, nFft / 2 + 1, nFft, hop, sampleRate, new float[0], -Float.MAX_VALUE).extend(samples, length);
    }

    /** Frames that fit in {@code length} samples (a first, zero-padded one for very short audio). */
    static int frameCount(int length, int window, int hop) {
        return length < window ? (length > 0 ? 1 : 0) : 1 + (length - window) / hop;
    }

    /** This spectrogram plus the frames {@code samples[0, length)} adds beyond it. */
    public Spectrogram extend(float[] samples, int length) {
        int total = frameCount(length, nFft, hop);
        // a short zero-padded first frame is recomputed once real samples fill it
        int from = frames == 1 && length > nFft ? 0 : frames;
        if (total <= from) return this;
        float[] window = new float[nFft];
        for (int i = 0; i < nFft; i++) window[i] = (float) (0.5 - 0.5 * Math.cos(2 * Math.PI * i / nFft));
        FloatFFT_1D fft = new FloatFFT_1D(nFft);
        float[] buf = new float[nFft];
        float[] out = Arrays.copyOf(db, total * bins);
        float max = from == 0 ? -Float.MAX_VALUE : maxDb;
        for (int f = from; f < total; f++) {
            int off = f * hop;
            for (int i = 0; i < nFft; i++) buf[i] = off + i < length ? samples[off + i] * window[i] : 0f;
            fft.realForward(buf); // packed: [re0, reN/2, re1, im1, ...]
            for (int k = 0; k < bins; k++) {
                float re, im;
                if (k == 0) { re = buf[0]; im = 0; }
                else if (k == nFft / 2) { re = buf[1]; im = 0; }
                else { re = buf[2 * k]; im = buf[2 * k + 1]; }
                float v = (float) (10 * Math.log10(re * re + im * im + 1e-12));
                out[f * bins + k] = v;
                if (v > max) max = v;
            }
        }
        return new Spectrogram(total, bins, nFft, hop, sampleRate, out, max);
    }

    /** Level of bin k in frame f relative to the loudest bin, floored at {@link #FLOOR_DB}: in [FLOOR_DB, 0]. */
    public float relativeDb(int f, int k) { return Math.max(FLOOR_DB, db[f * bins + k] - maxDb); }

    public double binHz(int k) { return k * (double) sampleRate / nFft; }

    public double frameSeconds(int f) { return f * (double) hop / sampleRate; }
}
