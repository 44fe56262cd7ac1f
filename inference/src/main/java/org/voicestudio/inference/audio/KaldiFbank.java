package org.voicestudio.inference.audio;

import org.jtransforms.fft.DoubleFFT_1D;

/**
 * {@code torchaudio.compliance.kaldi.fbank(wave_16k, num_mel_bins=80, dither=0,
 * sample_frequency=16000)} with all other defaults, the CAM++ input (reference §2.5): 25 ms
 * frames every 10 ms (snip_edges), DC removal, pre-emphasis 0.97, Povey window (symmetric Hann
 * to the power 0.85), zero padding to a 512-point FFT, power spectrum, Kaldi mel bins
 * (1127 ln(1 + f / 700)) from 20 Hz to Nyquist, log(max(x, float32 eps)). Output is time-major
 * (T, num_mel_bins) with T = 1 + (N - 400) / 160; {@link #meanNormalized} subtracts the mean over
 * time as the frontend does before CAM++.
 */
public final class KaldiFbank {
    private static final double FRAME_LENGTH_MS = 25.0;
    private static final double FRAME_SHIFT_MS = 10.0;
    private static final float PREEMPHASIS = 0.97f;
    private static final double LOW_FREQ = 20.0;
    private static final float POVEY_POWER = 0.85f;
    private static final float EPSILON = Math.ulp(1.0f);       // torch.finfo(torch.float).eps

    private final int numMelBins;
    private final int windowSize;
    private final int windowShift;
    private final int paddedSize;
    private final float[] window;
    private final float[] melBanks;   // [numMelBins, paddedSize / 2 + 1], last column zero

    public KaldiFbank(int sampleRate, int numMelBins) {
        this.numMelBins = numMelBins;
        this.windowSize = (int) (sampleRate * FRAME_LENGTH_MS * 0.001);
        this.windowShift = (int) (sampleRate * FRAME_SHIFT_MS * 0.001);
        this.paddedSize = Integer.highestOneBit(windowSize - 1) << 1;   // round_to_power_of_two
        this.window = new float[windowSize];
        for (int n = 0; n < windowSize; n++) {
            float hann = (float) (0.5 - 0.5 * Math.cos(2 * Math.PI * n / (windowSize - 1)));   // periodic=False
            window[n] = (float) Math.pow(hann, POVEY_POWER);
        }
        this.melBanks = melBanks(numMelBins, paddedSize, sampleRate);
    }

    /** Kaldi triangular mel bins (get_mel_banks without VTLN), in float32 like torchaudio. */
    private static float[] melBanks(int numBins, int paddedSize, double sampleFreq) {
        int fftBins = paddedSize / 2;
        double nyquist = 0.5 * sampleFreq;
        double fftBinWidth = sampleFreq / paddedSize;
        double melLow = melScale(LOW_FREQ), melHigh = melScale(nyquist);
        double delta = (melHigh - melLow) / (numBins + 1);
        float[] banks = new float[numBins * (fftBins + 1)];
        for (int b = 0; b < numBins; b++) {
            float left = (float) melLow + (float) b * (float) delta;
            float center = (float) melLow + (b + 1.0f) * (float) delta;
            float right = (float) melLow + (b + 2.0f) * (float) delta;
            for (int k = 0; k < fftBins; k++) {
                float freq = (float) fftBinWidth * k;
                float mel = 1127.0f * (float) Math.log(1.0f + freq / 700.0f);
                float up = (mel - left) / (center - left);
                float down = (right - mel) / (right - center);
                banks[b * (fftBins + 1) + k] = Math.max(0f, Math.min(up, down));
            }
        }
        return banks;
    }

    private static double melScale(double hz) { return 1127.0 * Math.log(1.0 + hz / 700.0); }

    /** Frames of a signal of n samples (snip_edges). */
    public int frames(int samples) { return samples < windowSize ? 0 : 1 + (samples - windowSize) / windowShift; }

    /** @param wave mono samples in [-1, 1]; returns time-major [T, numMelBins] */
    public float[] forward(float[] wave) {
        int frames = frames(wave.length);
        if (frames == 0) throw new IllegalArgumentException("Kaldi fbank needs at least " + windowSize + " samples, got " + wave.length);
        int bins = paddedSize / 2 + 1;
        float[] out = new float[frames * numMelBins];
        DoubleFFT_1D fft = new DoubleFFT_1D(paddedSize);
        float[] frame = new float[windowSize];
        double[] buf = new double[paddedSize];
        float[] power = new float[bins];
        for (int t = 0; t < frames; t++) {
            double sum = 0;
            for (int n = 0; n < windowSize; n++) { frame[n] = wave[t * windowShift + n]; sum += frame[n]; }
            float mean = (float) (sum / windowSize);
            for (int n = 0; n < windowSize; n++) frame[n] -= mean;
            java.util.Arrays.fill(buf, 0);
            for (int n = 0; n < windowSize; n++) {
                float previous = frame[n == 0 ? 0 : n - 1];             // replicate padding at the start
                buf[n] = (frame[n] - PREEMPHASIS * previous) * window[n]; // float32, zero-padded to 512
            }
            fft.realForward(buf);
            for (int k = 0; k < bins; k++) {
                float re = (float) MatchaMelSpectrogram.re(buf, k, paddedSize), im = (float) MatchaMelSpectrogram.im(buf, k, paddedSize);
                float abs = (float) Math.hypot(re, im);
                power[k] = abs * abs;
            }
            for (int m = 0; m < numMelBins; m++) {
                double acc = 0;
                for (int k = 0; k < bins; k++) acc += (double) melBanks[m * bins + k] * power[k];
                out[t * numMelBins + m] = (float) Math.log(Math.max((float) acc, EPSILON));
            }
        }
        return out;
    }

    /** The CAM++ input: {@link #forward} minus its mean over time, per mel bin. */
    public float[] meanNormalized(float[] wave) { return subtractTimeMean(forward(wave), numMelBins); }

    /** {@code feats - feats.mean(dim=0)} for a time-major [T, bins] matrix (a new array). */
    public static float[] subtractTimeMean(float[] feats, int bins) {
        if (feats.length % bins != 0) throw new IllegalArgumentException(feats.length + " values are not whole frames of " + bins + " bins");
        float[] out = feats.clone();
        int frames = feats.length / bins;
        for (int m = 0; m < bins; m++) {
            double sum = 0;
            for (int t = 0; t < frames; t++) sum += feats[t * bins + m];
            float mean = (float) (sum / frames);
            for (int t = 0; t < frames; t++) out[t * bins + m] -= mean;
        }
        return out;
    }
}
