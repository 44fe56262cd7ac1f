package org.voicestudio.app.ui.audio;

import be.tarsos.dsp.pitch.PitchDetectionResult;
import be.tarsos.dsp.pitch.Yin;

/**
 * Fundamental frequency over time with TarsosDSP's YIN: one estimate per {@code hop} samples over
 * a {@code window}-sample buffer; unvoiced frames (no pitch, or YIN's probability below
 * {@link #MIN_PROBABILITY}) are NaN.
 *
 * @param hz one value per frame; frame {@code f} is centred at {@code (f * hop + window / 2) / sampleRate} s
 */
public record PitchContour(float[] hz, int hop, int window, int sampleRate) {
    /** YIN's own confidence; below this the estimate on synthetic speech is mostly octave errors. */
    public static final float MIN_PROBABILITY = 0.5f;

    public static PitchContour of(float[] samples, int length, int sampleRate, int window, int hop) {
        Yin yin = new Yin(sampleRate, window);
        int frames = length < window ? 0 : 1 + (length - window) / hop;
        float[] hz = new float[frames];
        float[] buf = new float[window];
        for (int f = 0; f < frames; f++) {
            System.arraycopy(samples, f * hop, buf, 0, window);
            PitchDetectionResult r = yin.getPitch(buf);
            hz[f] = r.isPitched() && r.getProbability() >= MIN_PROBABILITY && r.getPitch() > 0 ? r.getPitch() : Float.NaN;
        }
        return new PitchContour(hz, hop, window, sampleRate);
    }

    public double frameSeconds(int f) { return (f * (double) hop + window / 2.0) / sampleRate; }
}
