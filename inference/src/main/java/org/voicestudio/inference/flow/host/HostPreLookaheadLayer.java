package org.voicestudio.inference.flow.host;

import org.voicestudio.inference.config.ModelConfig.FlowConfig;

import java.util.stream.IntStream;

/**
 * {@code PreLookaheadLayer} (reference §4.3) on the host: conv1 (k = pre_lookahead_len + 1) over the tokens
 * followed by {@code pre_lookahead_len} tokens of right context (the next tokens, or zeros when finalizing),
 * leaky ReLU, a causal conv2 (k = 3, left pad 2), residual. In the time-major layout each output row is a
 * matrix-vector product over a contiguous window of input rows, so both convs run as
 * {@code out[t] += W^T[j] * window[t][j]} row updates (the JIT vectorizes the inner loop over output channels),
 * {@value #ROWS} time steps at a time to reuse each kernel row, time blocks spread over the cores.
 */
final class HostPreLookaheadLayer {
    private static final float LEAKY_SLOPE = 0.01f;   // F.leaky_relu default
    private static final int CONV2_KERNEL = 3;
    /** Time steps computed together (each kernel row read once per block). */
    static final int ROWS = 4;
    /** Below this many multiply-adds per conv the fork/join overhead outweighs the cores. */
    private static final long PARALLEL_MACS = 1L << 22;
    private final int in, channels, k1;
    private final float[] conv1;    // [k1 * in][channels]: window position j = k * in + i, then output channel
    private final float[] conv1Bias;
    private final float[] conv2;    // [3 * channels][in]
    private final float[] conv2Bias;

    HostPreLookaheadLayer(HostWeights w, FlowConfig c) {
        in = c.inputSize();
        channels = c.preLookaheadChannels();
        k1 = c.preLookaheadLen() + 1;
        conv1 = windowMajor(w.get("pre_lookahead_layer.conv1.weight", channels, in, k1), channels, in, k1);
        conv1Bias = w.get("pre_lookahead_layer.conv1.bias", channels);
        conv2 = windowMajor(w.get("pre_lookahead_layer.conv2.weight", in, channels, CONV2_KERNEL), in, channels, CONV2_KERNEL);
        conv2Bias = w.get("pre_lookahead_layer.conv2.bias", in);
    }

    /** PyTorch's conv weight [out][in][k] as [k * in + i][out]: one row per position of the time-major input window. */
    private static float[] windowMajor(float[] w, int out, int in, int k) {
        float[] r = new float[w.length];
        for (int o = 0; o < out; o++) {
            for (int i = 0; i < in; i++) {
                for (int j = 0; j < k; j++) r[(j * in + i) * out + o] = w[(o * in + i) * k + j];
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
        conv(xpad, in, conv1, conv1Bias, k1 * in, channels, y1, y1Off, encoded);
        for (int i = y1Off; i < y1.length; i++) if (y1[i] < 0) y1[i] *= LEAKY_SLOPE;
        // causal conv2 + residual                                                           [L, 80]
        float[] h = new float[encoded * in];
        conv(y1, channels, conv2, conv2Bias, CONV2_KERNEL * channels, in, h, 0, encoded);
        for (int i = 0; i < h.length; i++) h[i] += emb[i];
        return h;
    }

    /**
     * {@code out[off + t * outCh + o] = bias[o] + sum_j w[j * outCh + o] * x[t * stride + j]}, j over the
     * {@code window} values of row t's input window, for t in [0, count): a stride-1 conv in the time-major layout.
     */
    private static void conv(float[] x, int stride, float[] w, float[] bias, int window, int outCh, float[] out, int off, int count) {
        int blocks = (count + ROWS - 1) / ROWS;
        rows(blocks, (long) ROWS * window * outCh, b -> {
            int t0 = b * ROWS, n = Math.min(ROWS, count - t0);
            float[] acc = new float[ROWS * outCh];
            for (int r = 0; r < ROWS; r++) System.arraycopy(bias, 0, acc, r * outCh, outCh);
            int x0 = t0 * stride, x1 = x0 + stride, x2 = x1 + stride, x3 = x2 + stride;
            if (n == ROWS) {
                for (int j = 0; j < window; j++) {
                    float a0 = x[x0 + j], a1 = x[x1 + j], a2 = x[x2 + j], a3 = x[x3 + j];
                    int wr = j * outCh;
                    for (int o = 0; o < outCh; o++) {
                        float wv = w[wr + o];
                        acc[o] += wv * a0;
                        acc[outCh + o] += wv * a1;
                        acc[2 * outCh + o] += wv * a2;
                        acc[3 * outCh + o] += wv * a3;
                    }
                }
            } else {
                for (int r = 0; r < n; r++) {
                    int xr = x0 + r * stride, ar = r * outCh;
                    for (int j = 0; j < window; j++) {
                        float a = x[xr + j];
                        int wr = j * outCh;
                        for (int o = 0; o < outCh; o++) acc[ar + o] += w[wr + o] * a;
                    }
                }
            }
            System.arraycopy(acc, 0, out, off + t0 * outCh, n * outCh);
        });
    }

    private static void rows(int count, long macsPerRow, java.util.function.IntConsumer row) {
        IntStream r = IntStream.range(0, count);
        (count * macsPerRow >= PARALLEL_MACS ? r.parallel() : r).forEach(row);
    }
}
