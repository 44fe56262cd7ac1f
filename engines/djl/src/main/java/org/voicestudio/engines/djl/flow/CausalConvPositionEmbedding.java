package org.voicestudio.engines.djl.flow;

import ai.djl.ndarray.NDArray;
import org.voicestudio.engines.djl.DjlWeights;
import org.voicestudio.inference.config.ModelConfig.FlowConfig;
import org.voicestudio.inference.config.ModelConfigReader;

/**
 * {@code CausalConvPositionEmbedding} (reference §4.3): two grouped convolutions (k = 31, 16 groups), each
 * with 30 frames of zero left padding and Mish. Causal, so a frame's embedding never depends on later frames.
 */
final class CausalConvPositionEmbedding {
    static final int KERNEL_SIZE = 31;   // module defaults
    static final int GROUPS = ModelConfigReader.CONV_POS_GROUPS;
    private final NDArray conv1Weight, conv1Bias;   // [dim, dim / 16, 31]
    private final NDArray conv2Weight, conv2Bias;

    CausalConvPositionEmbedding(DjlWeights w, FlowConfig c) {
        String p = "decoder.estimator.input_embed.conv_pos_embed.";
        int dim = c.ditDim();
        if (dim % GROUPS != 0) throw new IllegalArgumentException("DiT dim " + dim + " is not divisible by the " + GROUPS + " conv groups");
        conv1Weight = Nn.param(w, p + "conv1.0.weight", dim, dim / GROUPS, KERNEL_SIZE);
        conv1Bias = Nn.param(w, p + "conv1.0.bias", dim);
        conv2Weight = Nn.param(w, p + "conv2.0.weight", dim, dim / GROUPS, KERNEL_SIZE);
        conv2Bias = Nn.param(w, p + "conv2.0.bias", dim);
    }

    /** x [B, T, dim] -> [B, T, dim]. */
    NDArray forward(NDArray x) {
        NDArray h = x.transpose(0, 2, 1);                                                               // [B, dim, T]
        h = Nn.mish(Nn.conv1d(Nn.padLast(h, KERNEL_SIZE - 1, 0), conv1Weight, conv1Bias, GROUPS));   // [B, dim, T]
        h = Nn.mish(Nn.conv1d(Nn.padLast(h, KERNEL_SIZE - 1, 0), conv2Weight, conv2Bias, GROUPS));   // [B, dim, T]
        return h.transpose(0, 2, 1);                                                                    // [B, T, dim]
    }
}
