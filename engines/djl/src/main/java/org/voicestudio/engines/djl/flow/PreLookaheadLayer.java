package org.voicestudio.engines.djl.flow;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;
import org.voicestudio.engines.djl.DjlWeights;
import org.voicestudio.inference.config.ModelConfig.FlowConfig;

/**
 * {@code PreLookaheadLayer} (reference §4.3): conv1 (k = pre_lookahead_len + 1) over the tokens followed by
 * {@code pre_lookahead_len} tokens of right context (the next tokens, or zeros when finalizing), leaky ReLU,
 * a causal conv2 (k = 3, left pad 2), and a residual connection. The only "encoder" of the CosyVoice3 flow.
 */
final class PreLookaheadLayer {
    private static final float LEAKY_SLOPE = 0.01f;   // F.leaky_relu default
    private static final int CONV2_KERNEL = 3;
    private final int lookahead;
    private final NDArray conv1Weight;   // [channels, in, lookahead + 1]
    private final NDArray conv1Bias;
    private final NDArray conv2Weight;   // [in, channels, 3]
    private final NDArray conv2Bias;

    PreLookaheadLayer(DjlWeights w, FlowConfig c) {
        lookahead = c.preLookaheadLen();
        int in = c.inputSize(), ch = c.preLookaheadChannels();
        conv1Weight = Nn.param(w, "pre_lookahead_layer.conv1.weight", ch, in, lookahead + 1);
        conv1Bias = Nn.param(w, "pre_lookahead_layer.conv1.bias", ch);
        conv2Weight = Nn.param(w, "pre_lookahead_layer.conv2.weight", in, ch, CONV2_KERNEL);
        conv2Bias = Nn.param(w, "pre_lookahead_layer.conv2.bias", in);
    }

    /**
     * @param x       [1, L, 80] token embeddings whose h is wanted
     * @param context [1, lookahead, 80] the following tokens, or null for zero right padding (finalize)
     * @return h [1, L, 80]
     */
    NDArray forward(NDArray x, NDArray context) {
        NDArray out = x.transpose(0, 2, 1);                                     // [1, 80, L]
        out = context == null
                ? Nn.padLast(out, 0, lookahead)                                 // [1, 80, L + 3]
                : out.concat(context.transpose(0, 2, 1), 2);                    // [1, 80, L + 3]
        out = Activation.leakyRelu(Nn.conv1d(out, conv1Weight, conv1Bias, 1), LEAKY_SLOPE);   // [1, C, L]
        out = Nn.conv1d(Nn.padLast(out, CONV2_KERNEL - 1, 0), conv2Weight, conv2Bias, 1);   // [1, 80, L]
        return out.transpose(0, 2, 1).add(x);                                  // [1, L, 80]
    }
}
