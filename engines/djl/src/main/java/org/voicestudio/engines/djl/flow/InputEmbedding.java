package org.voicestudio.engines.djl.flow;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import org.voicestudio.engines.djl.DjlWeights;
import org.voicestudio.inference.config.ModelConfig.FlowConfig;

/**
 * {@code InputEmbedding} (reference §4.3): {@code proj(concat[x, cond, mu, spks])} then the causal conv
 * position embedding added residually.
 */
final class InputEmbedding {
    private final NDArray projWeight, projBias;   // [dim, mel + mel + mu + spk = 320]
    private final CausalConvPositionEmbedding convPosEmbed;

    InputEmbedding(DjlWeights w, FlowConfig c) {
        int in = 2 * c.outputSize() + c.inputSize() + c.outputSize();   // mel_dim * 2 + mu_dim + spk_dim
        projWeight = Nn.param(w, "decoder.estimator.input_embed.proj.weight", c.ditDim(), in);
        projBias = Nn.param(w, "decoder.estimator.input_embed.proj.bias", c.ditDim());
        convPosEmbed = new CausalConvPositionEmbedding(w, c);
    }

    /** x, cond, mu [B, T, 80], spks [B, 80] -> [B, T, dim]. */
    NDArray forward(NDArray x, NDArray cond, NDArray mu, NDArray spks) {
        long b = x.getShape().get(0), t = x.getShape().get(1);
        NDArray spksT = spks.expandDims(1).broadcast(b, t, spks.getShape().get(1));          // [B, T, 80]
        NDArray h = Nn.linear(NDArrays.concat(new NDList(x, cond, mu, spksT), 2), projWeight, projBias);   // [B, T, dim]
        return convPosEmbed.forward(h).add(h);                                                 // [B, T, dim]
    }
}
