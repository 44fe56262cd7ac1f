package org.voicestudio.inference.flow.host;

import org.voicestudio.inference.config.ModelConfig.FlowConfig;

/** {@code input_embedding}: speech token ids (already clamped at 0) to 80-d rows (reference §4.3); a host row copy. */
final class HostTokenEmbedding {
    private final int vocab, dim;
    private final float[] weight;   // [vocab_size, input_size]

    HostTokenEmbedding(HostWeights w, FlowConfig c) {
        vocab = c.vocabSize();
        dim = c.inputSize();
        weight = w.get("input_embedding.weight", vocab, dim);
    }

    /** ids [L] -> [L, 80] time-major; the padding mask of a batch of one is all ones. */
    float[] forward(int[] ids) {
        float[] out = new float[ids.length * dim];
        for (int t = 0; t < ids.length; t++) {
            int id = ids[t];
            if (id < 0 || id >= vocab) throw new IllegalArgumentException("speech token " + t + " is " + id + ", outside the flow codebook [0, " + vocab + ")");
            System.arraycopy(weight, id * dim, out, t * dim, dim);
        }
        return out;
    }
}
