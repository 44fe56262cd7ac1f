package org.voicestudio.engines.djl.llm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;

/**
 * Qwen2Attention with grouped-query attention (reference §3.1): q/k/v projections with bias,
 * o_proj without, RoPE on q and k, {@code num_heads / num_kv_heads} query heads share one KV head
 * (head h reads KV head h / n_rep, as transformers' {@code repeat_kv}), causal softmax attention
 * over every cached position, scaling {@code 1/sqrt(head_dim)}.
 */
final class Qwen2Attention {
    private final NDArray qWeight, qBias, kWeight, kBias, vWeight, vBias, oWeight;
    private final int numHeads, numKvHeads, headDim;
    private final float scaling;

    Qwen2Attention(NDArray qWeight, NDArray qBias, NDArray kWeight, NDArray kBias, NDArray vWeight, NDArray vBias,
                   NDArray oWeight, int numHeads, int numKvHeads, int headDim) {
        if (numHeads % numKvHeads != 0) {
            throw new IllegalArgumentException("num_attention_heads " + numHeads + " is not a multiple of num_key_value_heads " + numKvHeads);
        }
        this.qWeight = qWeight; this.qBias = qBias;
        this.kWeight = kWeight; this.kBias = kBias;
        this.vWeight = vWeight; this.vBias = vBias;
        this.oWeight = oWeight;
        this.numHeads = numHeads;
        this.numKvHeads = numKvHeads;
        this.headDim = headDim;
        this.scaling = (float) (1.0 / Math.sqrt(headDim));
    }

    /**
     * @param x     [1, T, H] (normalised hidden states of the T new positions)
     * @param cache this layer's cache; the new keys/values are appended
     * @return [1, T, H]
     */
    NDArray forward(NDArray x, RotaryEmbedding.Angles rope, KvCache cache, NDManager step) {
        long t = x.getShape().get(1);
        int past = cache.length();
        int nRep = numHeads / numKvHeads;

        NDArray q = heads(Linear.linear(x, qWeight, qBias).singletonOrThrow(), numHeads, t);   // [1, nH, T, hd]
        NDArray k = heads(Linear.linear(x, kWeight, kBias).singletonOrThrow(), numKvHeads, t); // [1, kvH, T, hd]
        NDArray v = heads(Linear.linear(x, vWeight, vBias).singletonOrThrow(), numKvHeads, t); // [1, kvH, T, hd]
        q = rope.apply(q);
        k = rope.apply(k);
        NDArray[] kv = cache.append(k, v, step);
        NDArray keys = kv[0], values = kv[1]; // [1, kvH, S, hd], S = past + T
        long s = keys.getShape().get(2);

        // the n_rep query heads of one KV head side by side: [1, kvH, n_rep * T, hd]
        NDArray grouped = q.reshape(1, numKvHeads, nRep * t, headDim);
        NDArray scores = grouped.matMul(keys.transpose(0, 1, 3, 2)).mul(scaling); // [1, kvH, n_rep*T, S]
        if (t > 1) {
            // position past+i sees cached positions 0 .. past+i
            scores = scores.reshape(1, numKvHeads, nRep, t, s).add(causalMask(step, past, t, s)).reshape(1, numKvHeads, nRep * t, s);
        }
        NDArray attended = scores.softmax(-1).matMul(values); // [1, kvH, n_rep*T, hd]
        NDArray merged = attended.reshape(1, numHeads, t, headDim).transpose(0, 2, 1, 3).reshape(1, t, (long) numHeads * headDim);
        return Linear.linear(merged, oWeight).singletonOrThrow(); // [1, T, H]
    }

    /** [1, T, heads*hd] -> [1, heads, T, hd] */
    private NDArray heads(NDArray projected, int heads, long t) {
        return projected.reshape(1, t, heads, headDim).transpose(0, 2, 1, 3);
    }

    /** [T, S]: 0 where key j <= past + i, -inf after. */
    private static NDArray causalMask(NDManager step, int past, long t, long s) {
        float[] mask = new float[Math.toIntExact(t * s)];
        for (int i = 0; i < t; i++) {
            for (int j = past + i + 1; j < s; j++) mask[Math.toIntExact(i * s + j)] = Float.NEGATIVE_INFINITY;
        }
        return step.create(mask, new Shape(t, s));
    }
}
