package org.voicestudio.inference.audio;

/**
 * {@code librosa.filters.mel(sr, n_fft, n_mels, fmin, fmax)} with its defaults (Slaney mel scale,
 * Slaney area normalisation, float32 result), the filterbank of the Matcha log-mel (reference §2.6)
 * and of whisper's {@code mel_filters.npz} (§2.4). Computed as librosa does: triangles in float64
 * stored into a float32 array, then that array scaled in place by the float64 normalisation.
 */
public final class SlaneyMelFilterbank {
    private static final double F_SP = 200.0 / 3;              // Hz per mel below 1 kHz
    private static final double MIN_LOG_HZ = 1000.0;
    private static final double MIN_LOG_MEL = MIN_LOG_HZ / F_SP; // 15
    private static final double LOG_STEP = Math.log(6.4) / 27.0;

    private SlaneyMelFilterbank() {}

    /** @return row-major [nMels, nFft / 2 + 1]; fmax null means sr / 2 */
    public static float[] create(int sampleRate, int nFft, int nMels, double fmin, Double fmax) {
        double top = fmax == null ? sampleRate / 2.0 : fmax;
        int bins = nFft / 2 + 1;
        // np.fft.rfftfreq(n_fft, d=1/sr): k * (1 / (n_fft * (1 / sr)))
        double val = 1.0 / (nFft * (1.0 / sampleRate));
        double[] fftFreqs = new double[bins];
        for (int k = 0; k < bins; k++) fftFreqs[k] = k * val;
        // mel_frequencies(n_mels + 2, fmin, fmax): np.linspace in mel, back to Hz
        int n = nMels + 2;
        double melMin = hzToMel(fmin), melMax = hzToMel(top);
        double step = (melMax - melMin) / (n - 1);
        double[] melF = new double[n];
        for (int i = 0; i < n; i++) melF[i] = melToHz(i == n - 1 ? melMax : i * step + melMin);
        float[] weights = new float[nMels * bins];
        for (int i = 0; i < nMels; i++) {
            double fdiffLo = melF[i + 1] - melF[i], fdiffHi = melF[i + 2] - melF[i + 1];
            double enorm = 2.0 / (melF[i + 2] - melF[i]);
            for (int k = 0; k < bins; k++) {
                double lower = -(melF[i] - fftFreqs[k]) / fdiffLo;
                double upper = (melF[i + 2] - fftFreqs[k]) / fdiffHi;
                float tri = (float) Math.max(0.0, Math.min(lower, upper));
                weights[i * bins + k] = (float) (tri * enorm);
            }
        }
        return weights;
    }

    /** librosa.hz_to_mel(htk=False). */
    static double hzToMel(double hz) {
        return hz >= MIN_LOG_HZ ? MIN_LOG_MEL + Math.log(hz / MIN_LOG_HZ) / LOG_STEP : hz / F_SP;
    }

    /** librosa.mel_to_hz(htk=False). */
    static double melToHz(double mel) {
        return mel >= MIN_LOG_MEL ? MIN_LOG_HZ * Math.exp(LOG_STEP * (mel - MIN_LOG_MEL)) : F_SP * mel;
    }
}
