package org.voicestudio.engines.djl.flow;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.SparseFormat;
import org.voicestudio.engines.djl.DjlWeights;
import org.voicestudio.inference.config.ModelConfig.FlowConfig;

/** {@code input_embedding}: speech token ids (already clamped at 0) to 80-d vectors (reference §4.3). */
final class TokenEmbedding {
    private final NDArray weight;   // [vocab_size 6561, input_size 80]

    TokenEmbedding(DjlWeights w, FlowConfig c) {
        weight = Nn.param(w, "input_embedding.weight", c.vocabSize(), c.inputSize());
    }

    /** ids [1, L] int64 -> [1, L, 80]; the padding mask of a batch of one is all ones. */
    NDArray forward(NDArray ids) {
        return ids.getNDArrayInternal().embedding(ids, weight, SparseFormat.DENSE).singletonOrThrow();
    }
}
