package org.voicestudio.engines.djl.flow;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import org.voicestudio.engines.djl.DjlWeights;
import org.voicestudio.inference.config.ModelConfig.FlowConfig;

/**
 * {@code x_transformers.RotaryEmbedding(dim_head)} as x-transformers 2.11.24 lays it out (reference §4.3):
 * the angle of position p on channel pair i is {@code p * inv_freq[i]}, repeated for both channels of the
 * pair ({@code (d r)} layout), and a pair (x1, x2) rotates through (-x2, x1). The F5-TTS quirk: it is
 * applied to q and k BEFORE the head split, on the first {@code dim_head} channels only, i.e. to head 0;
 * the other heads stay unrotated. {@code inv_freq} comes from the checkpoint.
 */
final class RotaryEmbedding {
    private final int dimHead;
    private final float[] invFreq;   // [dim_head / 2]

    RotaryEmbedding(DjlWeights w, FlowConfig c) {
        dimHead = c.ditDimHead();
        try (NDArray f = w.f32("decoder.estimator.rotary_embed.inv_freq", dimHead / 2)) {
            invFreq = f.toFloatArray();
        }
    }

    /** cos and sin of the angles of positions 0..T-1, each [T, dim_head]. */
    record Frequencies(NDArray cos, NDArray sin) {}

    Frequencies frequencies(NDManager manager, int frames) {
        float[] angles = new float[frames * dimHead];
        for (int p = 0; p < frames; p++) {
            for (int c = 0; c < dimHead; c++) angles[p * dimHead + c] = (float) p * invFreq[c / 2];   // float32 product, as einsum
        }
        NDArray a = manager.create(angles, new Shape(frames, dimHead));
        return new Frequencies(a.cos(), a.sin());
    }

    /** x [B, T, inner] (q or k before the head split) -> the same with channels [0, dim_head) rotated. */
    NDArray apply(NDArray x, Frequencies f) {
        NDArray rot = x.get(new NDIndex(":, :, :{}", dimHead));      // [B, T, dim_head]
        NDArray rest = x.get(new NDIndex(":, :, {}:", dimHead));     // [B, T, inner - dim_head]
        NDArray rotated = rot.mul(f.cos()).add(rotateHalf(rot).mul(f.sin()));
        return rotated.concat(rest, 2);
    }

    /** Pairs (x1, x2) -> (-x2, x1). */
    private NDArray rotateHalf(NDArray x) {
        Shape s = x.getShape();
        NDArray pairs = x.reshape(s.get(0), s.get(1), dimHead / 2, 2);              // [B, T, d/2, 2]
        NDArray x1 = pairs.get(new NDIndex(":, :, :, 0"));
        NDArray x2 = pairs.get(new NDIndex(":, :, :, 1"));
        return x2.neg().stack(x1, 3).reshape(s);                                     // [B, T, d]
    }
}
