package org.voicestudio.inference.vocoder;

/**
 * The source STFT of HiFT ({@code HiFTGenerator._stft}, reference §5): {@code torch.stft} with
 * n_fft = win_length = 16, hop 4, periodic Hann window, center=True (reflect padding n_fft/2),
 * one-sided. The 16-point DFT is written out directly (exact in float64, rounded to float32 like
 * PyTorch's float32 result).
 *
 * <p>Output layout is HiFT's {@code s_stft}: channel-major [2 * bins, frames], real parts of bins
 * 0..n_fft/2 first, then their imaginary parts; frames = samples / hop + 1.
 */
public final class Stft16 {
    private final int nFft;
    private final int hop;
    private final int bins;
    private final double[] window;
    private final double[] cos, sin;    // [bins, nFft]

    public Stft16(int nFft, int hop) {
        if (nFft % 2 != 0 || nFft <= 0 || hop <= 0) throw new IllegalArgumentException("n_fft must be even and positive, hop positive; got " + nFft + ", " + hop);
        this.nFft = nFft;
        this.hop = hop;
        this.bins = nFft / 2 + 1;
        float[] w = periodicHann(nFft);
        this.window = new double[nFft];
        for (int n = 0; n < nFft; n++) window[n] = w[n];
        this.cos = new double[bins * nFft];
        this.sin = new double[bins * nFft];
        for (int k = 0; k < bins; k++) {
            for (int n = 0; n < nFft; n++) {
                double a = 2 * Math.PI * ((long) k * n % nFft) / nFft;
                cos[k * nFft + n] = Math.cos(a);
                sin[k * nFft + n] = Math.sin(a);
            }
        }
    }

    /** scipy.signal.get_window("hann", n, fftbins=True) as float32: 0.5 - 0.5 cos(2πi/n). */
    public static float[] periodicHann(int n) {
        float[] w = new float[n];
        for (int i = 0; i < n; i++) w[i] = (float) (0.5 - 0.5 * Math.cos(2 * Math.PI * i / n));
        return w;
    }

    public int bins() { return bins; }

    public int frames(int samples) { return samples / hop + 1; }

    /** [2 * bins, samples / hop + 1] (real rows, then imaginary rows). */
    public float[] forward(float[] x) {
        int pad = nFft / 2;
        if (x.length <= pad) {
            throw new IllegalArgumentException("reflect padding of " + pad + " needs more than " + pad + " samples, got " + x.length);
        }
        int frames = frames(x.length);
        float[] out = new float[2 * bins * frames];
        double[] frame = new double[nFft];
        for (int t = 0; t < frames; t++) {
            for (int n = 0; n < nFft; n++) frame[n] = window[n] * x[reflect(t * hop + n - pad, x.length)];
            for (int k = 0; k < bins; k++) {
                double re = 0, im = 0;
                for (int n = 0; n < nFft; n++) {
                    re += frame[n] * cos[k * nFft + n];
                    im -= frame[n] * sin[k * nFft + n];
                }
                out[k * frames + t] = (float) re;
                out[(bins + k) * frames + t] = (float) im;
            }
        }
        return out;
    }

    /** Index into x for a position of the reflect-padded signal (edge sample not repeated). */
    static int reflect(int i, int n) {
        if (i < 0) return -i;
        if (i >= n) return 2 * (n - 1) - i;
        return i;
    }
}
