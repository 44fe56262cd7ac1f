package org.voicestudio.voices;

/**
 * A decoded recording: samples in [-1, 1] per channel ({@code int16 / 32768}, as torchaudio
 * loads them) at the file's own rate.
 */
public record DecodedRecording(int sampleRate, float[][] channels) {
    public DecodedRecording {
        if (sampleRate <= 0) throw new IllegalArgumentException("sample rate must be positive, got " + sampleRate);
        if (channels.length == 0) throw new IllegalArgumentException("a recording needs at least one channel");
        for (float[] c : channels) if (c.length != channels[0].length) throw new IllegalArgumentException("channels differ in length");
    }

    public int channelCount() { return channels.length; }

    public int frames() { return channels[0].length; }

    public double seconds() { return frames() / (double) sampleRate; }

    /** The channels averaged, as the official {@code load_wav} does ({@code speech.mean(dim=0)}). */
    public float[] mono() {
        if (channels.length == 1) return channels[0].clone();
        float[] out = new float[frames()];
        for (int i = 0; i < out.length; i++) {
            float sum = 0;
            for (float[] c : channels) sum += c[i];
            out[i] = sum / channels.length;
        }
        return out;
    }
}
