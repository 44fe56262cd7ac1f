package org.voicestudio.engines.djl.flow;

import ai.djl.ndarray.NDArray;
import org.voicestudio.engines.djl.DjlWeights;
import org.voicestudio.inference.config.ModelConfig.FlowConfig;

/**
 * {@code DiTBlock} (reference §4.3): adaptive-norm-modulated attention and feed-forward, each added back
 * through its gate.
 */
final class DitBlock {
    private final AdaLayerNormZero attnNorm;
    private final Attention attn;
    private final FeedForward ff;
    private final NDArray ones, zeros;   // ff_norm: LayerNorm without affine

    DitBlock(DjlWeights w, int index, FlowConfig c) {
        String p = "decoder.estimator.transformer_blocks." + index + ".";
        attnNorm = new AdaLayerNormZero(w, p + "attn_norm.", c);
        attn = new Attention(w, p + "attn.", c);
        ff = new FeedForward(w, p + "ff.", c);
        ones = Nn.ones(w.manager(), c.ditDim());
        zeros = Nn.zeros(w.manager(), c.ditDim());
    }

    /** x [B, T, dim], t [B, dim] -> [B, T, dim]. */
    NDArray forward(NDArray x, NDArray t, NDArray bias, NDArray keepRows, RotaryEmbedding rope, RotaryEmbedding.Frequencies freqs) {
        AdaLayerNormZero.Output n = attnNorm.forward(x, t);
        NDArray attnOut = attn.forward(n.x(), bias, keepRows, rope, freqs);                          // [B, T, dim]
        x = x.add(n.gateMsa().expandDims(1).mul(attnOut));
        NDArray ffIn = Nn.layerNorm(x, ones, zeros, AdaLayerNormZero.EPS)
                .mul(n.scaleMlp().add(1f).expandDims(1)).add(n.shiftMlp().expandDims(1));            // [B, T, dim]
        return x.add(n.gateMlp().expandDims(1).mul(ff.forward(ffIn)));
    }
}
