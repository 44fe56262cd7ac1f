package org.voicestudio.engines.djl.llm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/** Qwen2DecoderLayer, pre-norm: {@code h = x + attn(norm1(x)); out = h + mlp(norm2(h))}. */
final class Qwen2DecoderLayer {
    private final RmsNorm inputLayernorm;
    private final Qwen2Attention selfAttn;
    private final RmsNorm postAttentionLayernorm;
    private final Qwen2Mlp mlp;

    Qwen2DecoderLayer(RmsNorm inputLayernorm, Qwen2Attention selfAttn, RmsNorm postAttentionLayernorm, Qwen2Mlp mlp) {
        this.inputLayernorm = inputLayernorm;
        this.selfAttn = selfAttn;
        this.postAttentionLayernorm = postAttentionLayernorm;
        this.mlp = mlp;
    }

    /** x [1, T, H] -> [1, T, H] */
    NDArray forward(NDArray x, RotaryEmbedding.Angles rope, KvCache cache, NDManager step) {
        NDArray h = x.add(selfAttn.forward(inputLayernorm.forward(x), rope, cache, step));
        return h.add(mlp.forward(postAttentionLayernorm.forward(h)));
    }
}
