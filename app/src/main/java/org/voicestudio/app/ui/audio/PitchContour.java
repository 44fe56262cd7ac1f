package org.voicestudio.app.ui.audio;

import be.tarsos.dsp.pitch.PitchDetectionResult;
import be.tarsos.dsp.pitch.Yin;

import java.util.Arrays;

/**
 * Fundamental frequency over time with TarsosDSP's YIN: one estimate per {@code hop} samples over
 * a {@code window}-sample buffer, run on the signal decimated by {@link #DECIMATION} (speech pitch
 * lies far below the halved Nyquist, and YIN's cost grows with the window squared); unvoiced frames (no pitch, or YIN's probability below
 * {@link #MIN_PROBABILITY}) are NaN. Frames depend only on the audio under them, so a streaming
 * take is analysed by {@link #extend extending} the previous contour.
 *
 * @param hz one value per frame; frame {@code f} is centred at {@code (f * hop + window / 2) / sampleRate} s
 */
public record PitchContour(float[] hz, int hop, int window, int sampleRate) {
    /** YIN's own confidence; below this the estimate on synthetic speech is mostly octave errors. */
    public static final float MIN_PROBABILITY = 0.5f;
    /** 24 kHz → 12 kHz for YIN: pairs averaged, a gentle low-pass that keeps 60–500 Hz intact. */
    public static final int DECIMATION = 2;

    public static PitchContour of(float[] samples, int length, int sampleRate, int window, int hop) {
        return new PitchContour(new float[0], hop, window, sampleRate).extend(samples, length);
    }

    /** This contour plus the frames {@code samples[0, length)} adds beyond it. */
    public PitchContour extend(float[] samples, int length) {
        int total = length < window ? 0 : 1 + (length - window) / hop;
        if (total <= hz.length) return this;
        int w = window / DECIMATION;
        Yin yin = new Yin(sampleRate / (float) DECIMATION, w);
        float[] out = Arrays.copyOf(hz, total);
        float[] buf = new float[w];
        for (int f = hz.length; f < total; f++) {
            int off = f * hop;
            for (int i = 0; i < w; i++) {
                float sum = 0;
                for (int d = 0; d < DECIMATION; d++) sum += samples[off + i * DECIMATION + d];
                buf[i] = sum / DECIMATION;
            }
            PitchDetectionResult r = yin.getPitch(buf);
            out[f] = r.isPitched() && r.getProbability() >= MIN_PROBABILITY && r.getPitch() > 0 ? r.getPitch() : Float.NaN;
        }
        return new PitchContour(out, hop, window, sampleRate);
    }

    public double frameSeconds(int f) { return (f * (double) hop + window / 2.0) / sampleRate; }
}
