package org.voicestudio.engines.djl.flow;

import ai.djl.ndarray.NDArray;
import org.voicestudio.engines.djl.DjlWeights;
import org.voicestudio.inference.config.ModelConfig.FlowConfig;

/** {@code FeedForward(dim, mult=ff_mult, approximate="tanh")}: Linear -> GELU(tanh) -> Linear. */
final class FeedForward {
    private final NDArray inWeight, inBias;     // [ff_mult dim, dim]
    private final NDArray outWeight, outBias;   // [dim, ff_mult dim]

    FeedForward(DjlWeights w, String prefix, FlowConfig c) {
        int dim = c.ditDim(), inner = dim * c.ditFfMult();
        inWeight = Nn.param(w, prefix + "ff.0.0.weight", inner, dim);
        inBias = Nn.param(w, prefix + "ff.0.0.bias", inner);
        outWeight = Nn.param(w, prefix + "ff.2.weight", dim, inner);
        outBias = Nn.param(w, prefix + "ff.2.bias", dim);
    }

    /** [B, T, dim] -> [B, T, dim]. */
    NDArray forward(NDArray x) {
        return Nn.linear(Nn.geluTanh(Nn.linear(x, inWeight, inBias)), outWeight, outBias);
    }
}
