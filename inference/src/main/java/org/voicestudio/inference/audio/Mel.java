package org.voicestudio.inference.audio;

import java.util.Arrays;

/**
 * A mel spectrogram in the model's layout (1, channels, frames): {@code data[c * frames + t]}.
 * 50 frames per second at 24 kHz (hop 480); values are natural-log magnitudes.
 */
public record Mel(int channels, int frames, float[] data) {
    public Mel {
        if (data.length != channels * frames) {
            throw new IllegalArgumentException("mel " + channels + "x" + frames + " needs " + channels * frames + " values, got " + data.length);
        }
    }

    public static Mel empty(int channels) { return new Mel(channels, 0, new float[0]); }

    public float get(int channel, int frame) { return data[channel * frames + frame]; }

    /** Frames [from, to). */
    public Mel slice(int from, int to) {
        if (from < 0 || to > frames || from > to) throw new IndexOutOfBoundsException("frames [" + from + ", " + to + ") of " + frames);
        int n = to - from;
        float[] out = new float[channels * n];
        for (int c = 0; c < channels; c++) System.arraycopy(data, c * frames + from, out, c * n, n);
        return new Mel(channels, n, out);
    }

    /** This mel followed in time by {@code next}. */
    public Mel concat(Mel next) {
        if (next.channels != channels) throw new IllegalArgumentException("channel counts differ: " + channels + " vs " + next.channels);
        int n = frames + next.frames;
        float[] out = new float[channels * n];
        for (int c = 0; c < channels; c++) {
            System.arraycopy(data, c * frames, out, c * n, frames);
            System.arraycopy(next.data, c * next.frames, out, c * n + frames, next.frames);
        }
        return new Mel(channels, n, out);
    }

    /** From a time-major (frames, channels) matrix, the layout of {@code prompt_speech_feat}. */
    public static Mel fromTimeMajor(float[] timeMajor, int frames, int channels) {
        float[] out = new float[channels * frames];
        for (int t = 0; t < frames; t++) for (int c = 0; c < channels; c++) out[c * frames + t] = timeMajor[t * channels + c];
        return new Mel(channels, frames, out);
    }

    /** To the time-major (frames, channels) layout. */
    public float[] toTimeMajor() {
        float[] out = new float[channels * frames];
        for (int t = 0; t < frames; t++) for (int c = 0; c < channels; c++) out[t * channels + c] = data[c * frames + t];
        return out;
    }

    @Override public boolean equals(Object o) { return o instanceof Mel m && m.channels == channels && m.frames == frames && Arrays.equals(m.data, data); }
    @Override public int hashCode() { return 31 * (31 * channels + frames) + Arrays.hashCode(data); }
    @Override public String toString() { return "Mel[" + channels + " x " + frames + "]"; }
}
