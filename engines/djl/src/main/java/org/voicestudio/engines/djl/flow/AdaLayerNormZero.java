package org.voicestudio.engines.djl.flow;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import org.voicestudio.engines.djl.DjlWeights;
import org.voicestudio.inference.config.ModelConfig.FlowConfig;

/**
 * {@code AdaLayerNormZero} (reference §4.3): {@code Linear(SiLU(t))} gives six chunks, shift/scale/gate for
 * the attention and for the MLP; the input is layer-normed (no affine, eps 1e-6) and modulated with the first two.
 */
final class AdaLayerNormZero {
    static final float EPS = 1e-6f;
    private final NDArray weight, bias;   // [6 dim, dim]
    private final NDArray ones, zeros;

    /** The modulated input and the parameters the rest of the block uses, each [B, dim] except {@code x}. */
    record Output(NDArray x, NDArray gateMsa, NDArray shiftMlp, NDArray scaleMlp, NDArray gateMlp) {}

    AdaLayerNormZero(DjlWeights w, String prefix, FlowConfig c) {
        int dim = c.ditDim();
        weight = Nn.param(w, prefix + "linear.weight", 6L * dim, dim);
        bias = Nn.param(w, prefix + "linear.bias", 6L * dim);
        ones = Nn.ones(w.manager(), dim);
        zeros = Nn.zeros(w.manager(), dim);
    }

    /** x [B, T, dim], emb [B, dim]. */
    Output forward(NDArray x, NDArray emb) {
        NDList c = Nn.linear(Nn.silu(emb), weight, bias).split(6, 1);   // 6 x [B, dim]
        NDArray shiftMsa = c.get(0), scaleMsa = c.get(1), gateMsa = c.get(2);
        NDArray shiftMlp = c.get(3), scaleMlp = c.get(4), gateMlp = c.get(5);
        NDArray normed = Nn.layerNorm(x, ones, zeros, EPS)
                .mul(scaleMsa.add(1f).expandDims(1)).add(shiftMsa.expandDims(1));   // [B, T, dim]
        return new Output(normed, gateMsa, shiftMlp, scaleMlp, gateMlp);
    }
}
