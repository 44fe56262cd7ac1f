package org.voicestudio.inference.vocoder;

/**
 * HiFT's output head ({@code HiFTGenerator._istft} on the {@code conv_post} output, reference
 * §5): magnitude = min(exp(x[0..8]), 100), phase = sin(x[9..17]) (the official "sin is
 * redundancy"), then {@code torch.istft}: one-sided 16-point inverse DFT per frame, periodic Hann
 * synthesis window, overlap-add with hop 4, division by the overlapped squared window, and
 * center=True trimming of n_fft/2 at both ends, giving hop * (frames - 1) samples.
 */
public final class InverseStft16 {
    private static final float MAX_MAGNITUDE = 1e2f;   // torch.clip(magnitude, max=1e2)
    private final int nFft;
    private final int hop;
    private final int bins;
    private final float[] window;
    private final double[] cos, sin;    // [bins, nFft]

    public InverseStft16(int nFft, int hop) {
        this.nFft = nFft;
        this.hop = hop;
        this.bins = nFft / 2 + 1;
        this.window = Stft16.periodicHann(nFft);
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

    /** @param convPost [2 * bins, frames] log-magnitudes then phases; returns hop * (frames - 1) samples */
    public float[] forward(float[] convPost, int frames) {
        if (convPost.length != 2 * bins * frames) {
            throw new IllegalArgumentException("iSTFT input must be [" + 2 * bins + ", " + frames + "], got " + convPost.length + " values");
        }
        int total = nFft + hop * (frames - 1);
        double[] sum = new double[total];
        double[] envelope = new double[total];
        double[] re = new double[bins], im = new double[bins];
        for (int t = 0; t < frames; t++) {
            for (int k = 0; k < bins; k++) {
                float magnitude = Math.min((float) Math.exp(convPost[k * frames + t]), MAX_MAGNITUDE);
                float phase = (float) Math.sin(convPost[(bins + k) * frames + t]);
                re[k] = magnitude * (float) Math.cos(phase);
                im[k] = magnitude * (float) Math.sin(phase);
            }
            for (int n = 0; n < nFft; n++) {
                // irfft: the imaginary parts of DC and Nyquist do not contribute
                double y = re[0] + ((n & 1) == 0 ? re[bins - 1] : -re[bins - 1]);
                for (int k = 1; k < bins - 1; k++) y += 2 * (re[k] * cos[k * nFft + n] - im[k] * sin[k * nFft + n]);
                y /= nFft;
                sum[t * hop + n] += y * window[n];
                envelope[t * hop + n] += (double) window[n] * window[n];
            }
        }
        int start = nFft / 2;
        float[] out = new float[hop * (frames - 1)];
        for (int i = 0; i < out.length; i++) {
            double e = envelope[start + i];
            if (e < 1e-11) throw new IllegalStateException("iSTFT window envelope vanishes at sample " + i);
            out[i] = (float) (sum[start + i] / e);
        }
        return out;
    }
}
