package org.voicestudio.engines.djl.flow;

import ai.djl.ndarray.NDArray;
import org.voicestudio.engines.djl.DjlWeights;
import org.voicestudio.inference.config.ModelConfig.FlowConfig;

/** {@code spk_embed_affine_layer(F.normalize(xvec, dim=1))}: the 192-d x-vector to the 80-d {@code spks} (reference §4.1). */
final class SpeakerProjection {
    private static final float NORMALIZE_EPS = 1e-12f;   // F.normalize default
    private final NDArray weight;   // [output_size, spk_embed_dim]
    private final NDArray bias;     // [output_size]

    SpeakerProjection(DjlWeights w, FlowConfig c) {
        weight = Nn.param(w, "spk_embed_affine_layer.weight", c.outputSize(), c.spkEmbedDim());
        bias = Nn.param(w, "spk_embed_affine_layer.bias", c.outputSize());
    }

    /** xvec [1, 192] -> spks [1, 80]. */
    NDArray forward(NDArray xvec) {
        NDArray unit = xvec.normalize(2, 1, NORMALIZE_EPS);   // [1, 192]
        return Nn.linear(unit, weight, bias);                 // [1, 80]
    }
}
