package org.voicestudio.engines.djl.flow;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import org.voicestudio.engines.djl.DjlWeights;
import org.voicestudio.inference.config.ModelConfig.FlowConfig;

/** {@code AdaLayerNormZero_Final} ({@code norm_out}): {@code Linear(SiLU(t))} -> (scale, shift) in that order, then modulated layer norm. */
final class AdaLayerNormZeroFinal {
    private final NDArray weight, bias;   // [2 dim, dim]
    private final NDArray ones, zeros;

    AdaLayerNormZeroFinal(DjlWeights w, FlowConfig c) {
        int dim = c.ditDim();
        weight = Nn.param(w, "decoder.estimator.norm_out.linear.weight", 2L * dim, dim);
        bias = Nn.param(w, "decoder.estimator.norm_out.linear.bias", 2L * dim);
        ones = Nn.ones(w.manager(), dim);
        zeros = Nn.zeros(w.manager(), dim);
    }

    /** x [B, T, dim], emb [B, dim] -> [B, T, dim]. */
    NDArray forward(NDArray x, NDArray emb) {
        NDList c = Nn.linear(Nn.silu(emb), weight, bias).split(2, 1);   // scale, shift: 2 x [B, dim]
        NDArray scale = c.get(0), shift = c.get(1);
        return Nn.layerNorm(x, ones, zeros, AdaLayerNormZero.EPS).mul(scale.add(1f).expandDims(1)).add(shift.expandDims(1));
    }
}
