package org.voicestudio.engines.djl.llm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.voicestudio.engines.djl.DjlWeights;
import org.voicestudio.inference.config.ModelConfig.LlmConfig;

import java.util.ArrayList;
import java.util.List;

/**
 * The Qwen2 decoder stack without embeddings or head: {@code layers.N.*} and the final
 * {@code norm}, read under a key prefix ({@code llm.model.model.} in CosyVoice3's {@code llm.pt},
 * {@code model.} in a Hugging Face checkpoint). Inputs are embeddings, so the same backbone serves
 * CosyVoice3's mixed text/speech prefill and a plain token-id language model.
 */
public final class Qwen2Backbone {
    private final LlmConfig config;
    private final List<Qwen2DecoderLayer> layers;
    private final RmsNorm norm;
    private final RotaryEmbedding rotary;

    public Qwen2Backbone(LlmConfig c, DjlWeights w, String prefix) {
        int h = c.hiddenSize(), hd = c.headDim(), qDim = c.numHeads() * hd, kvDim = c.numKvHeads() * hd;
        if (qDim != h) throw new IllegalArgumentException("num_attention_heads x head_dim = " + qDim + " but hidden_size is " + h);
        this.config = c;
        List<Qwen2DecoderLayer> list = new ArrayList<>();
        for (int i = 0; i < c.numLayers(); i++) {
            String p = prefix + "layers." + i + ".";
            Qwen2Attention attention = new Qwen2Attention(
                    w.f32(p + "self_attn.q_proj.weight", qDim, h), w.f32(p + "self_attn.q_proj.bias", qDim),
                    w.f32(p + "self_attn.k_proj.weight", kvDim, h), w.f32(p + "self_attn.k_proj.bias", kvDim),
                    w.f32(p + "self_attn.v_proj.weight", kvDim, h), w.f32(p + "self_attn.v_proj.bias", kvDim),
                    w.f32(p + "self_attn.o_proj.weight", h, qDim),
                    c.numHeads(), c.numKvHeads(), hd);
            Qwen2Mlp mlp = new Qwen2Mlp(
                    w.f32(p + "mlp.gate_proj.weight", c.intermediateSize(), h),
                    w.f32(p + "mlp.up_proj.weight", c.intermediateSize(), h),
                    w.f32(p + "mlp.down_proj.weight", h, c.intermediateSize()));
            list.add(new Qwen2DecoderLayer(
                    new RmsNorm(w.f32(p + "input_layernorm.weight", h), c.rmsNormEps()),
                    attention,
                    new RmsNorm(w.f32(p + "post_attention_layernorm.weight", h), c.rmsNormEps()),
                    mlp));
        }
        this.layers = List.copyOf(list);
        this.norm = new RmsNorm(w.f32(prefix + "norm.weight", h), c.rmsNormEps());
        this.rotary = new RotaryEmbedding(w.manager(), hd, c.ropeTheta());
    }

    /** One sequence's keys and values for every layer, in {@code owner}'s memory. */
    public final class Cache {
        private final List<KvCache> perLayer = new ArrayList<>();

        private Cache(NDManager owner, int initialCapacity) {
            for (int i = 0; i < layers.size(); i++) {
                perLayer.add(new KvCache(owner, config.numKvHeads(), config.headDim(), initialCapacity));
            }
        }

        /** Positions held. */
        public int length() { return perLayer.getFirst().length(); }
    }

    public Cache newCache(NDManager owner, int initialCapacity) {
        return new Cache(owner, initialCapacity);
    }

    /**
     * Runs x [1, T, H] at the next T positions of {@code cache} (causal over cache + x) and returns
     * the final-norm hidden states [1, T, H], allocated in {@code step}.
     */
    public NDArray forward(NDManager step, NDArray x, Cache cache) {
        int start = cache.length();
        RotaryEmbedding.Angles rope = rotary.angles(step, start, Math.toIntExact(x.getShape().get(1)));
        NDArray h = x;
        for (int i = 0; i < layers.size(); i++) h = layers.get(i).forward(h, rope, cache.perLayer.get(i), step);
        return norm.forward(h);
    }
}
