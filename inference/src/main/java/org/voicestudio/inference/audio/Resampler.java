package org.voicestudio.inference.audio;

/**
 * {@code torchaudio.transforms.Resample(orig, new)} with its defaults (sinc_interp_hann,
 * lowpass_filter_width 6, rolloff 0.99), as {@code load_wav} uses it (reference §2.3): a windowed
 * sinc kernel per output phase, built in float64 and rounded to float32, applied as a strided
 * convolution over the zero-padded input, output cut to ceil(N * new / orig).
 */
public final class Resampler {
    private static final int LOWPASS_FILTER_WIDTH = 6;
    private static final double ROLLOFF = 0.99;

    private final int origFreq;   // divided by the gcd
    private final int newFreq;    // divided by the gcd
    private final int width;
    private final float[] kernel; // [newFreq, 2 * width + origFreq]

    public Resampler(int origSampleRate, int newSampleRate) {
        if (origSampleRate <= 0 || newSampleRate <= 0) {
            throw new IllegalArgumentException("sample rates must be positive, got " + origSampleRate + " -> " + newSampleRate);
        }
        int gcd = gcd(origSampleRate, newSampleRate);
        this.origFreq = origSampleRate / gcd;
        this.newFreq = newSampleRate / gcd;
        double baseFreq = Math.min(origFreq, newFreq) * ROLLOFF;
        this.width = (int) Math.ceil(LOWPASS_FILTER_WIDTH * origFreq / baseFreq);
        int taps = 2 * width + origFreq;
        this.kernel = new float[newFreq * taps];
        double scale = baseFreq / origFreq;
        for (int j = 0; j < newFreq; j++) {
            double phase = (float) (-(double) j / newFreq);             // arange(0, -new, -1) / new, in float32
            for (int i = 0; i < taps; i++) {
                double t = (phase + (double) (i - width) / origFreq) * baseFreq;
                t = Math.clamp(t, -LOWPASS_FILTER_WIDTH, LOWPASS_FILTER_WIDTH);
                double cos = Math.cos(t * Math.PI / LOWPASS_FILTER_WIDTH / 2);
                double window = cos * cos;
                t *= Math.PI;
                double sinc = t == 0 ? 1.0 : Math.sin(t) / t;
                kernel[j * taps + i] = (float) (sinc * (window * scale));
            }
        }
    }

    private static int gcd(int a, int b) { return b == 0 ? a : gcd(b, a % b); }

    /** Resampled copy; the same array when the rates are equal. */
    public float[] resample(float[] wave) {
        if (origFreq == newFreq) return wave;
        int taps = 2 * width + origFreq;
        long target = (long) Math.ceil((double) newFreq * wave.length / origFreq);
        float[] out = new float[Math.toIntExact(target)];
        for (int o = 0; o < out.length; o++) {
            int m = o / newFreq, j = o % newFreq;
            int start = m * origFreq - width;                // padded by width zeros on the left
            double acc = 0;
            for (int i = 0; i < taps; i++) {
                int s = start + i;
                if (s >= 0 && s < wave.length) acc += (double) kernel[j * taps + i] * wave[s];
            }
            out[o] = (float) acc;
        }
        return out;
    }
}
