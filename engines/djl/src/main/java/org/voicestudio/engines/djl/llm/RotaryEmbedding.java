package org.voicestudio.engines.djl.llm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;

/**
 * Qwen2RotaryEmbedding, HF "rotate-half" convention (reference §3.1): the first and second halves
 * of each head are the two coordinates of a pair, {@code inv_freq[i] = 1 / theta^(2i / head_dim)},
 * angle = position * inv_freq, the {@code head_dim/2} angles repeated twice along the head.
 */
final class RotaryEmbedding {
    private final NDArray invFreq; // [hd/2]
    private final int headDim;

    /** Computes {@code inv_freq} in float32 with the same operations as transformers. */
    RotaryEmbedding(NDManager manager, int headDim, double ropeTheta) {
        if (headDim % 2 != 0) throw new IllegalArgumentException("rotary head_dim must be even, got " + headDim);
        this.headDim = headDim;
        try (NDManager scratch = manager.newSubManager()) {
            NDArray exponents = scratch.arange(0, headDim, 2, DataType.FLOAT32).div(headDim); // [hd/2]
            NDArray powers = scratch.create((float) ropeTheta).pow(exponents);
            NDArray inv = scratch.ones(powers.getShape()).div(powers);
            inv.attach(manager);
            this.invFreq = inv;
        }
    }

    /** cos and sin for positions {@code start .. start+length-1}, each [length, hd], in {@code manager}. */
    Angles angles(NDManager manager, int start, int length) {
        NDArray positions = manager.arange(start, start + length, 1, DataType.FLOAT32).reshape(length, 1); // [T, 1]
        NDArray freqs = positions.mul(invFreq); // [T, 1] * [hd/2] -> [T, hd/2]
        NDArray emb = freqs.concat(freqs, -1); // [T, hd]
        return new Angles(emb.cos(), emb.sin());
    }

    /** cos/sin tables [T, hd]; broadcast over batch and heads. */
    record Angles(NDArray cos, NDArray sin) {
        /** x [1, heads, T, hd] -> x * cos + rotate_half(x) * sin. */
        NDArray apply(NDArray x) {
            long half = x.getShape().get(3) / 2;
            NDArray x1 = x.get(new NDIndex("..., :{}", half));
            NDArray x2 = x.get(new NDIndex("..., {}:", half));
            NDArray rotated = x2.neg().concat(x1, -1); // rotate_half: (-x2, x1)
            return x.mul(cos).add(rotated.mul(sin));
        }
    }
}
