package org.voicestudio.voices;

import org.voicestudio.inference.audio.Mel;

/**
 * The signal processing of voice creation (reference §2.3–2.6), as the official frontend does it
 * on a mono waveform in [-1, 1]. The numerics live in {@code inference/audio}; this seam lets a
 * voice be made from features an engine already has.
 */
public interface PromptFeatures {
    /** {@code torchaudio.transforms.Resample(from, to)} (sinc, Hann window, width 6, rolloff 0.99). */
    float[] resample(float[] mono, int fromRate, int toRate);

    /** Matcha log-mel of the 24 kHz prompt (n_fft 1920, hop 480, 80 bins, fmax 12 kHz): the flow prompt mel, (80, T). */
    Mel flowMel(float[] wave24k);

    /** Kaldi fbank of the 16 kHz prompt (80 bins, 25/10 ms, povey, dither 0), time-major (T, 80); {@code frames} = T. */
    Matrix kaldiFbank(float[] wave16k);

    /** Whisper 128-bin log-mel of the 16 kHz prompt, channel-major (128, T). */
    Matrix whisperLogMel(float[] wave16k);

    /** A row-major matrix. */
    record Matrix(int rows, int cols, float[] data) {
        public Matrix {
            if (data.length != rows * cols) throw new IllegalArgumentException(rows + "x" + cols + " matrix needs " + rows * cols + " values, got " + data.length);
        }
    }
}
