package org.voicestudio.app.ui.audio;

import be.tarsos.dsp.pitch.PitchDetectionResult;
import be.tarsos.dsp.pitch.Yin;

import java.util.Arrays;

/**
 * Fundamental frequency over time with TarsosDSP's YIN: one estimate per {@code hop} samples over
 * a {@code window}-sample buffer; unvoiced frames (no pitch, or YIN's probability below
 * {@link #MIN_PROBABILITY}) are NaN. Frames depend only on the audio under them, so a streaming
 * take is analysed by {@link #extend extending} the previous contour.
 *
 * @param hz one value per frame; frame {@code f} is centred at {@code (f * hop + window / 2) / sampleRate} s
 */
public record PitchContour(float[] hz, int hop, int window, int sampleRate) {
    /** YIN's own confidence; below this the estimate on synthetic speech is mostly octave errors. */
    public static final float MIN_PROBABILITY = 0.5f;

    public static PitchContour of(float[] samples, int length, int sampleRate, int window, int hop) {
        return new PitchContour(new float[0], hop, window, sampleRate).extend(samples, length);
    }

    /** This contour plus the frames {@code samples[0, length)} adds beyond it. */
    public PitchContour extend(float[] samples, int length) {
        int total = length < window ? 0 : 1 + (length - window) / hop;
        if (total <= hz.length) return this;
        Yin yin = new Yin(sampleRate, window);
        float[] out = Arrays.copyOf(hz, total);
        float[] buf = new float[window];
        for (int f = hz.length; f < total; f++) {
            System.arraycopy(samples, f * hop, buf, 0, window);
            PitchDetectionResult r = yin.getPitch(buf);
            out[f] = r.isPitched() && r.getProbability() >= MIN_PROBABILITY && r.getPitch() > 0 ? r.getPitch() : Float.NaN;
        }
        return new PitchContour(out, hop, window, sampleRate);
    }

    public double frameSeconds(int f) { return (f * (double) hop + window / 2.0) / sampleRate; }
}
