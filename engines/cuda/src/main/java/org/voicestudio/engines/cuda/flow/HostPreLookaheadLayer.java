package org.voicestudio.engines.cuda.flow;

import org.voicestudio.inference.config.ModelConfig.FlowConfig;

import java.util.stream.IntStream;

/**
 * {@code PreLookaheadLayer} (reference §4.3) on the host: conv1 (k = pre_lookahead_len + 1) over the tokens
 * followed by {@code pre_lookahead_len} tokens of right context (the next tokens, or zeros when finalizing),
 * leaky ReLU, a causal conv2 (k = 3, left pad 2), residual. Both convs are dot products over contiguous
 * windows of the time-major activations, with the kernels stored [out][k][in] to match.
 */
final class HostPreLookaheadLayer {
    private static final float LEAKY_SLOPE = 0.01f;   // F.leaky_relu default
    private static final int CONV2_KERNEL = 3;
    /** Below this many multiply-adds per conv the fork/join overhead outweighs the cores. */
    private static final long PARALLEL_MACS = 1L << 22;
    private final int in, channels, k1;
    private final float[] conv1;    // [channels][k1][in]
    private final float[] conv1Bias;
    private final float[] conv2;    // [in][3][channels]
    private final float[] conv2Bias;

    HostPreLookaheadLayer(HostWeights w, FlowConfig c) {
        in = c.inputSize();
        channels = c.preLookaheadChannels();
        k1 = c.preLookaheadLen() + 1;
        conv1 = kernelTimeMajor(w.get("pre_lookahead_layer.conv1.weight", channels, in, k1), channels, in, k1);
        conv1Bias = w.get("pre_lookahead_layer.conv1.bias", channels);
        conv2 = kernelTimeMajor(w.get("pre_lookahead_layer.conv2.weight", in, channels, CONV2_KERNEL), in, channels, CONV2_KERNEL);
        conv2Bias = w.get("pre_lookahead_layer.conv2.bias", in);
    }

    /** PyTorch's conv weight [out][in][k] reordered to [out][k][in]. */
    private static float[] kernelTimeMajor(float[] w, int out, int in, int k) {
        float[] r = new float[w.length];
        for (int o = 0; o < out; o++) {
            for (int i = 0; i < in; i++) {
                for (int j = 0; j < k; j++) r[(o * k + j) * in + i] = w[(o * in + i) * k + j];
            }
        }
        return r;
    }

    /**
     * @param emb     [P+N, 80] time-major token embeddings
     * @param encoded L, the tokens whose h is wanted; tokens [L, L + lookahead) of {@code emb} are the right
     *                context, and positions past the end of {@code emb} are zeros (finalize)
     * @return h [L, 80] time-major
     */
    float[] forward(float[] emb, int encoded) {
        int total = emb.length / in, lookahead = k1 - 1;
        if (emb.length != total * in || encoded > total) {
            throw new IllegalArgumentException("pre-lookahead input has " + emb.length + " values, not [>= " + encoded + ", " + in + "]");
        }
        // [x, right context or zeros]                                                     [L + 3, 80]
        float[] xpad = new float[(encoded + lookahead) * in];
        System.arraycopy(emb, 0, xpad, 0, Math.min(total, encoded + lookahead) * in);
        // conv1 + leaky ReLU, with conv2's 2 zero frames of left padding in front          [2 + L, C]
        float[] y1 = new float[(CONV2_KERNEL - 1 + encoded) * channels];
        int y1Off = (CONV2_KERNEL - 1) * channels;
        rows(encoded, (long) channels * k1 * in, t -> {
            for (int o = 0; o < channels; o++) {
                float v = conv1Bias[o] + HostMath.dot(conv1, o * k1 * in, xpad, t * in, k1 * in);
                y1[y1Off + t * channels + o] = v >= 0 ? v : v * LEAKY_SLOPE;
            }
        });
        // causal conv2 + residual                                                           [L, 80]
        float[] h = new float[encoded * in];
        rows(encoded, (long) in * CONV2_KERNEL * channels, t -> {
            for (int c = 0; c < in; c++) {
                h[t * in + c] = conv2Bias[c] + HostMath.dot(conv2, c * CONV2_KERNEL * channels, y1, t * channels, CONV2_KERNEL * channels) + emb[t * in + c];
            }
        });
        return h;
    }

    private static void rows(int count, long macsPerRow, java.util.function.IntConsumer row) {
        IntStream r = IntStream.range(0, count);
        (count * macsPerRow >= PARALLEL_MACS ? r.parallel() : r).forEach(row);
    }
}
