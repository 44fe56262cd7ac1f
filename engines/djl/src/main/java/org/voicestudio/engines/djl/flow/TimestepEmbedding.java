package org.voicestudio.engines.djl.flow;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import org.voicestudio.engines.djl.DjlWeights;
import org.voicestudio.inference.config.ModelConfig.FlowConfig;

/**
 * {@code TimestepEmbedding} (reference §4.3): {@code SinusPositionEmbedding(256)} of {@code 1000 t}
 * (sin half then cos half), then {@code Linear(256, dim) -> SiLU -> Linear(dim, dim)}.
 */
final class TimestepEmbedding {
    static final int FREQ_EMBED_DIM = 256;   // TimestepEmbedding default freq_embed_dim
    private static final float SCALE = 1000f;  // SinusPositionEmbedding.forward default scale
    private final NDArray linear1Weight, linear1Bias;   // [dim, 256]
    private final NDArray linear2Weight, linear2Bias;   // [dim, dim]

    TimestepEmbedding(DjlWeights w, FlowConfig c) {
        String p = "decoder.estimator.time_embed.time_mlp.";
        linear1Weight = Nn.param(w, p + "0.weight", c.ditDim(), FREQ_EMBED_DIM);
        linear1Bias = Nn.param(w, p + "0.bias", c.ditDim());
        linear2Weight = Nn.param(w, p + "2.weight", c.ditDim(), c.ditDim());
        linear2Bias = Nn.param(w, p + "2.bias", c.ditDim());
    }

    /** t [B] -> [B, dim]. */
    NDArray forward(NDArray t) {
        int half = FREQ_EMBED_DIM / 2;
        double step = Math.log(10000) / (half - 1);
        NDArray freqs = t.getManager().arange(0, half, 1, DataType.FLOAT32).mul((float) -step).exp();   // [128]
        NDArray arg = t.mul(SCALE).expandDims(1).mul(freqs.expandDims(0));                            // [B, 128]
        NDArray emb = arg.sin().concat(arg.cos(), 1);                                                   // [B, 256]
        NDArray h = Nn.silu(Nn.linear(emb, linear1Weight, linear1Bias));                                // [B, dim]
        return Nn.linear(h, linear2Weight, linear2Bias);                                                // [B, dim]
    }
}
