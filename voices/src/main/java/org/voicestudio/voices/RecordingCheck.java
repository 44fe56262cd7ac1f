package org.voicestudio.voices;

import java.util.ArrayList;
import java.util.List;

/**
 * What a reference recording must be to make a voice: at least 16 kHz (the official
 * {@code load_wav} asserts it), {@code minSeconds}..{@code maxSeconds} long (the speech tokenizer
 * takes at most 30 s), not silent. Clipping is a warning. Messages say what is wrong and what
 * is expected.
 */
public record RecordingCheck(double minSeconds, double maxSeconds) {
    public static final int MIN_SAMPLE_RATE = 16_000;
    /** Below this RMS level (dBFS) a recording counts as silent. */
    public static final double SILENCE_DBFS = -60;
    /** Samples at or above this magnitude count as clipped. */
    public static final double CLIP_LEVEL = 0.999;
    /** A warning when more than this fraction of samples is clipped. */
    public static final double CLIP_FRACTION = 0.001;

    public static final RecordingCheck DEFAULT = new RecordingCheck(3, 30);

    /** A recording that cannot make a voice. */
    public static final class BadRecordingException extends Exception {
        public BadRecordingException(String message) { super(message); }
    }

    /**
     * Checks a decoded recording (mono samples in [-1, 1] at its own rate); returns warnings.
     *
     * @param what names the recording in messages (e.g. its file name)
     */
    public List<String> check(String what, float[] mono, int sampleRate) throws BadRecordingException {
        if (sampleRate < MIN_SAMPLE_RATE) {
            throw new BadRecordingException(what + " is sampled at " + sampleRate + " Hz; a voice needs a recording of at least 16 kHz (record or export it at 16, 24, 44.1 or 48 kHz)");
        }
        double seconds = mono.length / (double) sampleRate;
        if (seconds < minSeconds || seconds > maxSeconds) {
            throw new BadRecordingException(String.format(java.util.Locale.ROOT, "%s is %.1f s long; a voice needs %.0f-%.0f s of speech", what, seconds, minSeconds, maxSeconds));
        }
        double sum = 0;
        int clipped = 0;
        for (float x : mono) {
            sum += (double) x * x;
            if (Math.abs(x) >= CLIP_LEVEL) clipped++;
        }
        double rmsDb = 10 * Math.log10(sum / Math.max(1, mono.length) + 1e-30);
        if (rmsDb < SILENCE_DBFS) {
            throw new BadRecordingException(String.format(java.util.Locale.ROOT, "%s is silent (level %.0f dBFS, needs above %.0f dBFS); check the microphone or the file", what, rmsDb, SILENCE_DBFS));
        }
        List<String> warnings = new ArrayList<>();
        if (clipped > CLIP_FRACTION * mono.length) {
            warnings.add(String.format(java.util.Locale.ROOT, "%s is clipped (%d samples, %.2f%%, at full scale); the voice may sound distorted — record it a little quieter",
                    what, clipped, 100.0 * clipped / mono.length));
        }
        return warnings;
    }
}
