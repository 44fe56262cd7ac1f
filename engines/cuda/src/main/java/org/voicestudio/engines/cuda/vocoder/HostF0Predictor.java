package org.voicestudio.engines.cuda.vocoder;

import org.voicestudio.inference.loading.WeightNorm;
import org.voicestudio.inference.audio.Mel;
import org.voicestudio.inference.tensor.StateDict;
import org.voicestudio.inference.vocoder.F0Predictor;

/**
 * {@code CausalConvRNNF0Predictor} (reference §5) on the host in float64, as the official inference casts
 * it: condnet = conv k4 with 3 frames of look-ahead, then 4 left-causal convs k3, each followed by ELU;
 * then {@code classifier} Linear(cond_channels, 1) and abs.
 *
 * <p>Why the host: F0 feeds the harmonic phase, a cumulative sum over 480 samples per frame, so the
 * official code runs it in float64 (reference §5), and consumer GPUs do float64 at 1/64 of their float32
 * rate (the H100/H200 at 1/2: there {@link CudaF0Predictor} runs the same weights on the GPU; this class is the
 * {@code -Dvoicestudio.cuda.vocoder.glue=host} path and holds the fused weights for it). It is small (5 convs of
 * cond_channels^2 x 3 per frame: ~3.3 M multiply-adds per frame at 512 channels, ~1.6 G for 10 s of audio;
 * measured ~0.4 s on 2 busy build-machine cores, spread over all cores), and plain Java keeps it testable
 * on the CPU against the golden F0.
 *
 * <p>Reads the raw weight-norm parametrizations ({@code original0} = g, {@code original1} = v) and fuses
 * them in float64 ({@code v * (g / ||v||)}, the norm over all dims but 0) as the float64 module does.
 */
public final class HostF0Predictor implements F0Predictor {
    private static final String PREFIX = "f0_predictor.";
    static final int CONDNET_LAYERS = 5;    // condnet.0, .2, .4, .6, .8 (odd indices are ELU)
    static final int KERNEL = 3;            // condnet.2.. kernel size

    private final int inChannels;
    private final int condChannels;
    private final double[][] weights = new double[CONDNET_LAYERS][];   // [cond, in, k]
    private final double[][] biases = new double[CONDNET_LAYERS][];    // [cond]
    private final double[] classifierWeight;                           // [cond]
    private final double classifierBias;

    /** @param hift the un-fused {@code hift.pt} (only the {@code f0_predictor.*} entries are read; the dict is not kept) */
    public HostF0Predictor(StateDict hift, int inChannels, int condChannels) {
        this.inChannels = inChannels;
        this.condChannels = condChannels;
        for (int i = 0; i < CONDNET_LAYERS; i++) {
            String p = PREFIX + "condnet." + (2 * i) + ".";
            int in = i == 0 ? inChannels : condChannels;
            int k = i == 0 ? LOOK_RIGHT + 1 : KERNEL;
            weights[i] = WeightNorm.fuse64(hift.get(p + "parametrizations.weight.original0", condChannels, 1, 1),
                    hift.get(p + "parametrizations.weight.original1", condChannels, in, k));
            biases[i] = hift.get(p + "bias", condChannels).toDoubles();
        }
        this.classifierWeight = hift.get(PREFIX + "classifier.weight", 1, condChannels).toDoubles();
        this.classifierBias = hift.get(PREFIX + "classifier.bias", 1).toDoubles()[0];
    }

    int inChannels() { return inChannels; }

    int condChannels() { return condChannels; }

    /** Fused float64 weight [cond, in, k] of condnet layer i (0..4); not a copy. */
    double[] weight(int layer) { return weights[layer]; }

    /** Bias [cond] of condnet layer i; not a copy. */
    double[] bias(int layer) { return biases[layer]; }

    double[] classifierWeight() { return classifierWeight; }

    double classifierBias() { return classifierBias; }

    @Override
    public double[] forward(Mel mel, boolean finalize) {
        if (mel.channels() != inChannels) throw new IllegalArgumentException("F0 predictor needs " + inChannels + " mel channels, got " + mel.channels());
        int frames = mel.frames();
        int out = finalize ? frames : frames - LOOK_RIGHT;
        if (out < 1) throw new IllegalArgumentException("F0 predictor input of " + frames + " frames gives no output"
                + (finalize ? "" : " (a non-final call keeps the last " + LOOK_RIGHT + " as look-ahead)"));
        float[] m = mel.data();
        double[] x = new double[m.length];                                  // [80, T] float64
        for (int i = 0; i < m.length; i++) x[i] = m[i];
        // condnet.0: right-padded (final: zeros, non-final: the last 3 real frames), no left padding
        double[] h = conv(x, inChannels, frames, 0, out, 0);               // [C, T']
        elu(h);
        for (int i = 1; i < CONDNET_LAYERS; i++) {
            h = conv(h, condChannels, out, KERNEL - 1, out, i);            // left-causal k3: 2 zeros on the left
            elu(h);
        }
        double[] f0 = new double[out];                                      // classifier on h^T, then abs
        for (int t = 0; t < out; t++) {
            double s = 0;
            for (int c = 0; c < condChannels; c++) s += h[c * out + t] * classifierWeight[c];
            f0[t] = Math.abs(s + classifierBias);
        }
        return f0;
    }

    /** y[co, t] = b[co] + sum_{ci, k} w[co, ci, k] x[ci, t + k - padLeft], zero outside [0, tin). */
    private double[] conv(double[] x, int cin, int tin, int padLeft, int tout, int layer) {
        double[] w = weights[layer], b = biases[layer];
        int k = w.length / (condChannels * cin);
        double[] y = new double[condChannels * tout];
        // output channels in parallel (each writes its own row): ~1.5 G multiply-adds for 10 s at 512 channels
        java.util.stream.IntStream.range(0, condChannels).parallel().forEach(co -> {
            int yo = co * tout;
            java.util.Arrays.fill(y, yo, yo + tout, b[co]);
            for (int ci = 0; ci < cin; ci++) {
                int xo = ci * tin;
                for (int kk = 0; kk < k; kk++) {
                    double wv = w[(co * cin + ci) * k + kk];
                    int shift = kk - padLeft;
                    int t0 = Math.max(0, -shift), t1 = Math.min(tout, tin - shift);
                    for (int t = t0; t < t1; t++) y[yo + t] += wv * x[xo + t + shift];
                }
            }
        });
        return y;
    }

    /** ELU with alpha 1. */
    private static void elu(double[] x) {
        for (int i = 0; i < x.length; i++) if (x[i] <= 0) x[i] = Math.expm1(x[i]);
    }

    @Override
    public void close() {
        // host arrays only
    }
}
